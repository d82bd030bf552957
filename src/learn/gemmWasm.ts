/**
 * A float64 matrix product as WebAssembly SIMD (f64x2), built at load time by
 * the byte assembler of src/motion/wasm.ts: C (m×n) = A·B where element
 * (i, k) of A is read at A[i·sai + k·sak] — sai = row length, sak = 1 for A,
 * sai = 1, sak = row length for Aᵀ — and B is row-major. The kernel computes
 * 4×4 tiles of C, each lane of each accumulator summing over k in ascending
 * order with separate multiply and add (no fused multiply-add), exactly as
 * the JavaScript tiles of dense.ts do: both paths give the same bits.
 * Rows and columns are padded to multiples of 4 (with zeros) in the wasm heap.
 */
import { ensureWasmMemory, instantiateWasm, SIMD, W, wasmModule, WT } from '../motion/wasm.ts';

type GemmFn = (a: number, b: number, c: number, m4: number, k: number, n4: number, sai8: number, sak8: number) => void;

// params
const A = 0, B = 1, C = 2, M4 = 3, K = 4, N4 = 5, SAI8 = 6, SAK8 = 7;
// i32 locals
const I = 8, J = 9, KK = 10, PA0 = 11, PA1 = 12, PA2 = 13, PA3 = 14, PB = 15, PC = 16, N8 = 17, ROWA = 18;
// v128 locals: 8 accumulators, two B pairs, one splat
const ACC = 19, B01 = 27, B23 = 28, AV = 29;

function assembleGemm(): Uint8Array<ArrayBuffer> {
  const get = W.get, set = W.set;
  const b: number[] = [];
  const e = (...xs: number[][]) => xs.forEach((x) => b.push(...x));
  const f64x2 = (op: number) => W.simd(op);
  e(get(N4), W.i32(8), W.i32mul(), set(N8));
  e(W.i32(0), set(I));
  e(W.block(), W.loop()); // rows, 4 at a time
  // ROWA = a + i·sai8
  e(get(A), get(I), get(SAI8), W.i32mul(), W.i32add(), set(ROWA));
  e(W.i32(0), set(J));
  e(W.block(), W.loop()); // columns, 4 at a time
  for (let r = 0; r < 8; r++) e(W.v128zero(), set(ACC + r));
  e(get(ROWA), set(PA0));
  e(get(PA0), get(SAI8), W.i32add(), set(PA1));
  e(get(PA1), get(SAI8), W.i32add(), set(PA2));
  e(get(PA2), get(SAI8), W.i32add(), set(PA3));
  e(get(B), get(J), W.i32(8), W.i32mul(), W.i32add(), set(PB));
  e(W.i32(0), set(KK));
  e(W.block(), W.loop()); // shared dimension
  e(get(PB), W.load(0), set(B01));
  e(get(PB), W.load(16), set(B23));
  [PA0, PA1, PA2, PA3].forEach((pa, r) => {
    e(get(pa), W.f64load(0), f64x2(SIMD.f64splat), set(AV));
    e(get(ACC + 2 * r), get(AV), get(B01), f64x2(SIMD.f64mul), f64x2(SIMD.f64add), set(ACC + 2 * r));
    e(get(ACC + 2 * r + 1), get(AV), get(B23), f64x2(SIMD.f64mul), f64x2(SIMD.f64add), set(ACC + 2 * r + 1));
    e(get(pa), get(SAK8), W.i32add(), set(pa));
  });
  e(get(PB), get(N8), W.i32add(), set(PB));
  e(get(KK), W.i32(1), W.i32add(), W.tee(KK), get(K), W.i32ltS(), W.brIf(0), W.end(), W.end());
  // store the tile: PC = c + (i·n4 + j)·8
  e(get(C), get(I), get(N4), W.i32mul(), get(J), W.i32add(), W.i32(8), W.i32mul(), W.i32add(), set(PC));
  for (let r = 0; r < 4; r++) {
    e(get(PC), get(ACC + 2 * r), W.store(0));
    e(get(PC), get(ACC + 2 * r + 1), W.store(16));
    e(get(PC), get(N8), W.i32add(), set(PC));
  }
  e(get(J), W.i32(4), W.i32add(), W.tee(J), get(N4), W.i32ltS(), W.brIf(0), W.end(), W.end());
  e(get(I), W.i32(4), W.i32add(), W.tee(I), get(M4), W.i32ltS(), W.brIf(0), W.end(), W.end());
  const i32 = WT.i32;
  return wasmModule([{
    name: 'gemm',
    params: [i32, i32, i32, i32, i32, i32, i32, i32],
    results: [],
    locals: [[11, i32], [11, WT.v128]],
    body: b,
  }]);
}

let kernel: { mem: WebAssembly.Memory; run: GemmFn } | null | undefined;

function loadGemm(): { mem: WebAssembly.Memory; run: GemmFn } | null {
  if (kernel === undefined) {
    const m = instantiateWasm(assembleGemm());
    kernel = m ? { mem: m.mem, run: m.exports.gemm as GemmFn } : null;
  }
  return kernel;
}

/** Whether the wasm SIMD product is available in this runtime. */
export function wasmGemmAvailable(): boolean {
  return loadGemm() !== null;
}

const up4 = (v: number) => (v + 3) & ~3;

/**
 * C (m×n, row-major) = op(A)·B with op(A) = A (transA false: A is m×k) or Aᵀ
 * (transA true: A is k×m); B is k×n. Null when wasm SIMD is unavailable or
 * the heap cannot grow (the caller then uses its JavaScript tiles).
 */
export function gemmWasm(Am: Float64Array, Bm: Float64Array, m: number, k: number, n: number, transA: boolean): Float64Array | null {
  const g = loadGemm();
  if (!g) return null;
  const m4 = up4(m), n4 = up4(n);
  // op(A) goes to the heap as a k×m4 matrix (zero-padded columns): the kernel
  // then reads four adjacent values of one row per step (A itself is copied
  // transposed; reading it in place with a row stride was 1.7× slower)
  const oA = 0, oB = oA + k * m4, oC = oB + k * n4;
  if (!ensureWasmMemory(g.mem, (oC + m4 * n4) * 8)) return null;
  const heap = new Float64Array(g.mem.buffer);
  if (transA && m4 === m) heap.set(Am.subarray(0, k * m), oA);
  else if (transA) {
    for (let r = 0; r < k; r++) {
      heap.set(Am.subarray(r * m, r * m + m), oA + r * m4);
      heap.fill(0, oA + r * m4 + m, oA + (r + 1) * m4);
    }
  } else {
    heap.fill(0, oA, oB);
    for (let i = 0; i < m; i++) for (let r = 0; r < k; r++) heap[oA + r * m4 + i] = Am[i * k + r];
  }
  if (n4 === n) heap.set(Bm.subarray(0, k * n), oB);
  else {
    for (let r = 0; r < k; r++) {
      heap.set(Bm.subarray(r * n, r * n + n), oB + r * n4);
      heap.fill(0, oB + r * n4 + n, oB + (r + 1) * n4);
    }
  }
  g.run(oA * 8, oB * 8, oC * 8, m4, k, n4, 8, m4 * 8);
  const out = new Float64Array(m * n);
  if (n4 === n) out.set(heap.subarray(oC, oC + m * n));
  else for (let r = 0; r < m; r++) out.set(heap.subarray(oC + r * n4, oC + r * n4 + n), r * n);
  return out;
}
