/**
 * Test oracle: libsvm's OWN label for each test row, trained on the same
 * precomputed kernel, so the SVM tests can cross-check merkit's decision
 * values against libsvm's predictions.
 */
import { loadLibsvm } from '../../src/learn/libsvm.ts';
import { applyKernel, baseCross, baseGram, kernelFromBase, type KernelSpec } from '../../src/learn/kernels.ts';

/** libsvm's own label for each test row (precomputed kernel, cost C). */
export function libsvmReferencePredict(train: { X: readonly Float32Array[]; y: readonly number[] }, spec: KernelSpec, C: number, test: readonly Float32Array[]): number[] {
  const SVM = loadLibsvm();
  const K = applyKernel(spec, baseGram(spec.kernel, train.X));
  const n = train.X.length;
  const samples = train.X.map((_, i) => {
    const s = new Float64Array(n + 1);
    s[0] = i + 1;
    for (let j = 0; j < n; j++) s[j + 1] = K.data[i * n + j];
    return s;
  });
  const m = new SVM({ type: SVM.SVM_TYPES.C_SVC, kernel: SVM.KERNEL_TYPES.PRECOMPUTED, cost: C, quiet: true });
  try {
    m.train(samples, train.y as number[]);
    return test.map((x) => {
      const s = new Float64Array(n + 1);
      for (let j = 0; j < n; j++) s[j + 1] = kernelFromBase(spec, baseCross(spec.kernel, [x], [train.X[j]]).data[0]);
      return m.predictOne(s);
    });
  } finally {
    m.free();
  }
}
