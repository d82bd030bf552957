/** Worker-thread entry for the local pool (piscina): runs one task. */
import { runTask, type Task } from './tasks.ts';
import { isMerError } from '../core/errors.ts';

export default async function (task: Task) {
  try {
    return { ok: true, value: await runTask(task) };
  } catch (e) {
    // MerErrors cross the thread boundary as plain data so the main thread can rebuild them.
    if (isMerError(e)) return { ok: false, merError: { code: e.code, message: e.message, file: e.file, row: e.row, clip: e.clip, expected: e.expected } };
    return { ok: false, error: e instanceof Error ? e.message : String(e), stack: e instanceof Error ? e.stack : undefined };
  }
}
