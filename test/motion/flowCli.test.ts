import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { registerFlowCommand } from '../../src/cli/commands/flow.ts';
import { readImage, writeImage } from '../../src/io/image.ts';
import { readFlo } from '../../src/io/flo.ts';
import { MerError } from '../../src/core/errors.ts';
import { makePair, makeTexture } from './synth.ts';

function program(): Command {
  const p = new Command();
  p.exitOverride();
  p.configureOutput({ writeOut: () => {}, writeErr: () => {} });
  registerFlowCommand(p);
  return p;
}

test('merkit flow writes the 28×28 flow image and a .flo with the known shift', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'merkit-flow-cli-'));
  try {
    // an 8-bit round trip blurs nothing at this contrast; shift 0.6 px right
    const { a, b } = makePair(makeTexture(3), 48, 48, () => [0.6, 0]);
    await writeImage(join(dir, 'a.png'), a);
    await writeImage(join(dir, 'b.png'), b);
    const log: string[] = [];
    const orig = process.stdout.write.bind(process.stdout);
    (process.stdout as unknown as { write: (s: string) => boolean }).write = (s: string) => { log.push(s); return true; };
    try {
      await program().parseAsync(['node', 'merkit', 'flow', join(dir, 'a.png'), join(dir, 'b.png'), '--out', join(dir, 'f.png'), '--flo', join(dir, 'f.flo')]);
    } finally {
      (process.stdout as unknown as { write: typeof orig }).write = orig;
    }
    assert.match(log.join(''), /flow 48×48/);
    const img = await readImage(join(dir, 'f.png'), { mode: 'rgb' });
    assert.equal(img.width, 28);
    assert.equal(img.height, 28);
    const flo = await readFlo(join(dir, 'f.flo'));
    assert.equal(flo.width, 48);
    let su = 0, sv = 0, n = 0;
    for (let y = 8; y < 40; y++) for (let x = 8; x < 40; x++) { su += flo.u[y * 48 + x]; sv += flo.v[y * 48 + x]; n++; }
    assert.ok(Math.abs(su / n - 0.6) < 0.1, `mean u ${su / n}`);
    assert.ok(Math.abs(sv / n) < 0.1, `mean v ${sv / n}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('merkit flow: a missing image is a MerError, a malformed option value a usage error (exit code 1), never a stack trace', async () => {
  await assert.rejects(program().parseAsync(['node', 'merkit', 'flow', '/nonexistent/a.png', '/nonexistent/b.png', '--out', '/tmp/x.png']), MerError);
  await assert.rejects(
    program().parseAsync(['node', 'merkit', 'flow', 'a.png', 'b.png', '--out', 'x.png', '--tau', 'abc']),
    (e: unknown) => e instanceof CommanderError && e.code === 'commander.invalidArgument' && e.exitCode === 1 && /--tau must be a number/.test(e.message),
  );
});
