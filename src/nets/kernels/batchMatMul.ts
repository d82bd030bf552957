/**
 * BatchMatMul on the wasm backend without its slow transposed path.
 *
 * tfjs-backend-wasm 4.22 multiplies fast (XNNPACK) only when neither operand
 * is transposed and the batch is 1; with a transpose flag it falls back to a
 * scalar loop. Training a dense layer needs both flags (dX = dY·Wᵀ,
 * dW = Xᵀ·dY), so for FR's 6272×1024 layer at batch 32 one step measured
 * (ms, this machine):  X·W 18,  dY·Wᵀ 130,  Xᵀ·dY 503  — BatchMatMul was
 * 1056 of FR's 1360 ms of kernel time per step.
 *
 * Transposing is cheap by comparison (a copy), so this kernel rewrites every
 * batch-1 product into the fast form, moving as few values as possible:
 *   A·Bᵀ : transpose B               or  (B·Aᵀ)ᵀ   (transpose A and the result)
 *   Aᵀ·B : transpose A               or  (Bᵀ·A)ᵀ   (transpose B and the result)
 *   Aᵀ·Bᵀ: (B·A)ᵀ                    (transpose the result)
 * choosing by the number of values transposed. Batched products (batch > 1)
 * go to the backend's own kernel unchanged. The values are products of the
 * same numbers; only the summation order of the fast kernel differs, well
 * within the tolerance of the CPU-backend comparison in the tests.
 */
import * as tf from '../tf.ts';
import { freeInfo, replaceWasmKernel, runWasmKernel, type WasmBackend, type WasmKernelFn } from './wasmCall.ts';

let original: WasmKernelFn | undefined;

const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** [.., r, c] → [.., c, r] through the backend's Transpose (the caller frees it). */
function swapLast(backend: WasmBackend, x: tf.TensorInfo): tf.TensorInfo {
  const r = x.shape.length;
  const perm = Array.from({ length: r }, (_, i) => (i === r - 2 ? r - 1 : i === r - 1 ? r - 2 : i));
  return runWasmKernel(backend, 'Transpose', { x }, { perm });
}

function plain(backend: WasmBackend, a: tf.TensorInfo, b: tf.TensorInfo): tf.TensorInfo {
  return original!({ inputs: { a, b } as tf.NamedTensorInfoMap, backend, attrs: { transposeA: false, transposeB: false } as unknown as tf.NamedAttrMap });
}

export function batchMatMulWasm(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs: tf.NamedAttrMap }): tf.TensorInfo {
  const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const { transposeA, transposeB } = args.attrs as unknown as { transposeA: boolean; transposeB: boolean };
  const backend = args.backend as WasmBackend;
  const batch = (s: readonly number[]) => size(s.slice(0, -2));
  if ((!transposeA && !transposeB) || batch(a.shape) !== 1 || batch(b.shape) !== 1 || a.dtype !== 'float32' || b.dtype !== 'float32') {
    return original!(args);
  }
  const m = transposeA ? a.shape[a.shape.length - 1] : a.shape[a.shape.length - 2];
  const n = transposeB ? b.shape[b.shape.length - 2] : b.shape[b.shape.length - 1];
  // (X·Y)ᵀ: the fast product of two already-plain operands, then its transpose
  const transposedProduct = (x: tf.TensorInfo, y: tf.TensorInfo): tf.TensorInfo => {
    const p = plain(backend, x, y);
    const out = swapLast(backend, p);
    freeInfo(backend, p);
    return out;
  };
  if (transposeA && transposeB) return transposedProduct(b, a);
  // one flag: transpose the flagged operand, or the other one and the result
  // (A·Bᵀ = (B·Aᵀ)ᵀ, Aᵀ·B = (Bᵀ·A)ᵀ), whichever moves fewer values
  const [flagged, other] = transposeA ? [a, b] : [b, a];
  const viaFlagged = size(flagged.shape) <= size(other.shape) + m * n;
  const t = swapLast(backend, viaFlagged ? flagged : other);
  let out: tf.TensorInfo;
  if (viaFlagged) out = transposeA ? plain(backend, t, b) : plain(backend, a, t);
  else out = transposeA ? transposedProduct(t, a) : transposedProduct(b, t);
  freeInfo(backend, t);
  return out;
}

/** Wrap the wasm backend's BatchMatMul (idempotent). */
export function registerBatchMatMulWasm(): void {
  original ??= replaceWasmKernel('BatchMatMul', batchMatMulWasm);
  if (!original) throw new Error('internal: the wasm backend has no BatchMatMul');
}
