/**
 * The libsvm binding: libsvm-js (the asm.js build) as the SMO solver of ONE
 * binary C-SVC problem on a precomputed kernel, and the dual solution read
 * back from its model text. Everything around it (one-vs-one / one-vs-rest,
 * decision values, probabilities) is ./svm.ts; why libsvm is used this way
 * is explained there.
 */
import { createRequire } from 'node:module';
import { MerError } from '../core/errors.ts';
import type { Mat64 } from './kernels.ts';

export interface LibsvmModel {
  train(samples: ArrayLike<number>[], labels: number[]): void;
  serializeModel(): string;
  getSVIndices(): number[];
  getLabels(): number[];
  predictOne(sample: ArrayLike<number>): number;
  free(): void;
}
export interface LibsvmCtor {
  new (options: Record<string, unknown>): LibsvmModel;
  KERNEL_TYPES: Record<string, string>;
  SVM_TYPES: Record<string, string>;
}

let libsvmCtor: LibsvmCtor | undefined;

/**
 * The libsvm-js asm.js build, loaded once. Its emscripten runtime installs a
 * process-wide `unhandledRejection` handler that calls process.exit(1); it is
 * removed again so that loading libsvm cannot silently kill the host program.
 */
export function loadLibsvm(): LibsvmCtor {
  if (libsvmCtor) return libsvmCtor;
  const before = new Set(process.listeners('unhandledRejection'));
  const require = createRequire(import.meta.url);
  try {
    libsvmCtor = require('libsvm-js/asm') as LibsvmCtor;
  } finally {
    for (const l of process.listeners('unhandledRejection')) if (!before.has(l)) process.removeListener('unhandledRejection', l);
  }
  return libsvmCtor;
}

/** Shortest decimal that parses back to the same double (libsvm reads options with atof). */
function num(v: number): string {
  return String(v);
}

/**
 * Train one binary C-SVC on the precomputed kernel rows `rows` of K with
 * labels ±1 (`ypm`), per-side costs Cpos / Cneg. Returns the dual solution in
 * the orientation "positive decision → +1".
 */
export function trainBinary(K: Mat64, rows: readonly number[], ypm: readonly number[], Cpos: number, Cneg: number, tolerance: number): { sv: number[]; coef: Float64Array; rho: number } {
  const SVM = loadLibsvm();
  const m = rows.length;
  const n = K.cols;
  const samples: Float64Array[] = new Array(m);
  for (let a = 0; a < m; a++) {
    const s = new Float64Array(m + 1);
    s[0] = a + 1; // libsvm PRECOMPUTED: first value = 1-based serial number of the row
    const base = rows[a] * n;
    for (let b = 0; b < m; b++) s[b + 1] = K.data[base + rows[b]];
    samples[a] = s;
  }
  const svm = new SVM({
    type: SVM.SVM_TYPES.C_SVC,
    kernel: SVM.KERNEL_TYPES.PRECOMPUTED,
    cost: 1,
    weight: { '1': num(Cpos), '-1': num(Cneg) },
    tolerance,
    shrinking: true,
    probabilityEstimates: false,
    quiet: true,
  });
  let text: string;
  let svLocal: number[];
  try {
    svm.train(samples, ypm as number[]);
    text = svm.serializeModel();
    svLocal = svm.getSVIndices();
  } finally {
    svm.free();
  }
  const parsed = parseModel(text);
  if (parsed.coef.length !== svLocal.length) throw new MerError('INTERNAL', `libsvm model lists ${parsed.coef.length} coefficients for ${svLocal.length} support vectors`);
  // libsvm's positive side is the label seen first; orient so that +1 is positive.
  const flip = parsed.labels[0] === 1 ? 1 : -1;
  const coef = new Float64Array(parsed.coef.length);
  for (let s = 0; s < coef.length; s++) coef[s] = flip * parsed.coef[s];
  const sv = svLocal.map((a) => rows[a]);
  // rho from the free support vectors: y_t f(x_t) = 1 ⇒ rho = Σ coef k(t, ·) − y_t
  let rhoSum = 0;
  let free = 0;
  const yOf = new Map<number, number>();
  svLocal.forEach((a, s) => yOf.set(s, ypm[a]));
  for (let t = 0; t < sv.length; t++) {
    const yt = yOf.get(t)!;
    const alpha = Math.abs(coef[t]);
    const Ct = yt > 0 ? Cpos : Cneg;
    if (alpha > 0 && alpha < Ct) {
      let f = 0;
      const base = sv[t] * n;
      for (let s = 0; s < sv.length; s++) f += coef[s] * K.data[base + sv[s]];
      rhoSum += f - yt;
      free++;
    }
  }
  const rho = free > 0 ? rhoSum / free : flip * parsed.rho;
  return { sv, coef, rho };
}

/** The parts of a 2-class libsvm model text merkit needs. */
function parseModel(text: string): { labels: number[]; rho: number; coef: number[] } {
  const lines = text.split('\n');
  let labels: number[] = [];
  let rho = NaN;
  const coef: number[] = [];
  let inSV = false;
  for (const line of lines) {
    if (inSV) {
      const t = line.trim();
      if (t) coef.push(Number(t.split(/\s+/)[0]));
      continue;
    }
    if (line.startsWith('label ')) labels = line.slice(6).trim().split(/\s+/).map(Number);
    else if (line.startsWith('rho ')) rho = Number(line.slice(4).trim().split(/\s+/)[0]);
    else if (line.trim() === 'SV') inSV = true;
  }
  if (labels.length !== 2 || !Number.isFinite(rho)) throw new MerError('INTERNAL', 'unexpected libsvm model text (expected a 2-class model)');
  return { labels, rho, coef };
}
