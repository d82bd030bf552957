/**
 * MerError: the one error type merkit raises for problems the *user* must fix
 * (bad input, missing files, unknown options). It carries where the problem is
 * (file, row, clip) and what was expected, so the CLI can print one clear line
 * instead of a stack trace.
 */
export type MerErrorCode =
  | 'BAD_INPUT' // a file or value that cannot be read/parsed
  | 'NOT_FOUND' // a file/folder/sheet that does not exist
  | 'BAD_OPTION' // an unknown recipe, protocol, scheme, or option value
  | 'BAD_LABEL' // a label outside the chosen scheme
  | 'DUPLICATE' // duplicate clip id
  | 'UNSUPPORTED' // a format or feature merkit does not handle
  | 'INTERNAL'; // a bug: should never reach the user

export interface MerErrorDetails {
  file?: string;
  row?: number;
  clip?: string;
  expected?: string;
  cause?: unknown;
}

export class MerError extends Error {
  readonly code: MerErrorCode;
  readonly file?: string;
  readonly row?: number;
  readonly clip?: string;
  readonly expected?: string;

  constructor(code: MerErrorCode, message: string, details: MerErrorDetails = {}) {
    super(message, details.cause !== undefined ? { cause: details.cause } : undefined);
    this.name = 'MerError';
    this.code = code;
    this.file = details.file;
    this.row = details.row;
    this.clip = details.clip;
    this.expected = details.expected;
  }

  /** One line for a human: "file:row: message (expected …)". */
  describe(): string {
    const where = [this.file, this.row !== undefined ? `row ${this.row}` : undefined, this.clip ? `clip ${this.clip}` : undefined]
      .filter(Boolean)
      .join(', ');
    const exp = this.expected ? ` (expected ${this.expected})` : '';
    return `${where ? where + ': ' : ''}${this.message}${exp}`;
  }
}

export function isMerError(e: unknown): e is MerError {
  return e instanceof MerError;
}

/** A problem found while reading a dataset: the clip is skipped, the run goes on. */
export interface Problem {
  /** short machine-readable kind, e.g. 'missing-folder', 'corrupt-image', 'unknown-label' */
  kind: string;
  message: string;
  file?: string;
  row?: number;
  clip?: string;
}

export function problemFromError(e: unknown, fallback: Partial<Problem> = {}): Problem {
  if (isMerError(e)) {
    return {
      kind: fallback.kind ?? e.code.toLowerCase().replace(/_/g, '-'),
      message: e.message + (e.expected ? ` (expected ${e.expected})` : ''),
      file: e.file ?? fallback.file,
      row: e.row ?? fallback.row,
      clip: e.clip ?? fallback.clip,
    };
  }
  const msg = e instanceof Error ? e.message : String(e);
  return { kind: fallback.kind ?? 'error', message: msg, file: fallback.file, row: fallback.row, clip: fallback.clip };
}
