/**
 * Dense float64 kernels on row-major matrices for the Stiefel search and
 * MMFL (d×p·p×p products at d = 177, p = 106 dominate an MMFL fit). Each
 * product accumulates a 4×4 tile of the result in sixteen locals over the
 * shared dimension, so every loaded value is used four times and the tile
 * never round-trips through memory: about 1.8× the speed of the plain
 * row-times-column loops in V8 (measured on 177×106·106×106). Products of at
 * least WASM_MIN_WORK multiply-adds run as the same tiles in WebAssembly SIMD
 * (gemmWasm.ts, 2–3× faster again), which give the same bits. Sums run over
 * the shared dimension in index order, so results are deterministic.
 */
import { MerError } from '../core/errors.ts';
import { gemmWasm } from './gemmWasm.ts';

/** below this many multiply-adds copying into the wasm heap costs more than it saves */
const WASM_MIN_WORK = 8192;

/** C = A·B for row-major A (d×p), B (p×q): d×q */
export function matNN(A: Float64Array, B: Float64Array, d: number, p: number, q: number): Float64Array {
  if (d * p * q >= WASM_MIN_WORK) {
    const w = gemmWasm(A, B, d, p, q, false);
    if (w) return w;
  }
  return matNNJs(A, B, d, p, q);
}

/** matNN in JavaScript tiles (exported for the test that compares the two paths) */
export function matNNJs(A: Float64Array, B: Float64Array, d: number, p: number, q: number): Float64Array {
  const C = new Float64Array(d * q);
  const q4 = q - (q % 4);
  let i = 0;
  for (; i + 3 < d; i += 4) {
    const a0 = i * p, a1 = a0 + p, a2 = a1 + p, a3 = a2 + p;
    for (let j = 0; j < q4; j += 4) {
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
      for (let k = 0, bk = j; k < p; k++, bk += q) {
        const b0 = B[bk], b1 = B[bk + 1], b2 = B[bk + 2], b3 = B[bk + 3];
        const x0 = A[a0 + k], x1 = A[a1 + k], x2 = A[a2 + k], x3 = A[a3 + k];
        c00 += x0 * b0; c01 += x0 * b1; c02 += x0 * b2; c03 += x0 * b3;
        c10 += x1 * b0; c11 += x1 * b1; c12 += x1 * b2; c13 += x1 * b3;
        c20 += x2 * b0; c21 += x2 * b1; c22 += x2 * b2; c23 += x2 * b3;
        c30 += x3 * b0; c31 += x3 * b1; c32 += x3 * b2; c33 += x3 * b3;
      }
      const r0 = i * q + j, r1 = r0 + q, r2 = r1 + q, r3 = r2 + q;
      C[r0] = c00; C[r0 + 1] = c01; C[r0 + 2] = c02; C[r0 + 3] = c03;
      C[r1] = c10; C[r1 + 1] = c11; C[r1 + 2] = c12; C[r1 + 3] = c13;
      C[r2] = c20; C[r2 + 1] = c21; C[r2 + 2] = c22; C[r2 + 3] = c23;
      C[r3] = c30; C[r3 + 1] = c31; C[r3 + 2] = c32; C[r3 + 3] = c33;
    }
    for (let j = q4; j < q; j++) {
      let c0 = 0, c1 = 0, c2 = 0, c3 = 0;
      for (let k = 0, bk = j; k < p; k++, bk += q) {
        const b = B[bk];
        c0 += A[a0 + k] * b; c1 += A[a1 + k] * b; c2 += A[a2 + k] * b; c3 += A[a3 + k] * b;
      }
      C[i * q + j] = c0; C[(i + 1) * q + j] = c1; C[(i + 2) * q + j] = c2; C[(i + 3) * q + j] = c3;
    }
  }
  for (; i < d; i++) {
    const ai = i * p, ci = i * q;
    for (let k = 0; k < p; k++) {
      const v = A[ai + k];
      const bk = k * q;
      for (let j = 0; j < q; j++) C[ci + j] += v * B[bk + j];
    }
  }
  return C;
}

/** C = Aᵀ·B for row-major A (d×p), B (d×q): p×q */
export function matTN(A: Float64Array, B: Float64Array, d: number, p: number, q: number): Float64Array {
  if (d * p * q >= WASM_MIN_WORK) {
    const w = gemmWasm(A, B, p, d, q, true);
    if (w) return w;
  }
  return matTNJs(A, B, d, p, q);
}

/** matTN in JavaScript tiles */
export function matTNJs(A: Float64Array, B: Float64Array, d: number, p: number, q: number): Float64Array {
  const C = new Float64Array(p * q);
  const p4 = p - (p % 4), q4 = q - (q % 4);
  for (let a = 0; a < p4; a += 4) {
    for (let b = 0; b < q4; b += 4) tileTN(A, B, C, d, p, q, a, b);
    for (let b = q4; b < q; b++) {
      let c0 = 0, c1 = 0, c2 = 0, c3 = 0;
      for (let i = 0, ai = a, bi = b; i < d; i++, ai += p, bi += q) {
        const y = B[bi];
        c0 += A[ai] * y; c1 += A[ai + 1] * y; c2 += A[ai + 2] * y; c3 += A[ai + 3] * y;
      }
      C[a * q + b] = c0; C[(a + 1) * q + b] = c1; C[(a + 2) * q + b] = c2; C[(a + 3) * q + b] = c3;
    }
  }
  for (let a = p4; a < p; a++) {
    for (let b = 0; b < q; b++) {
      let c = 0;
      for (let i = 0, ai = a, bi = b; i < d; i++, ai += p, bi += q) c += A[ai] * B[bi];
      C[a * q + b] = c;
    }
  }
  return C;
}

/** the 4×4 tile of C = AᵀB at rows a…a+3, columns b…b+3 */
function tileTN(A: Float64Array, B: Float64Array, C: Float64Array, d: number, p: number, q: number, a: number, b: number): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  for (let i = 0, ai = a, bi = b; i < d; i++, ai += p, bi += q) {
    const x0 = A[ai], x1 = A[ai + 1], x2 = A[ai + 2], x3 = A[ai + 3];
    const y0 = B[bi], y1 = B[bi + 1], y2 = B[bi + 2], y3 = B[bi + 3];
    c00 += x0 * y0; c01 += x0 * y1; c02 += x0 * y2; c03 += x0 * y3;
    c10 += x1 * y0; c11 += x1 * y1; c12 += x1 * y2; c13 += x1 * y3;
    c20 += x2 * y0; c21 += x2 * y1; c22 += x2 * y2; c23 += x2 * y3;
    c30 += x3 * y0; c31 += x3 * y1; c32 += x3 * y2; c33 += x3 * y3;
  }
  const r0 = a * q + b, r1 = r0 + q, r2 = r1 + q, r3 = r2 + q;
  C[r0] = c00; C[r0 + 1] = c01; C[r0 + 2] = c02; C[r0 + 3] = c03;
  C[r1] = c10; C[r1 + 1] = c11; C[r1 + 2] = c12; C[r1 + 3] = c13;
  C[r2] = c20; C[r2 + 1] = c21; C[r2 + 2] = c22; C[r2 + 3] = c23;
  C[r3] = c30; C[r3 + 1] = c31; C[r3 + 2] = c32; C[r3 + 3] = c33;
}

/** AᵀA (p×p, symmetric) for row-major A (d×p): the tiles on and above the diagonal, mirrored (wasm: the full product, same values) */
export function gramTN(A: Float64Array, d: number, p: number): Float64Array {
  if (d * p * p >= 2 * WASM_MIN_WORK) {
    const w = gemmWasm(A, A, p, d, p, true);
    if (w) return w;
  }
  const C = new Float64Array(p * p);
  const p4 = p - (p % 4);
  for (let a = 0; a < p4; a += 4) for (let b = a; b < p4; b += 4) tileTN(A, A, C, d, p, p, a, b);
  for (let a = 0; a < p; a++) {
    for (let b = Math.max(a, p4); b < p; b++) {
      let c = 0;
      for (let i = 0, ia = a, ib = b; i < d; i++, ia += p, ib += p) c += A[ia] * A[ib];
      C[a * p + b] = c;
    }
  }
  for (let a = 0; a < p; a++) for (let b = a + 1; b < p; b++) C[b * p + a] = C[a * p + b];
  return C;
}

/**
 * The inverse of a square n×n matrix by Gauss–Jordan elimination with
 * partial pivoting, in place on a copy (n³ multiply-adds, every inner loop a
 * contiguous row update); the row exchanges become column exchanges of the
 * inverse at the end. Throws on an exactly singular pivot.
 */
export function inverse(M: Float64Array, n: number): Float64Array {
  const A = new Float64Array(M);
  const piv = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    let pr = k;
    let best = Math.abs(A[k * n + k]);
    for (let i = k + 1; i < n; i++) {
      const v = Math.abs(A[i * n + k]);
      if (v > best) {
        best = v;
        pr = i;
      }
    }
    if (best === 0) throw new MerError('INTERNAL', 'inverse: singular matrix');
    piv[k] = pr;
    const rk = k * n;
    if (pr !== k) {
      const rp = pr * n;
      for (let j = 0; j < n; j++) {
        const t = A[rk + j];
        A[rk + j] = A[rp + j];
        A[rp + j] = t;
      }
    }
    const inv = 1 / A[rk + k];
    A[rk + k] = 1;
    for (let j = 0; j < n; j++) A[rk + j] *= inv;
    for (let i = 0; i < n; i++) {
      if (i === k) continue;
      const ri = i * n;
      const f = A[ri + k];
      if (f === 0) continue;
      A[ri + k] = 0;
      for (let j = 0; j < n; j++) A[ri + j] -= f * A[rk + j];
    }
  }
  for (let k = n - 1; k >= 0; k--) {
    const pr = piv[k];
    if (pr === k) continue;
    for (let i = 0; i < n; i++) {
      const a = i * n + k, b = i * n + pr;
      const t = A[a];
      A[a] = A[b];
      A[b] = t;
    }
  }
  return A;
}
