/**
 * SIMD (f32x4) WebAssembly kernels for STSTNet-sized training, assembled at
 * load time with the byte assembler of src/motion/wasm.ts and instantiated
 * OVER THE tfjs WASM BACKEND'S OWN MEMORY: they read and write tensors in
 * place (pointers = the backend's memoryOffset of each tensor), no copies.
 *
 * Every kernel works on 16-channel NHWC rows (four f32x4 vectors per pixel):
 * - `dwPair`: two taps of a stride-1 'valid' convolution's filter gradient
 *   dW[tap, 16 out channels] = Σ_{n,y,x} x[n, y+a, x+b, ci] · dy[n, y, x, :]
 *   (register-blocked: 8 accumulators, dy loaded once per pixel for both taps;
 *   partial sums flushed per image to keep float32 rounding at ~900 terms);
 * - `stats`: Σ relu(z + bias) and Σ relu(z + bias)² per channel (float32 per
 *   row, float64 across rows);
 * - `pool`: max-pool windows (k, stride, padding never wins) over
 *   sgn·relu(z + bias) — value and flat index of each channel's winner
 *   (int32; first position wins ties, as in the JavaScript path);
 * - `gradDense`: dz = (slope·r + off)·[r > 0] with r = z + bias, and Σ dz;
 * - `tail` / `prelude` / `sparse`: the pooled-cell passes of the fused head
 *   (BN + dropout + avg-pool forward; its backward to the winners; the
 *   scatter of the winners' gradient into dz);
 * - `mask`: the dropout mask from an sfc32 stream (bit-identical to the
 *   JavaScript loop in reluBnPool.ts);
 * - `adam`: one fused Adam update (src/nets/fusedAdam.ts), bit-identical to
 *   tfjs's AdamOptimizer;
 * - `maxPoolGrad`: max-pool's gradient four channels at a time
 *   (maxPoolGrad.ts), bit-identical to its JavaScript loop;
 * - `bnSums` / `bnMap`: BatchNorm's statistics, output, gradient sums and
 *   dx in float64 pairs (fastBatchNorm.ts), bit-identical to its loops.
 *
 * JavaScript fallbacks live next to the callers (conv2dBackpropFilter.ts,
 * reluBnPool.ts); `simdKernels` returns null where wasm SIMD is unavailable
 * or the backend's memory cannot be reached.
 */
import { instantiateWasm, SIMD, W, wasmModule, WT, type WasmFunc } from '../../motion/wasm.ts';
import type { WasmBackend } from './wasmCall.ts';

/** channels per SIMD pixel (four f32x4 vectors) */
export const SIMD_CHANNELS = 16;
const G = SIMD_CHANNELS / 4;
const VEC = 16;
const PIXEL_BYTES = SIMD_CHANNELS * 4;

const S = (op: number) => W.simd(op);
const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const zero = () => W.v128zero();
/** local += delta (i32) */
const inc = (l: number, delta: number[]) => [...W.get(l), ...delta, ...W.i32add(), ...W.set(l)];
/** `--counter; if (counter) continue` at the end of a `loop` */
const countDown = (l: number) => [...W.get(l), ...W.i32(1), ...W.i32sub(), ...W.tee(l), ...W.brIf(0)];
/** relu(load(ptr + off) + bias) */
const reluAt = (ptr: number[], off: number, bias: number) => [...zero(), ...ptr, ...W.load(off), ...W.get(bias), ...S(SIMD.f32add), ...S(SIMD.pmax32)];

function dwPairFunc(): WasmFunc {
  // params
  const [x, dz, dw, n, ho, wo, xPix, xRowSkip, xImgSkip, dzPix, offA, offB, dwA, dwB] = range(14);
  // locals
  const [pa, pb, pd, yc, xc, img] = range(6).map((i) => 14 + i);
  const accA = range(G).map((g) => 20 + g);
  const accB = range(G).map((g) => 20 + G + g);
  const d = range(G).map((g) => 20 + 2 * G + g);
  const t = 20 + 3 * G;
  const flush = (base: number, off: number, acc: number[]) =>
    acc.flatMap((a, g) => [
      ...W.get(base), ...W.get(off), ...W.i32add(),
      ...W.get(base), ...W.get(off), ...W.i32add(), ...W.load(g * VEC), ...W.get(a), ...S(SIMD.f32add), ...W.store(g * VEC),
      ...zero(), ...W.set(a),
    ]);
  const madd = (acc: number[]) => acc.flatMap((a, g) => [...W.get(a), ...W.get(t), ...W.get(d[g]), ...S(SIMD.f32mul), ...S(SIMD.f32add), ...W.set(a)]);
  const body = [
    ...W.get(x), ...W.get(offA), ...W.i32add(), ...W.set(pa),
    ...W.get(x), ...W.get(offB), ...W.i32add(), ...W.set(pb),
    ...W.get(dz), ...W.set(pd),
    ...W.get(n), ...W.set(img),
    ...W.loop(),
    ...W.get(ho), ...W.set(yc),
    ...W.loop(),
    ...W.get(wo), ...W.set(xc),
    ...W.loop(),
    ...d.flatMap((dv, g) => [...W.get(pd), ...W.load(g * VEC), ...W.set(dv)]),
    ...W.get(pa), ...W.loadSplat32(), ...W.set(t), ...madd(accA),
    ...W.get(pb), ...W.loadSplat32(), ...W.set(t), ...madd(accB),
    ...inc(pa, W.get(xPix)), ...inc(pb, W.get(xPix)), ...inc(pd, W.get(dzPix)),
    ...countDown(xc),
    ...W.end(),
    ...inc(pa, W.get(xRowSkip)), ...inc(pb, W.get(xRowSkip)),
    ...countDown(yc),
    ...W.end(),
    ...inc(pa, W.get(xImgSkip)), ...inc(pb, W.get(xImgSkip)),
    ...flush(dw, dwA, accA), ...flush(dw, dwB, accB),
    ...countDown(img),
    ...W.end(),
  ];
  return { name: 'dwPair', params: new Array(14).fill(WT.i32), results: [], locals: [[6, WT.i32], [3 * G + 1, WT.v128]], body };
}

/** f64 acc[c] += f32 scratch[c] for c < count (unrolled) */
const addF32ToF64 = (acc: number, scratch: number, count: number) =>
  range(count).flatMap((c) => [...W.get(acc), ...W.get(acc), ...W.f64load(8 * c), ...W.get(scratch), ...W.f32load(4 * c), ...W.f64fromF32(), ...W.f64add(), ...W.f64store(8 * c)]);

function statsFunc(): WasmFunc {
  const [z, bias, acc, rows, cols, scratch] = range(6);
  const [pz, rc, cc] = [6, 7, 8];
  const b = range(G).map((g) => 9 + g);
  const s1 = range(G).map((g) => 9 + G + g);
  const s2 = range(G).map((g) => 9 + 2 * G + g);
  const r = 9 + 3 * G;
  const body = [
    ...b.flatMap((bv, g) => [...W.get(bias), ...W.load(g * VEC), ...W.set(bv)]),
    ...W.get(z), ...W.set(pz), ...W.get(rows), ...W.set(rc),
    ...W.loop(),
    ...[...s1, ...s2].flatMap((s) => [...zero(), ...W.set(s)]),
    ...W.get(cols), ...W.set(cc),
    ...W.loop(),
    ...range(G).flatMap((g) => [
      ...reluAt(W.get(pz), g * VEC, b[g]), ...W.set(r),
      ...W.get(s1[g]), ...W.get(r), ...S(SIMD.f32add), ...W.set(s1[g]),
      ...W.get(s2[g]), ...W.get(r), ...W.get(r), ...S(SIMD.f32mul), ...S(SIMD.f32add), ...W.set(s2[g]),
    ]),
    ...inc(pz, W.i32(PIXEL_BYTES)),
    ...countDown(cc),
    ...W.end(),
    ...[...s1, ...s2].flatMap((s, k) => [...W.get(scratch), ...W.get(s), ...W.store(k * VEC)]),
    ...addF32ToF64(acc, scratch, 2 * SIMD_CHANNELS),
    ...countDown(rc),
    ...W.end(),
  ];
  return { name: 'stats', params: new Array(6).fill(WT.i32), results: [], locals: [[3, WT.i32], [3 * G + 1, WT.v128]], body };
}

function gradDenseFunc(): WasmFunc {
  const [z, bias, slope, off, dz, acc, rows, cols, scratch] = range(9);
  const [pz, pd, rc, cc] = [9, 10, 11, 12];
  const b = range(G).map((g) => 13 + g);
  const sl = range(G).map((g) => 13 + G + g);
  const of = range(G).map((g) => 13 + 2 * G + g);
  const s = range(G).map((g) => 13 + 3 * G + g);
  const [r, v] = [13 + 4 * G, 14 + 4 * G];
  const body = [
    ...range(G).flatMap((g) => [
      ...W.get(bias), ...W.load(g * VEC), ...W.set(b[g]),
      ...W.get(slope), ...W.load(g * VEC), ...W.set(sl[g]),
      ...W.get(off), ...W.load(g * VEC), ...W.set(of[g]),
    ]),
    ...W.get(z), ...W.set(pz), ...W.get(dz), ...W.set(pd), ...W.get(rows), ...W.set(rc),
    ...W.loop(),
    ...s.flatMap((sv) => [...zero(), ...W.set(sv)]),
    ...W.get(cols), ...W.set(cc),
    ...W.loop(),
    ...range(G).flatMap((g) => [
      ...W.get(pz), ...W.load(g * VEC), ...W.get(b[g]), ...S(SIMD.f32add), ...W.set(r),
      ...W.get(sl[g]), ...W.get(r), ...S(SIMD.f32mul), ...W.get(of[g]), ...S(SIMD.f32add),
      ...W.get(r), ...zero(), ...S(SIMD.f32gt), ...S(SIMD.and), ...W.set(v),
      ...W.get(pd), ...W.get(v), ...W.store(g * VEC),
      ...W.get(s[g]), ...W.get(v), ...S(SIMD.f32add), ...W.set(s[g]),
    ]),
    ...inc(pz, W.i32(PIXEL_BYTES)), ...inc(pd, W.i32(PIXEL_BYTES)),
    ...countDown(cc),
    ...W.end(),
    ...s.flatMap((sv, k) => [...W.get(scratch), ...W.get(sv), ...W.store(k * VEC)]),
    ...addF32ToF64(acc, scratch, SIMD_CHANNELS),
    ...countDown(rc),
    ...W.end(),
  ];
  return { name: 'gradDense', params: new Array(9).fill(WT.i32), results: [], locals: [[4, WT.i32], [4 * G + 2, WT.v128]], body };
}

function poolFunc(): WasmFunc {
  const [z, bias, sgn, best, win, n, H, Wd, Hp, Wp, k, s, p] = range(13);
  const [img, i, j, y0, y1, x0, x1, yy, xx, e, po, t, pa] = range(13).map((q) => 13 + q);
  const V0 = 26;
  const b = range(G).map((g) => V0 + g);
  const sg = range(G).map((g) => V0 + G + g);
  const bv = range(G).map((g) => V0 + 2 * G + g);
  const bi = range(G).map((g) => V0 + 3 * G + g);
  const lane = range(G).map((g) => V0 + 4 * G + g);
  const [v, m, ie] = [V0 + 5 * G, V0 + 5 * G + 1, V0 + 5 * G + 2];
  /** lo = max(0, t); hi = min(limit, t + k) */
  const bounds = (lo: number, hi: number, limit: number) => [
    ...W.get(t), ...W.i32(0), ...W.get(t), ...W.i32(0), ...W.i32geS(), ...W.select(), ...W.set(lo),
    ...W.get(t), ...W.get(k), ...W.i32add(), ...W.get(limit), ...W.get(t), ...W.get(k), ...W.i32add(), ...W.get(limit), ...W.i32ltS(), ...W.select(), ...W.set(hi),
  ];
  /** e = ((img·H + yr)·W + x0)·16 (element index of the row's first window pixel) */
  const rowElem = (yr: number) => [...W.get(img), ...W.get(H), ...W.i32mul(), ...W.get(yr), ...W.i32add(), ...W.get(Wd), ...W.i32mul(), ...W.get(x0), ...W.i32add(), ...W.i32(SIMD_CHANNELS), ...W.i32mul(), ...W.set(e)];
  /** pa = z + 4e; ie = splat(e) */
  const at = [...W.get(z), ...W.get(e), ...W.i32(4), ...W.i32mul(), ...W.i32add(), ...W.set(pa), ...W.get(e), ...S(SIMD.i32splat), ...W.set(ie)];
  const value = (g: number) => [...W.get(sg[g]), ...reluAt(W.get(pa), g * VEC, b[g]), ...S(SIMD.f32mul)];
  const index = (g: number) => [...W.get(ie), ...W.get(lane[g]), ...S(SIMD.i32add)];
  const loopTo = (l: number, limit: number) => [...W.get(l), ...W.i32(1), ...W.i32add(), ...W.tee(l), ...W.get(limit), ...W.i32ltS(), ...W.brIf(0)];
  const body = [
    ...range(G).flatMap((g) => [
      ...W.get(bias), ...W.load(g * VEC), ...W.set(b[g]),
      ...W.get(sgn), ...W.load(g * VEC), ...W.set(sg[g]),
      ...W.i32x4const(4 * g, 4 * g + 1, 4 * g + 2, 4 * g + 3), ...W.set(lane[g]),
    ]),
    ...W.i32(0), ...W.set(po), ...W.i32(0), ...W.set(img),
    ...W.loop(),
    ...W.i32(0), ...W.set(i),
    ...W.loop(),
    ...W.get(i), ...W.get(s), ...W.i32mul(), ...W.get(p), ...W.i32sub(), ...W.set(t),
    ...bounds(y0, y1, H),
    ...W.i32(0), ...W.set(j),
    ...W.loop(),
    ...W.get(j), ...W.get(s), ...W.i32mul(), ...W.get(p), ...W.i32sub(), ...W.set(t),
    ...bounds(x0, x1, Wd),
    ...rowElem(y0), ...at,
    ...range(G).flatMap((g) => [...value(g), ...W.set(bv[g]), ...index(g), ...W.set(bi[g])]),
    ...W.get(y0), ...W.set(yy),
    ...W.loop(),
    ...rowElem(yy),
    ...W.get(x0), ...W.set(xx),
    ...W.loop(),
    ...at,
    ...range(G).flatMap((g) => [
      ...value(g), ...W.set(v),
      ...W.get(v), ...W.get(bv[g]), ...S(SIMD.f32gt), ...W.set(m),
      ...W.get(v), ...W.get(bv[g]), ...W.get(m), ...S(SIMD.bitselect), ...W.set(bv[g]),
      ...index(g), ...W.get(bi[g]), ...W.get(m), ...S(SIMD.bitselect), ...W.set(bi[g]),
    ]),
    ...inc(e, W.i32(SIMD_CHANNELS)),
    ...loopTo(xx, x1),
    ...W.end(),
    ...loopTo(yy, y1),
    ...W.end(),
    ...range(G).flatMap((g) => [
      ...W.get(best), ...W.get(po), ...W.i32add(), ...W.get(bv[g]), ...W.store(g * VEC),
      ...W.get(win), ...W.get(po), ...W.i32add(), ...W.get(bi[g]), ...W.store(g * VEC),
    ]),
    ...inc(po, W.i32(PIXEL_BYTES)),
    ...loopTo(j, Wp),
    ...W.end(),
    ...loopTo(i, Hp),
    ...W.end(),
    ...loopTo(img, n),
    ...W.end(),
  ];
  return { name: 'pool', params: new Array(13).fill(WT.i32), results: [], locals: [[13, WT.i32], [5 * G + 3, WT.v128]], body };
}

/** out = ¼·Σ₂ₓ₂ mask·(rw·scale + shift), after rw *= sgn over every cell (pooled NHWC, 16 channels) */
function tailFunc(): WasmFunc {
  const [rw, sgn, scale, shift, mask, out, n, hp, wp, ha, wa] = range(11);
  const [pp, cnt, img, a, bc, r00, m00, r10, m10, po] = range(10).map((q) => 11 + q);
  const sg = range(G).map((g) => 21 + g);
  const sc = range(G).map((g) => 21 + G + g);
  const sh = range(G).map((g) => 21 + 2 * G + g);
  const cell = (r: number, m: number, off: number, g: number) => [
    ...W.get(m), ...W.load(off + g * VEC),
    ...W.get(r), ...W.load(off + g * VEC), ...W.get(sc[g]), ...S(SIMD.f32mul), ...W.get(sh[g]), ...S(SIMD.f32add),
    ...S(SIMD.f32mul),
  ];
  /** row pointers of pooled row 2a of image img */
  const rowStart = [
    ...W.get(img), ...W.get(hp), ...W.i32mul(), ...W.get(a), ...W.get(a), ...W.i32add(), ...W.i32add(), ...W.get(wp), ...W.i32mul(), ...W.i32(PIXEL_BYTES), ...W.i32mul(), ...W.set(pp),
    ...W.get(rw), ...W.get(pp), ...W.i32add(), ...W.set(r00),
    ...W.get(mask), ...W.get(pp), ...W.i32add(), ...W.set(m00),
    ...W.get(r00), ...W.get(wp), ...W.i32(PIXEL_BYTES), ...W.i32mul(), ...W.i32add(), ...W.set(r10),
    ...W.get(m00), ...W.get(wp), ...W.i32(PIXEL_BYTES), ...W.i32mul(), ...W.i32add(), ...W.set(m10),
  ];
  const upTo = (l: number, limit: number) => [...W.get(l), ...W.i32(1), ...W.i32add(), ...W.tee(l), ...W.get(limit), ...W.i32ltS(), ...W.brIf(0)];
  const body = [
    ...range(G).flatMap((g) => [
      ...W.get(sgn), ...W.load(g * VEC), ...W.set(sg[g]),
      ...W.get(scale), ...W.load(g * VEC), ...W.set(sc[g]),
      ...W.get(shift), ...W.load(g * VEC), ...W.set(sh[g]),
    ]),
    // rw *= sgn
    ...W.get(rw), ...W.set(pp), ...W.get(n), ...W.get(hp), ...W.i32mul(), ...W.get(wp), ...W.i32mul(), ...W.set(cnt),
    ...W.loop(),
    ...range(G).flatMap((g) => [...W.get(pp), ...W.get(pp), ...W.load(g * VEC), ...W.get(sg[g]), ...S(SIMD.f32mul), ...W.store(g * VEC)]),
    ...inc(pp, W.i32(PIXEL_BYTES)),
    ...countDown(cnt),
    ...W.end(),
    // avg-pool of mask·BN
    ...W.get(out), ...W.set(po), ...W.i32(0), ...W.set(img),
    ...W.loop(),
    ...W.i32(0), ...W.set(a),
    ...W.loop(),
    ...rowStart,
    ...W.get(wa), ...W.set(bc),
    ...W.loop(),
    ...range(G).flatMap((g) => [
      ...W.get(po),
      ...W.f32x4const(0.25),
      ...cell(r00, m00, 0, g), ...cell(r00, m00, PIXEL_BYTES, g), ...S(SIMD.f32add),
      ...cell(r10, m10, 0, g), ...cell(r10, m10, PIXEL_BYTES, g), ...S(SIMD.f32add),
      ...S(SIMD.f32add), ...S(SIMD.f32mul),
      ...W.store(g * VEC),
    ]),
    ...inc(po, W.i32(PIXEL_BYTES)),
    ...inc(r00, W.i32(2 * PIXEL_BYTES)), ...inc(m00, W.i32(2 * PIXEL_BYTES)), ...inc(r10, W.i32(2 * PIXEL_BYTES)), ...inc(m10, W.i32(2 * PIXEL_BYTES)),
    ...countDown(bc),
    ...W.end(),
    ...upTo(a, ha),
    ...W.end(),
    ...upTo(img, n),
    ...W.end(),
  ];
  return { name: 'tail', params: new Array(11).fill(WT.i32), results: [], locals: [[10, WT.i32], [3 * G, WT.v128]], body };
}

/**
 * Backward through avg-pool and dropout: dp = ¼·dout·mask at each pooled cell
 * of the 2Ha×2Wa region (dp pre-zeroed), and per channel Σdp, Σdp·(rw − μ)·σ⁻¹
 * (float32 per image, float64 across images).
 */
function preludeFunc(): WasmFunc {
  const [go, rw, mk, mu, inv, dp, acc, n, hp, wp, ha, wa, scratch] = range(13);
  const [img, i, j, off, aoff] = range(5).map((q) => 13 + q);
  const m = range(G).map((g) => 18 + g);
  const iv = range(G).map((g) => 18 + G + g);
  const s1 = range(G).map((g) => 18 + 2 * G + g);
  const s2 = range(G).map((g) => 18 + 3 * G + g);
  const d = 18 + 4 * G;
  const at = (base: number, o: number) => [...W.get(base), ...W.get(o), ...W.i32add()];
  const upTo = (l: number, limitTimes2: number[]) => [...W.get(l), ...W.i32(1), ...W.i32add(), ...W.tee(l), ...limitTimes2, ...W.i32ltS(), ...W.brIf(0)];
  const body = [
    ...range(G).flatMap((g) => [...W.get(mu), ...W.load(g * VEC), ...W.set(m[g]), ...W.get(inv), ...W.load(g * VEC), ...W.set(iv[g])]),
    ...W.i32(0), ...W.set(img),
    ...W.loop(),
    ...[...s1, ...s2].flatMap((v) => [...zero(), ...W.set(v)]),
    ...W.i32(0), ...W.set(i),
    ...W.loop(),
    ...W.i32(0), ...W.set(j),
    ...W.loop(),
    // off = ((img·hp + i)·wp + j)·64; aoff = ((img·ha + i/2)·wa + j/2)·64
    ...W.get(img), ...W.get(hp), ...W.i32mul(), ...W.get(i), ...W.i32add(), ...W.get(wp), ...W.i32mul(), ...W.get(j), ...W.i32add(), ...W.i32(PIXEL_BYTES), ...W.i32mul(), ...W.set(off),
    ...W.get(img), ...W.get(ha), ...W.i32mul(), ...W.get(i), ...W.i32(1), ...W.i32shrS(), ...W.i32add(), ...W.get(wa), ...W.i32mul(), ...W.get(j), ...W.i32(1), ...W.i32shrS(), ...W.i32add(), ...W.i32(PIXEL_BYTES), ...W.i32mul(), ...W.set(aoff),
    ...range(G).flatMap((g) => [
      ...W.f32x4const(0.25), ...at(go, aoff), ...W.load(g * VEC), ...S(SIMD.f32mul), ...at(mk, off), ...W.load(g * VEC), ...S(SIMD.f32mul), ...W.set(d),
      ...at(dp, off), ...W.get(d), ...W.store(g * VEC),
      ...W.get(s1[g]), ...W.get(d), ...S(SIMD.f32add), ...W.set(s1[g]),
      ...W.get(s2[g]), ...W.get(d), ...at(rw, off), ...W.load(g * VEC), ...W.get(m[g]), ...S(SIMD.f32sub), ...S(SIMD.f32mul), ...W.get(iv[g]), ...S(SIMD.f32mul), ...S(SIMD.f32add), ...W.set(s2[g]),
    ]),
    ...upTo(j, [...W.get(wa), ...W.get(wa), ...W.i32add()]),
    ...W.end(),
    ...upTo(i, [...W.get(ha), ...W.get(ha), ...W.i32add()]),
    ...W.end(),
    ...[...s1, ...s2].flatMap((v, k) => [...W.get(scratch), ...W.get(v), ...W.store(k * VEC)]),
    ...addF32ToF64(acc, scratch, 2 * SIMD_CHANNELS),
    ...upTo(img, W.get(n)),
    ...W.end(),
  ];
  return { name: 'prelude', params: new Array(13).fill(WT.i32), results: [], locals: [[5, WT.i32], [4 * G + 1, WT.v128]], body };
}

/** dz[win] += v, v = ca·dp where rw > 0 (else 0), per pooled cell; Σv per channel into acc (f64) */
function sparseFunc(): WasmFunc {
  const [dp, win, rw, ca, dz, acc, n, cells, scratch] = range(9);
  const [pp, ic, cc, t] = [9, 10, 11, 12];
  const c = range(G).map((g) => 13 + g);
  const s = range(G).map((g) => 13 + G + g);
  const v = 13 + 2 * G;
  const body = [
    ...range(G).flatMap((g) => [...W.get(ca), ...W.load(g * VEC), ...W.set(c[g])]),
    ...W.i32(0), ...W.set(pp), ...W.get(n), ...W.set(ic),
    ...W.loop(),
    ...s.flatMap((x) => [...zero(), ...W.set(x)]),
    ...W.get(cells), ...W.set(cc),
    ...W.loop(),
    ...range(G).flatMap((g) => [
      ...W.get(c[g]), ...W.get(dp), ...W.get(pp), ...W.i32add(), ...W.load(g * VEC), ...S(SIMD.f32mul),
      ...W.get(rw), ...W.get(pp), ...W.i32add(), ...W.load(g * VEC), ...zero(), ...S(SIMD.f32gt), ...S(SIMD.and), ...W.set(v),
      ...W.get(s[g]), ...W.get(v), ...S(SIMD.f32add), ...W.set(s[g]),
      ...range(4).flatMap((lane) => [
        ...W.get(dz), ...W.get(win), ...W.get(pp), ...W.i32add(), ...W.i32load(g * VEC + 4 * lane), ...W.i32(2), ...W.i32shl(), ...W.i32add(), ...W.tee(t),
        ...W.get(t), ...W.f32load(), ...W.get(v), ...W.f32x4lane(lane), ...W.f32add(), ...W.f32store(),
      ]),
    ]),
    ...inc(pp, W.i32(PIXEL_BYTES)),
    ...countDown(cc),
    ...W.end(),
    ...s.flatMap((x, k) => [...W.get(scratch), ...W.get(x), ...W.store(k * VEC)]),
    ...addF32ToF64(acc, scratch, SIMD_CHANNELS),
    ...countDown(ic),
    ...W.end(),
  ];
  return { name: 'sparse', params: new Array(9).fill(WT.i32), results: [], locals: [[4, WT.i32], [2 * G + 1, WT.v128]], body };
}

/**
 * Dropout mask: `count` float32 at `ptr`, each `inv` when the next sfc32
 * draw (state a, b, c, d; core/rng.ts's generator) is below `thr`
 * (unsigned), else 0 — the same stream as dropoutMask's JavaScript loop.
 */
function maskFunc(): WasmFunc {
  const [ptr, count, a, b, c, d, thr, inv] = range(8);
  const t = 8;
  const body = [
    ...W.loop(),
    ...W.get(a), ...W.get(b), ...W.i32add(), ...W.get(d), ...W.i32add(), ...W.set(t),
    ...W.get(d), ...W.i32(1), ...W.i32add(), ...W.set(d),
    ...W.get(b), ...W.get(b), ...W.i32(9), ...W.i32shrU(), ...W.i32xor(), ...W.set(a),
    ...W.get(c), ...W.get(c), ...W.i32(3), ...W.i32shl(), ...W.i32add(), ...W.set(b),
    ...W.get(c), ...W.i32(21), ...W.i32rotl(), ...W.get(t), ...W.i32add(), ...W.set(c),
    ...W.get(ptr), ...W.get(inv), ...W.f32(0), ...W.get(t), ...W.get(thr), ...W.i32ltU(), ...W.select(), ...W.f32store(),
    ...inc(ptr, W.i32(4)),
    ...countDown(count),
    ...W.end(),
  ];
  return { name: 'mask', params: [...new Array(7).fill(WT.i32), WT.f32], results: [], locals: [[1, WT.i32]], body };
}

/**
 * One Adam step over `count4` f32x4 vectors, the same float32 operations in
 * the same order as tfjs's AdamOptimizer (so the result is bit-identical):
 *   m' = m·β1 + g·(1−β1);  v' = v·β2 + (g·g)·(1−β2)
 *   x' = ((m'/(1−β1ᵗ)) / (√(v'/(1−β2ᵗ)) + ε))·(−lr) + x
 * into separate outputs (tensors are immutable; nothing is written in place).
 */
function adamFunc(): WasmFunc {
  const [x, g, m, v, ox, om, ov, count] = range(8);
  const consts = range(8).map((i) => 8 + i); // f32 params: b1, ob1, b2, ob2, omab1, omab2, eps, nlr
  const [B1, OB1, B2, OB2, OMAB1, OMAB2, EPS, NLR] = range(8).map((i) => 16 + i); // v128 splats
  const [gi, mi, vi] = [24, 25, 26];
  const ptrs = [x, g, m, v, ox, om, ov];
  const body = [
    ...consts.flatMap((c, k) => [...W.get(c), ...S(SIMD.f32splat), ...W.set(16 + k)]),
    ...W.loop(),
    ...W.get(g), ...W.load(), ...W.set(gi),
    ...W.get(m), ...W.load(), ...W.get(B1), ...S(SIMD.f32mul), ...W.get(gi), ...W.get(OB1), ...S(SIMD.f32mul), ...S(SIMD.f32add), ...W.set(mi),
    ...W.get(om), ...W.get(mi), ...W.store(),
    ...W.get(v), ...W.load(), ...W.get(B2), ...S(SIMD.f32mul), ...W.get(gi), ...W.get(gi), ...S(SIMD.f32mul), ...W.get(OB2), ...S(SIMD.f32mul), ...S(SIMD.f32add), ...W.set(vi),
    ...W.get(ov), ...W.get(vi), ...W.store(),
    ...W.get(ox),
    ...W.get(mi), ...W.get(OMAB1), ...S(SIMD.f32div),
    ...W.get(vi), ...W.get(OMAB2), ...S(SIMD.f32div), ...S(SIMD.f32sqrt), ...W.get(EPS), ...S(SIMD.f32add),
    ...S(SIMD.f32div), ...W.get(NLR), ...S(SIMD.f32mul),
    ...W.get(x), ...W.load(), ...S(SIMD.f32add),
    ...W.store(),
    ...ptrs.flatMap((p) => inc(p, W.i32(VEC))),
    ...countDown(count),
    ...W.end(),
  ];
  return { name: 'adam', params: [...new Array(8).fill(WT.i32), ...new Array(8).fill(WT.f32)], results: [], locals: [[11, WT.v128]], body };
}

/**
 * MaxPoolGrad (maxPoolGrad.ts) for C a multiple of 4, dilation 1: for each
 * output pixel, in order, each channel's first maximum of its window
 * (clipped to the image: padding never wins) gets dx += dy. Four channels
 * per vector: v > best selects value and element index; the four winners are
 * then added one lane at a time (distinct channels, distinct elements), so
 * every dx element receives its contributions in the JavaScript loop's order.
 */
function maxPoolGradFunc(): WasmFunc {
  const [px, pdy, pdx, n, H, Wd, C, Ho, Wo, kh, kw, sh, sw, pt, pl] = range(15);
  const [img, i, j, y0, y1, x0, x1, yy, xx, c, t, e, pg, a] = range(14).map((q) => 15 + q);
  const [best, where, v, m, lanes, gv] = range(6).map((q) => 29 + q);
  const loopTo = (l: number, limit: number) => [...W.get(l), ...W.i32(1), ...W.i32add(), ...W.tee(l), ...W.get(limit), ...W.i32ltS(), ...W.brIf(0)];
  const bounds = (lo: number, hi: number, limit: number, k: number) => [
    ...W.get(t), ...W.i32(0), ...W.get(t), ...W.i32(0), ...W.i32geS(), ...W.select(), ...W.set(lo),
    ...W.get(t), ...W.get(k), ...W.i32add(), ...W.get(limit), ...W.get(t), ...W.get(k), ...W.i32add(), ...W.get(limit), ...W.i32ltS(), ...W.select(), ...W.set(hi),
  ];
  /** e = ((img·H + yr)·W + xr)·C + c */
  const elem = (yr: number, xr: number) => [...W.get(img), ...W.get(H), ...W.i32mul(), ...W.get(yr), ...W.i32add(), ...W.get(Wd), ...W.i32mul(), ...W.get(xr), ...W.i32add(), ...W.get(C), ...W.i32mul(), ...W.get(c), ...W.i32add(), ...W.set(e)];
  const at = (base: number, idx: number) => [...W.get(base), ...W.get(idx), ...W.i32(4), ...W.i32mul(), ...W.i32add()];
  const scatterLane = (lane: number) => [
    ...W.get(pdx), ...W.get(where), ...W.i32x4lane(lane), ...W.i32(4), ...W.i32mul(), ...W.i32add(), ...W.set(a),
    ...W.get(a), ...W.get(a), ...W.f32load(), ...W.get(gv), ...W.f32x4lane(lane), ...W.f32add(), ...W.f32store(),
  ];
  const body = [
    ...W.i32x4const(0, 1, 2, 3), ...W.set(lanes),
    ...W.get(pdy), ...W.set(pg), ...W.i32(0), ...W.set(img),
    ...W.loop(),
    ...W.i32(0), ...W.set(i),
    ...W.loop(),
    ...W.get(i), ...W.get(sh), ...W.i32mul(), ...W.get(pt), ...W.i32sub(), ...W.set(t),
    ...bounds(y0, y1, H, kh),
    ...W.i32(0), ...W.set(j),
    ...W.loop(),
    ...W.get(j), ...W.get(sw), ...W.i32mul(), ...W.get(pl), ...W.i32sub(), ...W.set(t),
    ...bounds(x0, x1, Wd, kw),
    ...W.get(y0), ...W.get(y1), ...W.i32ltS(), ...W.get(x0), ...W.get(x1), ...W.i32ltS(), ...W.i32and(),
    ...W.if(),
    ...W.i32(0), ...W.set(c),
    ...W.loop(),
    // the window's first pixel wins until a larger value comes
    ...elem(y0, x0),
    ...at(px, e), ...W.load(), ...W.set(best),
    ...W.get(e), ...S(SIMD.i32splat), ...W.get(lanes), ...S(SIMD.i32add), ...W.set(where),
    ...W.get(y0), ...W.set(yy),
    ...W.loop(),
    ...W.get(x0), ...W.set(xx),
    ...W.loop(),
    ...elem(yy, xx),
    ...at(px, e), ...W.load(), ...W.set(v),
    ...W.get(v), ...W.get(best), ...S(SIMD.f32gt), ...W.set(m),
    ...W.get(v), ...W.get(best), ...W.get(m), ...S(SIMD.bitselect), ...W.set(best),
    ...W.get(e), ...S(SIMD.i32splat), ...W.get(lanes), ...S(SIMD.i32add), ...W.get(where), ...W.get(m), ...S(SIMD.bitselect), ...W.set(where),
    ...loopTo(xx, x1),
    ...W.end(),
    ...loopTo(yy, y1),
    ...W.end(),
    ...at(pg, c), ...W.load(), ...W.set(gv),
    ...range(4).flatMap(scatterLane),
    ...W.get(c), ...W.i32(4), ...W.i32add(), ...W.tee(c), ...W.get(C), ...W.i32ltS(), ...W.brIf(0),
    ...W.end(),
    ...W.end(),
    ...inc(pg, [...W.get(C), ...W.i32(4), ...W.i32mul()]),
    ...loopTo(j, Wo),
    ...W.end(),
    ...loopTo(i, Ho),
    ...W.end(),
    ...loopTo(img, n),
    ...W.end(),
  ];
  return { name: 'maxPoolGrad', params: new Array(15).fill(WT.i32), results: [], locals: [[14, WT.i32], [6, WT.v128]], body };
}

/**
 * BatchNorm's passes (src/nets/fastBatchNorm.ts) two channels at a time in
 * float64 (f64x2), the arithmetic of its JavaScript loops operation for
 * operation, so the results are bit-identical: float32 data promoted to
 * double, sums per channel in position order, float32 only on the store.
 * `count` positions of C channels (C even); a64/b64/c64/d64: per-channel
 * float64 arrays; acc1/acc2: C-double scratch.
 * - bnSums: acc = 0; acc1 += u, acc2 += u·w over the positions (u = first
 *   input, w = u itself (stats, mode 0) or (second input − c64) (gradient,
 *   mode 1)); then s1 += acc1, s2 += acc2 (one block of the JavaScript loop);
 * - bnAffine: out = (x − a64)·b64 + c64 (the forward's output);
 * - bnDx: out = a64·dy + b64·x + c64 (the gradient's dx).
 */
function bnSumsFunc(): WasmFunc {
  const [u, xs, c64, C, count, acc1, acc2, s1, s2, mode] = range(10);
  const [pu, px, pa, pb, pc, p1, p2, k, q] = range(9).map((i) => 10 + i);
  const [v, w] = [19, 20];
  const pairs = [...W.get(C), ...W.i32(1), ...W.i32shrS()];
  const body = [
    // zero the block accumulators
    ...W.get(acc1), ...W.set(pa), ...W.get(acc2), ...W.set(pb), ...pairs, ...W.set(k),
    ...W.loop(),
    ...W.get(pa), ...zero(), ...W.store(), ...W.get(pb), ...zero(), ...W.store(),
    ...inc(pa, W.i32(16)), ...inc(pb, W.i32(16)),
    ...countDown(k),
    ...W.end(),
    ...W.get(u), ...W.set(pu), ...W.get(xs), ...W.set(px), ...W.get(count), ...W.set(q),
    ...W.loop(),
    ...W.get(acc1), ...W.set(pa), ...W.get(acc2), ...W.set(pb), ...W.get(c64), ...W.set(pc), ...pairs, ...W.set(k),
    ...W.loop(),
    ...W.get(pu), ...W.loadF32x2(), ...W.set(v),
    // w = u (mode 0) or x − c (mode 1)
    ...W.get(v),
    ...W.get(px), ...W.loadF32x2(), ...W.get(pc), ...W.load(), ...S(SIMD.f64sub),
    // mask all ones (mode 0: keep u) or zero (mode 1: take x − c)
    ...W.get(mode), ...W.i32(1), ...W.i32sub(), ...S(SIMD.i32splat), ...S(SIMD.bitselect), ...W.set(w),
    ...W.get(pa), ...W.get(pa), ...W.load(), ...W.get(v), ...S(SIMD.f64add), ...W.store(),
    ...W.get(pb), ...W.get(pb), ...W.load(), ...W.get(v), ...W.get(w), ...S(SIMD.f64mul), ...S(SIMD.f64add), ...W.store(),
    ...inc(pu, W.i32(8)), ...inc(px, W.i32(8)), ...inc(pa, W.i32(16)), ...inc(pb, W.i32(16)), ...inc(pc, W.i32(16)),
    ...countDown(k),
    ...W.end(),
    ...countDown(q),
    ...W.end(),
    // s += acc
    ...W.get(acc1), ...W.set(pa), ...W.get(acc2), ...W.set(pb), ...W.get(s1), ...W.set(p1), ...W.get(s2), ...W.set(p2), ...pairs, ...W.set(k),
    ...W.loop(),
    ...W.get(p1), ...W.get(p1), ...W.load(), ...W.get(pa), ...W.load(), ...S(SIMD.f64add), ...W.store(),
    ...W.get(p2), ...W.get(p2), ...W.load(), ...W.get(pb), ...W.load(), ...S(SIMD.f64add), ...W.store(),
    ...inc(pa, W.i32(16)), ...inc(pb, W.i32(16)), ...inc(p1, W.i32(16)), ...inc(p2, W.i32(16)),
    ...countDown(k),
    ...W.end(),
  ];
  return { name: 'bnSums', params: new Array(10).fill(WT.i32), results: [], locals: [[9, WT.i32], [2, WT.v128]], body };
}

/** out = (x − a)·b + c (mode 0) or a·x + b·y + c (mode 1), per channel pair, float64, stored as float32 */
function bnMapFunc(): WasmFunc {
  const [x, y, out, a64, b64, c64, C, count, mode] = range(9);
  const [px, py, po, pa, pb, pc, k, q] = range(8).map((i) => 9 + i);
  const [v, r] = [17, 18];
  const body = [
    ...W.get(x), ...W.set(px), ...W.get(y), ...W.set(py), ...W.get(out), ...W.set(po), ...W.get(count), ...W.set(q),
    ...W.loop(),
    ...W.get(a64), ...W.set(pa), ...W.get(b64), ...W.set(pb), ...W.get(c64), ...W.set(pc), ...W.get(C), ...W.i32(1), ...W.i32shrS(), ...W.set(k),
    ...W.loop(),
    ...W.get(px), ...W.loadF32x2(), ...W.set(v),
    ...W.get(mode), ...W.i32eqz(),
    ...W.if(),
    ...W.get(v), ...W.get(pa), ...W.load(), ...S(SIMD.f64sub), ...W.get(pb), ...W.load(), ...S(SIMD.f64mul), ...W.get(pc), ...W.load(), ...S(SIMD.f64add), ...W.set(r),
    ...W.end(),
    ...W.get(mode),
    ...W.if(),
    ...W.get(pa), ...W.load(), ...W.get(v), ...S(SIMD.f64mul), ...W.get(pb), ...W.load(), ...W.get(py), ...W.loadF32x2(), ...S(SIMD.f64mul), ...S(SIMD.f64add), ...W.get(pc), ...W.load(), ...S(SIMD.f64add), ...W.set(r),
    ...W.end(),
    ...W.get(po), ...W.get(r), ...W.storeF32x2(),
    ...inc(px, W.i32(8)), ...inc(py, W.i32(8)), ...inc(po, W.i32(8)), ...inc(pa, W.i32(16)), ...inc(pb, W.i32(16)), ...inc(pc, W.i32(16)),
    ...countDown(k),
    ...W.end(),
    ...countDown(q),
    ...W.end(),
  ];
  return { name: 'bnMap', params: new Array(9).fill(WT.i32), results: [], locals: [[8, WT.i32], [2, WT.v128]], body };
}

/**
 * Stride-1 convolution of a zero-padded NHWC image, 16 output channels and
 * P adjacent output pixels (columns j0 ≤ j < j1, step P) per pass (conv2d.ts):
 *   out[n, i, j, o] = Σ_a Σ_(b, c) xp[n, i + a, j + b, c] · w[a, b, c, o]
 * accumulated from +0 in the order (a, b, c), each product rounded and then
 * added — XNNPACK's order, so the result is its convolution's bit for bit
 * (tested). For fixed a the (b, c) values are contiguous in both xp and w,
 * so the inner loop runs over kw·ci of them; P = 2 pixels share each weight
 * load and give eight independent accumulators.
 */
function convFwdFunc(P: 1 | 2): WasmFunc {
  const [xp, w, out, n, ho, j0, j1, kh, kw, ci, co, Hp, Wp, wo, top, hin] = range(16);
  const [img, i, j, q, a, cnt, pxa, pw, pxBase, rowBytes, inner, pwa, px, po, pixBytes, a1, coBytes] = range(17).map((k) => 16 + k);
  const V0 = 33;
  const acc = range(P * G).map((g) => V0 + g);
  const sp = range(P).map((k) => V0 + P * G + k);
  const loopBy = (l: number, step: number[], limit: number) => [...W.get(l), ...step, ...W.i32add(), ...W.tee(l), ...W.get(limit), ...W.i32ltS(), ...W.brIf(0)];
  const one = W.i32(1);
  const body = [
    ...W.get(Wp), ...W.get(ci), ...W.i32mul(), ...W.i32(4), ...W.i32mul(), ...W.set(rowBytes),
    ...W.get(ci), ...W.i32(4), ...W.i32mul(), ...W.set(pixBytes),
    ...W.get(co), ...W.i32(4), ...W.i32mul(), ...W.set(coBytes),
    ...W.get(kw), ...W.get(ci), ...W.i32mul(), ...W.set(inner),
    ...W.i32(0), ...W.set(q),
    ...W.loop(),
    ...W.i32(0), ...W.set(img),
    ...W.loop(),
    ...W.i32(0), ...W.set(i),
    ...W.loop(),
    ...W.get(j0), ...W.set(j),
    ...W.loop(),
    // pxBase = xp + ((img·Hp + i)·Wp + j)·ci·4; po = out + ((img·ho + i)·wo + j)·co·4
    ...W.get(xp), ...W.get(img), ...W.get(Hp), ...W.i32mul(), ...W.get(i), ...W.i32add(), ...W.get(Wp), ...W.i32mul(), ...W.get(j), ...W.i32add(), ...W.get(pixBytes), ...W.i32mul(), ...W.i32add(), ...W.set(pxBase),
    ...W.get(out), ...W.get(img), ...W.get(ho), ...W.i32mul(), ...W.get(i), ...W.i32add(), ...W.get(wo), ...W.i32mul(), ...W.get(j), ...W.i32add(), ...W.get(co), ...W.i32mul(), ...W.i32(4), ...W.i32mul(), ...W.i32add(), ...W.set(po),
    ...acc.flatMap((v) => [...zero(), ...W.set(v)]),
    // rows a0 ≤ a < a1 of the kernel that read image rows, not the zero padding
    ...W.get(top), ...W.get(i), ...W.i32sub(), ...W.set(a),
    ...W.get(a), ...W.i32(0), ...W.get(a), ...W.i32(0), ...W.i32geS(), ...W.select(), ...W.set(a),
    ...W.get(hin), ...W.get(top), ...W.i32add(), ...W.get(i), ...W.i32sub(), ...W.set(a1),
    ...W.get(a1), ...W.get(kh), ...W.get(a1), ...W.get(kh), ...W.i32ltS(), ...W.select(), ...W.set(a1),
    ...W.get(w), ...W.get(q), ...W.i32(4), ...W.i32mul(), ...W.i32add(), ...W.get(a), ...W.get(inner), ...W.i32mul(), ...W.get(co), ...W.i32mul(), ...W.i32(4), ...W.i32mul(), ...W.i32add(), ...W.set(pwa),
    ...W.get(pxBase), ...W.get(a), ...W.get(rowBytes), ...W.i32mul(), ...W.i32add(), ...W.set(pxa),
    ...W.get(a), ...W.get(a1), ...W.i32ltS(),
    ...W.if(),
    ...W.loop(),
    ...W.get(pxa), ...W.set(px), ...W.get(pwa), ...W.set(pw), ...W.get(inner), ...W.set(cnt),
    ...W.loop(),
    ...W.get(px), ...W.loadSplat32(), ...W.set(sp[0]),
    ...(P === 2 ? [...W.get(px), ...W.get(pixBytes), ...W.i32add(), ...W.loadSplat32(), ...W.set(sp[1])] : []),
    ...range(G).flatMap((g) => [
      ...W.get(pw), ...W.load(g * VEC), ...W.set(V0 + P * G + P),
      ...range(P).flatMap((k) => [...W.get(acc[k * G + g]), ...W.get(sp[k]), ...W.get(V0 + P * G + P), ...S(SIMD.f32mul), ...S(SIMD.f32add), ...W.set(acc[k * G + g])]),
    ]),
    ...inc(px, W.i32(4)), ...inc(pw, W.get(coBytes)),
    ...countDown(cnt),
    ...W.end(),
    ...inc(pxa, W.get(rowBytes)),
    ...W.get(pw), ...W.set(pwa),
    ...loopBy(a, one, a1),
    ...W.end(),
    ...W.end(),
    ...range(P).flatMap((k) =>
      range(G).flatMap((g) => [...W.get(po), ...W.get(q), ...W.i32(4), ...W.i32mul(), ...W.i32add(), ...(k ? [...W.get(co), ...W.i32(4 * k), ...W.i32mul(), ...W.i32add()] : []), ...W.get(acc[k * G + g]), ...W.store(g * VEC)]),
    ),
    ...loopBy(j, W.i32(P), j1),
    ...W.end(),
    ...loopBy(i, one, ho),
    ...W.end(),
    ...loopBy(img, one, n),
    ...W.end(),
    ...loopBy(q, W.i32(SIMD_CHANNELS), co),
    ...W.end(),
  ];
  return { name: `convFwd${P}`, params: new Array(16).fill(WT.i32), results: [], locals: [[17, WT.i32], [P * G + P + 1, WT.v128]], body };
}

export interface SimdKernels {
  mem: WebAssembly.Memory;
  /** see the file comment; every pointer is a byte address in the backend's heap */
  dwPair(x: number, dz: number, dw: number, n: number, ho: number, wo: number, xPix: number, xRowSkip: number, xImgSkip: number, dzPix: number, offA: number, offB: number, dwA: number, dwB: number): void;
  stats(z: number, bias: number, acc64: number, rows: number, cols: number, scratch: number): void;
  gradDense(z: number, bias: number, slope: number, off: number, dz: number, acc64: number, rows: number, cols: number, scratch: number): void;
  pool(z: number, bias: number, sgn: number, best: number, win: number, n: number, H: number, W: number, Hp: number, Wp: number, k: number, s: number, p: number): void;
  mask(ptr: number, count: number, a: number, b: number, c: number, d: number, thr: number, inv: number): void;
  /** count4 ≥ 1 vectors; see adamFunc */
  adam(x: number, g: number, m: number, v: number, ox: number, om: number, ov: number, count4: number, b1: number, ob1: number, b2: number, ob2: number, omab1: number, omab2: number, eps: number, nlr: number): void;
  tail(rw: number, sgn: number, scale: number, shift: number, mask: number, out: number, n: number, hp: number, wp: number, ha: number, wa: number): void;
  prelude(go: number, rw: number, mk: number, mu: number, inv: number, dp: number, acc64: number, n: number, hp: number, wp: number, ha: number, wa: number, scratch: number): void;
  sparse(dp: number, win: number, rw: number, ca: number, dz: number, acc64: number, n: number, cells: number, scratch: number): void;
  /** see bnSumsFunc: mode 0 statistics (xs unused), mode 1 gradient sums (u = dy, w = x − c64) */
  bnSums(u: number, xs: number, c64: number, C: number, count: number, acc1: number, acc2: number, s1: number, s2: number, mode: number): void;
  /** see bnMapFunc: mode 0 out = (x − a)·b + c; mode 1 out = a·x + b·y + c */
  bnMap(x: number, y: number, out: number, a64: number, b64: number, c64: number, C: number, count: number, mode: number): void;
  /** stride-1 convolution of a padded image, co % 16 = 0; see convFwdFunc */
  convFwd1(xp: number, w: number, out: number, n: number, ho: number, j0: number, j1: number, kh: number, kw: number, ci: number, co: number, Hp: number, Wp: number, wo: number, top: number, hin: number): void;
  convFwd2(xp: number, w: number, out: number, n: number, ho: number, j0: number, j1: number, kh: number, kw: number, ci: number, co: number, Hp: number, Wp: number, wo: number, top: number, hin: number): void;
  /** dx (pre-zeroed) += dy at each window's first maximum; C % 4 = 0, dilation 1; see maxPoolGradFunc */
  maxPoolGrad(x: number, dy: number, dx: number, n: number, H: number, W: number, C: number, Ho: number, Wo: number, kh: number, kw: number, sh: number, sw: number, pt: number, pl: number): void;
  /** allocate / free scratch bytes on the backend's heap */
  malloc(bytes: number): number;
  free(ptr: number): void;
  /** byte address of a tensor's data on the heap */
  ptr(t: { dataId: object }): number;
}

let bytes: Uint8Array<ArrayBuffer> | undefined;
const cache = new WeakMap<object, SimdKernels | null>();
let disabled = typeof process !== 'undefined' && process.env?.MERKIT_NO_SIMD_KERNELS === '1';

/** Turn the SIMD kernels off (true) or back on (tests compare both paths). */
export function setSimdKernelsDisabled(off: boolean): void {
  disabled = off;
}

interface WasmInternals {
  wasm?: { asm?: { memory?: WebAssembly.Memory }; _malloc?: (n: number) => number; _free?: (p: number) => void };
  dataIdMap?: { get(id: object): { memoryOffset: number } | undefined };
}

/** The SIMD kernels bound to this wasm backend's heap, or null (not wasm, no SIMD, disabled). */
export function simdKernels(backend: unknown): SimdKernels | null {
  if (disabled || typeof backend !== 'object' || backend === null) return null;
  if (cache.has(backend)) return cache.get(backend) ?? null;
  const b = backend as WasmBackend & WasmInternals;
  const memory = b.wasm?.asm?.memory;
  const malloc = b.wasm?._malloc;
  const free = b.wasm?._free;
  const ids = b.dataIdMap;
  let k: SimdKernels | null = null;
  if (memory instanceof WebAssembly.Memory && malloc && free && ids) {
    bytes ??= wasmModule([dwPairFunc(), statsFunc(), gradDenseFunc(), poolFunc(), tailFunc(), preludeFunc(), sparseFunc(), maskFunc(), adamFunc(), maxPoolGradFunc(), bnSumsFunc(), bnMapFunc(), convFwdFunc(1), convFwdFunc(2)]);
    const m = instantiateWasm(bytes, memory);
    if (m) {
      const ex = m.exports as unknown as Omit<SimdKernels, 'mem' | 'malloc' | 'free' | 'ptr'>;
      k = {
        mem: memory,
        dwPair: ex.dwPair,
        stats: ex.stats,
        gradDense: ex.gradDense,
        pool: ex.pool,
        tail: ex.tail,
        mask: ex.mask,
        prelude: ex.prelude,
        sparse: ex.sparse,
        adam: ex.adam,
        maxPoolGrad: ex.maxPoolGrad,
        bnSums: ex.bnSums,
        bnMap: ex.bnMap,
        convFwd1: ex.convFwd1,
        convFwd2: ex.convFwd2,
        // emscripten hands out i32 pointers: past 2 GiB of heap they read as
        // negative numbers, so every address is taken as unsigned (>>> 0)
        malloc: (n) => malloc.call(b.wasm, n) >>> 0,
        free: (p) => free.call(b.wasm, p),
        ptr: (t) => {
          const d = ids.get(t.dataId);
          if (!d) throw new Error('internal: tensor data is not on the wasm heap');
          return d.memoryOffset >>> 0;
        },
      };
    }
  }
  cache.set(backend, k);
  return k;
}
