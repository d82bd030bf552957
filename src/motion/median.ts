/**
 * Square median filter of a float plane with replicated borders — the
 * behaviour of cv::medianBlur(src, dst, k) for CV_32F (k = 3 or 5 there; any
 * odd k here). Not in place: `dst` must not alias `src`.
 */
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
function median5(src: Float32Array, dst: Float32Array, w: number, h: number, cols: Float64Array): void {
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

/**
 * `scratch` (optional, reused by callers that filter repeatedly): at least
 * max(5·w, ksize²) values; allocated per call when absent or too small.
 */
export function medianFilter(src: Float32Array, dst: Float32Array, w: number, h: number, ksize: number, scratch?: Float64Array): void {
  if (ksize % 2 !== 1 || ksize < 1) throw new MerError('BAD_OPTION', `median filter size ${ksize}`, { expected: 'an odd size ≥ 1' });
  if (src === dst) throw new MerError('INTERNAL', 'medianFilter cannot run in place');
  if (ksize === 5 && w > 0) {
    const cols = scratch && scratch.length >= 5 * w ? scratch : new Float64Array(5 * w);
    median5(src, dst, w, h, cols);
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
