/** Progress reporting, decoupled from the terminal: stages call a sink. */
export interface ProgressSink {
  begin(stage: string, total: number): void;
  tick(n?: number): void;
  end(): void;
  /** a line of information (not an error) */
  info(message: string): void;
}

export const silentProgress: ProgressSink = { begin() {}, tick() {}, end() {}, info() {} };
