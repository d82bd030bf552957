/**
 * Square median filter of a float plane with replicated borders — the
 * behaviour of cv::medianBlur(src, dst, k) for CV_32F (k = 3 or 5 there; any
 * odd k here). Not in place: `dst` must not alias `src`.
 *
 * The 5×5 case (TV-L1's, once per outer iteration for u and v) has two exact
 * implementations giving identical results: a WebAssembly SIMD kernel
 * (4 pixels per step, a 25-input selection network of f32x4 min/max, built
 * at load time by the small assembler below) used wherever the runtime
 * supports wasm SIMD (Node ≥ 16, current browsers), and the portable
 * JavaScript network `median5Js`, used otherwise.
 */
import { ensureWasmMemory, instantiateWasm, SIMD, W, wasmModule, WT } from '../core/wasm.ts';
import { MerError } from '../core/errors.ts';

/** Median of the first n values of `a` (reordered), Wirth's selection. */
function selectMedian(a: Float64Array, n: number): number {
  const k = n >> 1;
  let l = 0;
  let m = n - 1;
  while (l < m) {
    const x = a[k];
    let i = l;
    let j = m;
    do {
      while (a[i] < x) i++;
      while (x < a[j]) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    } while (i <= j);
    if (j < k) l = i;
    if (k < i) m = j;
  }
  return a[k];
}


/**
 * 5×5 median: every column of 5 is sorted once per row (9 comparators) and
 * shared by the windows containing it. Outputs come in pairs (x, x+1): the 4
 * columns both windows share (x−1 … x+2) are merged once with Batcher
 * odd–even merges (5+5, 5+5, 10+10), pruned to the comparators that produce
 * ranks 7…12 of those 20 values, S₇…S₁₂ (51 compare-exchanges, generated and
 * checked exhaustively by the 0–1 principle). Each output then adds its own
 * sorted fifth column C (x−2 for x, x+3 for x+1): rank 12 of the 25 is
 *   min(S₁₂, max(S₁₁, C₀), max(S₁₀, C₁), max(S₉, C₂), max(S₈, C₃), max(S₇, C₄))
 * (any 13 smallest values are j of C and 13 − j of S). About 45 compare
 * operations per pixel instead of 99 for a 25-input median network;
 * test/motion/median.test.ts compares it with a brute-force median.
 *
 * Compare-exchanges are branch-free — min = ½(a + b − |a − b|),
 * max = ½(a + b + |a − b|) — because V8 compiles `a < b ? a : b` to a
 * branch and half the branches of a median network mispredict (1.8× slower).
 * For float32 inputs evaluated in double this is exact (sums and
 * differences of two float32 values are exact doubles unless their
 * magnitudes differ by more than 2^29, and then the error is < 1e-16 of
 * the larger one, far below a float32 ulp of the result); NaN/±∞ are not
 * supported (flow fields have neither).
 */
export function median5Js(src: Float32Array, dst: Float32Array, w: number, h: number, cols: Float64Array): void {
  const c0 = cols.subarray(0, w), c1 = cols.subarray(w, 2 * w), c2 = cols.subarray(2 * w, 3 * w);
  const c3 = cols.subarray(3 * w, 4 * w), c4 = cols.subarray(4 * w, 5 * w);
  const cx = new Int32Array(6);
  for (let y = 0; y < h; y++) {
    const r0 = (y < 2 ? 0 : y - 2) * w, r1 = (y < 1 ? 0 : y - 1) * w, r2 = y * w;
    const r3 = (y + 1 >= h ? h - 1 : y + 1) * w, r4 = (y + 2 >= h ? h - 1 : y + 2) * w;
    for (let x = 0; x < w; x++) {
      let a0 = src[r0 + x], a1 = src[r1 + x], a2 = src[r2 + x], a3 = src[r3 + x], a4 = src[r4 + x], s = 0, d = 0;
      s = a0 + a1; d = Math.abs(a0 - a1); a0 = 0.5 * (s - d); a1 = 0.5 * (s + d);
      s = a3 + a4; d = Math.abs(a3 - a4); a3 = 0.5 * (s - d); a4 = 0.5 * (s + d);
      s = a2 + a4; d = Math.abs(a2 - a4); a2 = 0.5 * (s - d); a4 = 0.5 * (s + d);
      s = a2 + a3; d = Math.abs(a2 - a3); a2 = 0.5 * (s - d); a3 = 0.5 * (s + d);
      s = a0 + a3; d = Math.abs(a0 - a3); a0 = 0.5 * (s - d); a3 = 0.5 * (s + d);
      s = a0 + a2; d = Math.abs(a0 - a2); a0 = 0.5 * (s - d); a2 = 0.5 * (s + d);
      s = a1 + a4; d = Math.abs(a1 - a4); a1 = 0.5 * (s - d); a4 = 0.5 * (s + d);
      s = a1 + a3; d = Math.abs(a1 - a3); a1 = 0.5 * (s - d); a3 = 0.5 * (s + d);
      s = a1 + a2; d = Math.abs(a1 - a2); a1 = 0.5 * (s - d); a2 = 0.5 * (s + d);
      c0[x] = a0; c1[x] = a1; c2[x] = a2; c3[x] = a3; c4[x] = a4;
    }
    const o = y * w;
    for (let x = 0; x < w; x += 2) {
      for (let c = 0; c < 6; c++) {
        const xx = x - 2 + c;
        cx[c] = xx < 0 ? 0 : xx >= w ? w - 1 : xx;
      }
      let v0 = 0, v1 = 0, v2 = 0, v3 = 0, v4 = 0, v5 = 0, v6 = 0, v7 = 0, v8 = 0, v9 = 0, v10 = 0, v11 = 0, v12 = 0, v13 = 0, v14 = 0, v15 = 0, v16 = 0, v17 = 0, v18 = 0, v19 = 0, s = 0, d = 0;
      { const q = cx[1]; v0 = c0[q]; v1 = c1[q]; v2 = c2[q]; v3 = c3[q]; v4 = c4[q]; }
      { const q = cx[2]; v5 = c0[q]; v6 = c1[q]; v7 = c2[q]; v8 = c3[q]; v9 = c4[q]; }
      { const q = cx[3]; v10 = c0[q]; v11 = c1[q]; v12 = c2[q]; v13 = c3[q]; v14 = c4[q]; }
      { const q = cx[4]; v15 = c0[q]; v16 = c1[q]; v17 = c2[q]; v18 = c3[q]; v19 = c4[q]; }
      s = v0 + v5; d = Math.abs(v0 - v5); v0 = 0.5 * (s - d); v5 = 0.5 * (s + d);
      s = v4 + v9; d = Math.abs(v4 - v9); v4 = 0.5 * (s - d); v9 = 0.5 * (s + d);
      s = v4 + v5; d = Math.abs(v4 - v5); v4 = 0.5 * (s - d); v5 = 0.5 * (s + d);
      s = v2 + v7; d = Math.abs(v2 - v7); v2 = 0.5 * (s - d); v7 = 0.5 * (s + d);
      s = v2 + v4; d = Math.abs(v2 - v4); v2 = 0.5 * (s - d); v4 = 0.5 * (s + d);
      s = v7 + v5; d = Math.abs(v7 - v5); v7 = 0.5 * (s - d); v5 = 0.5 * (s + d);
      s = v1 + v6; d = Math.abs(v1 - v6); v1 = 0.5 * (s - d); v6 = 0.5 * (s + d);
      s = v3 + v8; d = Math.abs(v3 - v8); v3 = 0.5 * (s - d); v8 = 0.5 * (s + d);
      s = v3 + v6; d = Math.abs(v3 - v6); v3 = 0.5 * (s - d); v6 = 0.5 * (s + d);
      s = v1 + v2; d = Math.abs(v1 - v2); v1 = 0.5 * (s - d); v2 = 0.5 * (s + d);
      s = v3 + v4; d = Math.abs(v3 - v4); v3 = 0.5 * (s - d); v4 = 0.5 * (s + d);
      s = v6 + v7; d = Math.abs(v6 - v7); v6 = 0.5 * (s - d); v7 = 0.5 * (s + d);
      s = v8 + v5; d = Math.abs(v8 - v5); v8 = 0.5 * (s - d); v5 = 0.5 * (s + d);
      s = v10 + v15; d = Math.abs(v10 - v15); v10 = 0.5 * (s - d); v15 = 0.5 * (s + d);
      s = v14 + v19; d = Math.abs(v14 - v19); v14 = 0.5 * (s - d); v19 = 0.5 * (s + d);
      s = v14 + v15; d = Math.abs(v14 - v15); v14 = 0.5 * (s - d); v15 = 0.5 * (s + d);
      s = v12 + v17; d = Math.abs(v12 - v17); v12 = 0.5 * (s - d); v17 = 0.5 * (s + d);
      s = v12 + v14; d = Math.abs(v12 - v14); v12 = 0.5 * (s - d); v14 = 0.5 * (s + d);
      s = v17 + v15; d = Math.abs(v17 - v15); v17 = 0.5 * (s - d); v15 = 0.5 * (s + d);
      s = v11 + v16; d = Math.abs(v11 - v16); v11 = 0.5 * (s - d); v16 = 0.5 * (s + d);
      s = v13 + v18; d = Math.abs(v13 - v18); v13 = 0.5 * (s - d); v18 = 0.5 * (s + d);
      s = v13 + v16; d = Math.abs(v13 - v16); v13 = 0.5 * (s - d); v16 = 0.5 * (s + d);
      s = v11 + v12; d = Math.abs(v11 - v12); v11 = 0.5 * (s - d); v12 = 0.5 * (s + d);
      s = v13 + v14; d = Math.abs(v13 - v14); v13 = 0.5 * (s - d); v14 = 0.5 * (s + d);
      s = v16 + v17; d = Math.abs(v16 - v17); v16 = 0.5 * (s - d); v17 = 0.5 * (s + d);
      s = v18 + v15; d = Math.abs(v18 - v15); v18 = 0.5 * (s - d); v15 = 0.5 * (s + d);
      v10 = 0.5 * (v0 + v10 + Math.abs(v0 - v10));
      v5 = 0.5 * (v5 + v15 - Math.abs(v5 - v15));
      s = v5 + v10; d = Math.abs(v5 - v10); v5 = 0.5 * (s - d); v10 = 0.5 * (s + d);
      s = v4 + v14; d = Math.abs(v4 - v14); v4 = 0.5 * (s - d); v14 = 0.5 * (s + d);
      v5 = 0.5 * (v4 + v5 + Math.abs(v4 - v5));
      v14 = 0.5 * (v14 + v10 - Math.abs(v14 - v10));
      v12 = 0.5 * (v2 + v12 + Math.abs(v2 - v12));
      v7 = 0.5 * (v7 + v17 - Math.abs(v7 - v17));
      s = v7 + v12; d = Math.abs(v7 - v12); v7 = 0.5 * (s - d); v12 = 0.5 * (s + d);
      v5 = 0.5 * (v7 + v5 + Math.abs(v7 - v5));
      s = v12 + v14; d = Math.abs(v12 - v14); v12 = 0.5 * (s - d); v14 = 0.5 * (s + d);
      v11 = 0.5 * (v1 + v11 + Math.abs(v1 - v11));
      v9 = 0.5 * (v9 + v19 - Math.abs(v9 - v19));
      s = v9 + v11; d = Math.abs(v9 - v11); v9 = 0.5 * (s - d); v11 = 0.5 * (s + d);
      s = v6 + v16; d = Math.abs(v6 - v16); v6 = 0.5 * (s - d); v16 = 0.5 * (s + d);
      v9 = 0.5 * (v6 + v9 + Math.abs(v6 - v9));
      v16 = 0.5 * (v16 + v11 - Math.abs(v16 - v11));
      v13 = 0.5 * (v3 + v13 + Math.abs(v3 - v13));
      v8 = 0.5 * (v8 + v18 - Math.abs(v8 - v18));
      s = v8 + v13; d = Math.abs(v8 - v13); v8 = 0.5 * (s - d); v13 = 0.5 * (s + d);
      s = v8 + v9; d = Math.abs(v8 - v9); v8 = 0.5 * (s - d); v9 = 0.5 * (s + d);
      v13 = 0.5 * (v13 + v16 - Math.abs(v13 - v16));
      s = v8 + v5; d = Math.abs(v8 - v5); v8 = 0.5 * (s - d); v5 = 0.5 * (s + d);
      s = v9 + v12; d = Math.abs(v9 - v12); v9 = 0.5 * (s - d); v12 = 0.5 * (s + d);
      s = v13 + v14; d = Math.abs(v13 - v14); v13 = 0.5 * (s - d); v14 = 0.5 * (s + d);
      {
        const q = cx[0];
        let m = v14, z = 0;
        z = c0[q] + v13 + Math.abs(c0[q] - v13); m = 0.5 * (m + 0.5 * z - Math.abs(m - 0.5 * z));
        z = c1[q] + v12 + Math.abs(c1[q] - v12); m = 0.5 * (m + 0.5 * z - Math.abs(m - 0.5 * z));
        z = c2[q] + v9 + Math.abs(c2[q] - v9); m = 0.5 * (m + 0.5 * z - Math.abs(m - 0.5 * z));
        z = c3[q] + v5 + Math.abs(c3[q] - v5); m = 0.5 * (m + 0.5 * z - Math.abs(m - 0.5 * z));
        z = c4[q] + v8 + Math.abs(c4[q] - v8); m = 0.5 * (m + 0.5 * z - Math.abs(m - 0.5 * z));
        dst[o + x] = m;
      }
      if (x + 1 < w) {
      {
        const q = cx[5];
        let m = v14, z = 0;
        z = c0[q] + v13 + Math.abs(c0[q] - v13); m = 0.5 * (m + 0.5 * z - Math.abs(m - 0.5 * z));
        z = c1[q] + v12 + Math.abs(c1[q] - v12); m = 0.5 * (m + 0.5 * z - Math.abs(m - 0.5 * z));
        z = c2[q] + v9 + Math.abs(c2[q] - v9); m = 0.5 * (m + 0.5 * z - Math.abs(m - 0.5 * z));
        z = c3[q] + v5 + Math.abs(c3[q] - v5); m = 0.5 * (m + 0.5 * z - Math.abs(m - 0.5 * z));
        z = c4[q] + v8 + Math.abs(c4[q] - v8); m = 0.5 * (m + 0.5 * z - Math.abs(m - 0.5 * z));
        dst[o + x + 1] = m;
      }
      }
    }
  }
}

// ---------------------------------------------------------------------------
// WebAssembly SIMD 5×5 median
// ---------------------------------------------------------------------------

/**
 * A selection network for the median of n values (n ≤ 32): Batcher's
 * odd–even merge sort on 32 wires, the wires ≥ n fed +∞ (so every
 * compare-exchange touching them is known in advance and dropped or turned
 * into a renaming), then pruned backwards to the exchanges the middle output
 * depends on. Each op is [a, b, keepMin, keepMax]: wire a gets min(a, b)
 * (when keepMin), wire b gets max(a, b) (when keepMax). For n = 25: 113
 * exchanges, 89 of them needing both outputs. Returns the wire holding the
 * median at the end. Exact for any inputs without NaN.
 */
export function medianNetwork(n: number): { ops: [number, number, boolean, boolean][]; result: number } {
  const N = BATCHER_WIRES;
  if (!(n >= 1 && n <= N)) throw new MerError('INTERNAL', `median network of ${n} inputs`, { expected: `1..${N}` });
  const ces: [number, number][] = [];
  for (let p = 1; p < N; p <<= 1) {
    for (let k = p; k >= 1; k >>= 1) {
      for (let j = k % p; j + k < N; j += 2 * k) {
        for (let i = 0; i < k; i++) {
          if (Math.floor((i + j) / (2 * p)) === Math.floor((i + j + k) / (2 * p))) ces.push([i + j, i + j + k]);
        }
      }
    }
  }
  const inf: boolean[] = Array.from({ length: N }, (_, i) => i >= n);
  const wire = Array.from({ length: N }, (_, i) => i); // network position → variable
  const live: [number, number][] = [];
  for (const [a, b] of ces) {
    if (inf[b]) continue; // min(x, ∞) = x stays at a, ∞ stays at b
    if (inf[a]) { const t = wire[a]; wire[a] = wire[b]; wire[b] = t; inf[a] = false; inf[b] = true; continue; }
    live.push([wire[a], wire[b]]);
  }
  const result = wire[n >> 1];
  const need = new Set([result]);
  const ops: [number, number, boolean, boolean][] = [];
  for (let t = live.length - 1; t >= 0; t--) {
    const [a, b] = live[t];
    const na = need.has(a), nb = need.has(b);
    if (!na && !nb) continue;
    ops.push([a, b, na, nb]);
    need.add(a); need.add(b);
  }
  ops.reverse();
  return { ops, result };
}
/** Batcher's network size: the power of two ≥ 25. */
const BATCHER_WIRES = 32;
/** Bytes per f32x4 vector = pixels per SIMD step × 4. */
const VEC_BYTES = 16;
const PX_PER_VEC = 4;
/** Replicated border width of the padded input (5×5 window radius). */
const PAD = 2;

/**
 * The kernel median5(src, srcStride, dst, dstStride, nvec, h): for h rows and
 * nvec groups of 4 pixels, dst[x..x+3] = median of the 5×5 windows whose
 * top-left corners are src[x..x+3] (strides in bytes; the caller pads the
 * source by 2 replicated pixels on every side).
 */
function assembleMedian5(): Uint8Array<ArrayBuffer> {
  const { ops, result } = medianNetwork(25);
  // params 0 src, 1 srcStride, 2 dst, 3 dstStride, 4 nvec, 5 h; locals 6 x, 7 ps, 8 pd, 9 r, 10.. the 25 vectors
  const V = (k: number) => 10 + k;
  const { get, set } = W;
  const b: number[] = [];
  const e = (...xs: number[][]) => { for (const x of xs) b.push(...x); };
  e(W.block(), W.loop());
  e(get(0), set(7), get(2), set(8), get(4), set(6));
  e(W.loop());
  e(get(7), set(9));
  for (let dy = 0; dy < 5; dy++) {
    for (let dx = 0; dx < 5; dx++) e(get(9), W.load(4 * dx), set(V(5 * dy + dx)));
    if (dy < 4) e(get(9), get(1), W.i32add(), set(9));
  }
  for (const [p, q, lo, hi] of ops) {
    if (lo && hi) e(get(V(p)), get(V(q)), W.simd(SIMD.pmin32), get(V(p)), get(V(q)), W.simd(SIMD.pmax32), set(V(q)), set(V(p)));
    else if (lo) e(get(V(p)), get(V(q)), W.simd(SIMD.pmin32), set(V(p)));
    else e(get(V(p)), get(V(q)), W.simd(SIMD.pmax32), set(V(q)));
  }
  e(get(8), get(V(result)), W.store());
  e(get(7), W.i32(VEC_BYTES), W.i32add(), set(7), get(8), W.i32(VEC_BYTES), W.i32add(), set(8));
  e(get(6), W.i32(1), W.i32sub(), W.tee(6), W.brIf(0), W.end());
  e(get(0), get(1), W.i32add(), set(0), get(2), get(3), W.i32add(), set(2));
  e(get(5), W.i32(1), W.i32sub(), W.tee(5), W.brIf(0), W.end(), W.end());
  const I = WT.i32;
  return wasmModule([{ name: 'median5', params: [I, I, I, I, I, I], results: [], locals: [[4, I], [25, WT.v128]], body: b }]);
}

interface WasmMedian { mem: WebAssembly.Memory; run: (src: number, ss: number, dst: number, ds: number, nvec: number, h: number) => void }
let wasmMedian: WasmMedian | null | undefined;

function loadWasmMedian(): WasmMedian | null {
  if (wasmMedian === undefined) {
    const m = instantiateWasm(assembleMedian5());
    // null: no wasm SIMD here, the JavaScript network is used
    wasmMedian = m ? { mem: m.mem, run: m.exports.median5 as WasmMedian['run'] } : null;
  }
  return wasmMedian;
}

/** Whether the WebAssembly SIMD 5×5 median is in use in this runtime. */
export function wasmMedianAvailable(): boolean {
  return loadWasmMedian() !== null;
}

/**
 * 5×5 median by the wasm kernel: the plane is copied into wasm memory with 2
 * replicated pixels on every side (row length rounded up to whole vectors),
 * filtered, and the valid part copied to `dst`. Returns false (and does
 * nothing) when wasm SIMD is unavailable.
 */
export function median5Wasm(src: Float32Array, dst: Float32Array, w: number, h: number): boolean {
  const k = loadWasmMedian();
  if (!k || w < 1 || h < 1) return false;
  const nvec = Math.ceil(w / PX_PER_VEC);
  const wd = nvec * PX_PER_VEC; // output row length
  const wp = wd + 2 * PAD; // padded input row length
  const srcLen = wp * (h + 2 * PAD);
  const bytes = (srcLen + wd * h) * 4;
  if (!ensureWasmMemory(k.mem, bytes)) return false;
  const f = new Float32Array(k.mem.buffer);
  for (let y = -PAD; y < h + PAD; y++) {
    const sy = y < 0 ? 0 : y >= h ? h - 1 : y;
    const so = sy * w;
    const o = (y + PAD) * wp;
    f.set(src.subarray(so, so + w), o + PAD);
    f.fill(src[so], o, o + PAD);
    f.fill(src[so + w - 1], o + PAD + w, o + wp);
  }
  k.run(0, wp * 4, srcLen * 4, wd * 4, nvec, h);
  for (let y = 0; y < h; y++) {
    const o = srcLen + y * wd;
    dst.set(f.subarray(o, o + w), y * w);
  }
  return true;
}

/**
 * `scratch` (optional, reused by callers that filter repeatedly): at least
 * max(5·w, ksize²) values; allocated per call when absent or too small.
 */
export function medianFilter(src: Float32Array, dst: Float32Array, w: number, h: number, ksize: number, scratch?: Float64Array): void {
  if (ksize % 2 !== 1 || ksize < 1) throw new MerError('BAD_OPTION', `median filter size ${ksize}`, { expected: 'an odd size ≥ 1' });
  if (src === dst) throw new MerError('INTERNAL', 'medianFilter cannot run in place');
  if (ksize === 5 && w > 0) {
    if (!median5Wasm(src, dst, w, h)) median5Js(src, dst, w, h, scratch && scratch.length >= 5 * w ? scratch : new Float64Array(5 * w));
    return;
  }
  const r = ksize >> 1;
  const n = ksize * ksize;
  const buf = scratch && scratch.length >= n ? scratch : new Float64Array(n);
  const rows = new Int32Array(ksize);
  const cols = new Int32Array(w * ksize);
  for (let x = 0; x < w; x++) {
    for (let j = 0; j < ksize; j++) {
      const xx = x + j - r;
      cols[x * ksize + j] = xx < 0 ? 0 : xx >= w ? w - 1 : xx;
    }
  }
  for (let y = 0; y < h; y++) {
    for (let i = 0; i < ksize; i++) {
      const yy = y + i - r;
      rows[i] = (yy < 0 ? 0 : yy >= h ? h - 1 : yy) * w;
    }
    const o = y * w;
    for (let x = 0; x < w; x++) {
      let c = 0;
      const cb = x * ksize;
      for (let i = 0; i < ksize; i++) {
        const ro = rows[i];
        for (let j = 0; j < ksize; j++) buf[c++] = src[ro + cols[cb + j]];
      }
      dst[o + x] = selectMedian(buf, n);
    }
  }
}
