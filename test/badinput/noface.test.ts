/**
 * Bad-input catalogue row "a video with no face", end to end: `merkit
 * analyze blank.mp4` on a blank synthetic video (encodeVideo) exits 2 with
 * one line naming the file ("no face found in …"), no stack trace, and
 * writes no analysis.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { encodeVideo } from '../../src/io/video.ts';
import { PROJECT_ROOT } from '../helpers/shared.ts';

test('merkit analyze on a video with no face: exit 2, one line "no face found in <file>", nothing written', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'merkit-noface-'));
  try {
    const file = join(dir, 'blank.mp4');
    const side = 64;
    // 1 s of flat, slowly brightening gray: decodable, no face on any key frame
    const frames = Array.from({ length: 25 }, (_, t) => ({ width: side, height: side, channels: 1 as const, data: new Float32Array(side * side).fill(0.4 + 0.004 * t) }));
    await encodeVideo(file, frames, { fps: 25 });
    const out = join(dir, 'out');
    const r = spawnSync(process.execPath, [join(PROJECT_ROOT, 'bin', 'merkit.js'), 'analyze', file, '--out', out, '--key-interval', '5'], { encoding: 'utf8', cwd: PROJECT_ROOT });
    assert.equal(r.status, 2, `exit ${r.status}: ${r.stderr}`);
    const msg = r.stderr.split('\n').filter((l) => l.startsWith('merkit:'));
    assert.equal(msg.length, 1, `one message line: ${r.stderr}`);
    assert.ok(msg[0].includes(`no face found in ${file}`), msg[0]);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    assert.equal(existsSync(join(out, 'analysis.json')), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
