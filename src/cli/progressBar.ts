/** A terminal progress sink: a cli-progress bar on a TTY, sparse lines otherwise. */
import cliProgress from 'cli-progress';
import type { ProgressSink } from '../core/progress.ts';

export function terminalProgress(stream: NodeJS.WriteStream = process.stderr): ProgressSink {
  const tty = Boolean(stream.isTTY);
  let bar: cliProgress.SingleBar | undefined;
  let stage = '';
  let total = 0;
  let done = 0;
  let lastPct = -1;
  return {
    begin(s, t) {
      stage = s;
      total = t;
      done = 0;
      lastPct = -1;
      if (tty) {
        bar = new cliProgress.SingleBar(
          { format: `${s.padEnd(10)} [{bar}] {value}/{total} {percentage}% | eta {eta_formatted}`, stream, hideCursor: true, clearOnComplete: false },
          cliProgress.Presets.shades_classic,
        );
        bar.start(t, 0);
      } else {
        stream.write(`${s}: 0/${t}\n`);
      }
    },
    tick(n = 1) {
      done += n;
      if (bar) bar.update(done);
      else {
        // without a TTY, a line every 25 % keeps logs readable
        const pct = total > 0 ? Math.floor((4 * done) / total) : 4;
        if (pct !== lastPct && done > 0) {
          lastPct = pct;
          stream.write(`${stage}: ${done}/${total}\n`);
        }
      }
    },
    end() {
      bar?.stop();
      bar = undefined;
    },
    info(msg) {
      stream.write(`${msg}\n`);
    },
  };
}
