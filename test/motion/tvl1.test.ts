import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tvl1Flow, tvl1FlowWith, wasmTvl1Available } from '../../src/motion/tvl1.ts';
import { MerError } from '../../src/core/errors.ts';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { bump, epe, makePair, makeTexture } from './synth.ts';

const S = 64;
const MARGIN = 8; // border pixels excluded: near the border part of the motion has no data
const tex = makeTexture(11);

const cases: [string, (x: number, y: number) => [number, number]][] = [
  ['sub-pixel translation (0.3, -0.2)', () => [0.3, -0.2]],
  ['translation (1.4, 0.7)', () => [1.4, 0.7]],
  ['rotation by 1° about the centre', (x, y) => {
    const a = Math.PI / 180, X = x - S / 2, Y = y - S / 2;
    return [Math.cos(a) * X - Math.sin(a) * Y - X, Math.sin(a) * X + Math.cos(a) * Y - Y];
  }],
  ['Gaussian bump of 1.2 px (micro-expression-like)', bump(30, 34, 9, 1.0, -0.66)],
  ['two bumps of 0.3 and 1.5 px', (x, y) => {
    const a = bump(20, 20, 7, 0.3, 0)(x, y), b = bump(44, 42, 8, 0, 1.5)(x, y);
    return [a[0] + b[0], a[1] + b[1]];
  }],
];

for (const [name, d] of cases) {
  test(`TV-L1 recovers ${name}: mean EPE < 0.1 px away from borders`, () => {
    const { a, b, flow } = makePair(tex, S, S, d);
    const r = tvl1Flow(a, b);
    assert.equal(r.width, S);
    assert.equal(r.height, S);
    const e = epe(r, flow, MARGIN);
    assert.ok(e < 0.1, `EPE ${e.toFixed(4)} px`);
    // and the flow is not trivially zero: the zero field is far worse
    const zero = { width: S, height: S, u: new Float32Array(S * S), v: new Float32Array(S * S) };
    assert.ok(epe(zero, flow, MARGIN) > 3 * e);
  });
}

test('TV-L1 of identical images is zero', () => {
  const { a } = makePair(tex, 32, 32, () => [0, 0]);
  const r = tvl1Flow(a, a);
  let m = 0;
  for (let i = 0; i < r.u.length; i++) m = Math.max(m, Math.abs(r.u[i]), Math.abs(r.v[i]));
  assert.ok(m < 1e-3, `max |flow| ${m}`);
});

test('TV-L1 rejects bad inputs and parameters with MerError', () => {
  const { a } = makePair(tex, 16, 16, () => [0, 0]);
  const small = { width: 8, height: 16, channels: 1 as const, data: new Float32Array(128) };
  assert.throws(() => tvl1Flow(a, small), MerError);
  assert.throws(() => tvl1Flow(a, a, { gamma: 0.1 }), MerError);
  assert.throws(() => tvl1Flow(a, a, { medianFiltering: 4 }), MerError);
  assert.throws(() => tvl1Flow(a, a, { scaleStep: 1 }), MerError);
  const rgb = { width: 16, height: 16, channels: 3 as const, data: new Float32Array(768) };
  assert.throws(() => tvl1Flow(rgb, rgb), MerError);
});

test('the WebAssembly SIMD iteration gives bit-identical flows to the JavaScript one (even and odd sizes)', () => {
  assert.equal(wasmTvl1Available(), true, 'Node 20 has wasm SIMD: the fast kernel must load');
  // odd widths exercise the single last pixel of a row; sizes straddle the pyramid's 16-px floor
  for (const [w, h] of [[40, 24], [33, 21], [17, 30], [3, 3]] as const) {
    const { a, b } = makePair(tex, w, h, bump(w / 2, h / 2, 6, 0.9, -0.5));
    const fast = tvl1FlowWith(a, b, {}, 'auto');
    const js = tvl1FlowWith(a, b, {}, 'js');
    assert.deepEqual(fast.u, js.u, `u ${w}×${h}`);
    assert.deepEqual(fast.v, js.v, `v ${w}×${h}`);
    let m = 0;
    for (let i = 0; i < js.u.length; i++) m = Math.max(m, Math.abs(js.u[i]), Math.abs(js.v[i]));
    if (w > 3) assert.ok(m > 0.1, `${w}×${h}: the flow is not trivially zero (max ${m})`);
  }
});

test('without WebAssembly (node --jitless) every kernel falls back to JavaScript and the flow is bit-identical', () => {
  const mod = (f: string) => JSON.stringify(fileURLToPath(new URL(`../../src/motion/${f}`, import.meta.url)));
  const synth = JSON.stringify(fileURLToPath(new URL('./synth.ts', import.meta.url)));
  const code = `import { tvl1Flow, wasmTvl1Available } from ${mod('tvl1.ts')};
    import { wasmMedianAvailable } from ${mod('median.ts')};
    import { wasmRemapAvailable } from ${mod('resample.ts')};
    import { bump, makePair, makeTexture } from ${synth};
    const { a, b } = makePair(makeTexture(11), 24, 19, bump(12, 10, 5, 0.8, -0.4));
    const f = tvl1Flow(a, b);
    console.log(JSON.stringify({ wasm: [wasmTvl1Available(), wasmMedianAvailable(), wasmRemapAvailable()], u: [...f.u], v: [...f.v] }));`;
  const r = spawnSync(process.execPath, ['--jitless', '--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const got = JSON.parse(r.stdout.trim().split('\n').pop()!) as { wasm: boolean[]; u: number[]; v: number[] };
  assert.deepEqual(got.wasm, [false, false, false], 'WebAssembly is absent under --jitless');
  const { a, b } = makePair(tex, 24, 19, bump(12, 10, 5, 0.8, -0.4));
  const f = tvl1Flow(a, b);
  assert.deepEqual(Float32Array.from(got.u), f.u);
  assert.deepEqual(Float32Array.from(got.v), f.v);
});
