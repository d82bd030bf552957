/**
 * Support vector classification over libsvm (libsvm-js, the asm.js build).
 *
 * How libsvm is used. libsvm-js exposes training but neither decision values
 * nor `srand`, and libsvm's probability estimates shuffle with C `rand()`,
 * whose state persists inside one Node process (so results would depend on
 * what ran before). merkit therefore uses libsvm ONLY as the SMO solver of
 * binary C-SVC problems on a PRECOMPUTED kernel (the Gram matrix is computed
 * here in float64, see kernels.ts), and does everything else itself:
 * - one-vs-one = one binary machine per pair of classes present in training
 *   (exactly what libsvm does internally); one-vs-rest = one machine per class;
 * - decision values from the machines' dual coefficients (sv_coef, exact to
 *   17 digits in libsvm's model text) and the support-vector rows; rho is
 *   recomputed from the free support vectors (libsvm's own formula) because
 *   the model text rounds it to 6 digits;
 * - probabilities: Platt scaling fitted on 5-fold internal cross-validation
 *   decision values (Lin, Lin & Weng 2007, libsvm's `svm_binary_svc_probability`)
 *   with the fold permutation drawn from the fit's seeded `train.rng`, then
 *   pairwise coupling (Wu, Lin & Weng 2004) for one-vs-one, or normalised
 *   per-class sigmoids for one-vs-rest.
 * The solver itself is deterministic (no `rand()` when probability is off in
 * libsvm), so every fit is a pure function of (rows, labels, options, rng seed).
 *
 * Why the asm.js build: on a precomputed 240-row problem both builds, once
 * warm, train in the same time (≈3.6 ms per binary fit, measured) and return
 * byte-identical models; the wasm build only loads asynchronously, the asm.js
 * one keeps `fit` synchronous.
 *
 * Scores returned by `predict` (one per class of `train.classes`):
 * - probability on: class probabilities (sum to 1);
 * - ovo, probability off: (votes + confidence tie-break) / (c − 1), where the
 *   tie-break is scikit-learn's `s / (3(|s| + 1))` of the summed decision
 *   values s in favour of the class (so it never overturns a vote), c the
 *   number of classes present in training;
 * - ovr, probability off: the decision value of the class's machine.
 * Classes absent from the training set score 0 (probabilities, votes) or
 * ABSENT_CLASS_SCORE (ovr decision values) and are never predicted.
 */
import { createRequire } from 'node:module';
import { MerError } from '../core/errors.ts';
import type { Rng } from '../core/rng.ts';
import type { FittedModel, Learner, Prediction, SavedModel, TrainingSet } from './types.ts';
import { savedArray, savedJson } from './savedModel.ts';
import {
  applyKernel,
  baseCross,
  baseGram,
  checkLabels,
  checkNonNegative,
  checkRows,
  gammaChi2Scale,
  gammaScale,
  kernelFromBase,
  kernelValue,
  type KernelName,
  type KernelSpec,
  type Mat64,
} from './kernels.ts';
import { gridSearch } from './gridSearch.ts';

export interface SvmOptions {
  readonly kernel: KernelName;
  /** cost C; default 1 */
  readonly C?: number;
  /** kernel γ; default 'scale' = 1/(d·var(X)) (scikit-learn) — for chi2, 1/mean χ² over training pairs */
  readonly gamma?: number | 'scale';
  /** poly degree; default 3 (libsvm) */
  readonly degree?: number;
  /** poly coef0; default 0 (libsvm) */
  readonly coef0?: number;
  /** default 'ovo' (libsvm's own scheme) */
  readonly multiclass?: 'ovo' | 'ovr';
  /**
   * per-class weights on C. 'balanced' = n / (k · n_c), computed from the
   * labels of THIS fit (k = classes present); for ovr the binary labels of
   * each class-vs-rest problem. A Record maps class index → weight (missing
   * classes weigh 1; for ovr the "rest" side weighs 1). Default: none.
   */
  readonly classWeight?: 'balanced' | Readonly<Record<number, number>>;
  /** Platt-scaled probabilities as scores; default false */
  readonly probability?: boolean;
  /**
   * C/γ grid searched by inner cross-validation on the training set only,
   * grouped by subject (folds undefined = leave-one-subject-out, k = k group
   * folds), scored by pooled UF1; ties → smaller C, then smaller γ. Axes not
   * given stay at the single value of C / gamma above.
   */
  readonly grid?: { readonly C?: readonly number[]; readonly gamma?: readonly number[]; readonly folds?: number };
  /** libsvm stopping tolerance (-e); default 1e-3 */
  readonly tolerance?: number;
}

/** What a fitted SVM reports about itself (`fitted.info`). */
export interface SvmInfo {
  readonly kernel: KernelName;
  readonly C: number;
  /** the γ used (undefined for linear) */
  readonly gamma?: number;
  readonly multiclass: 'ovo' | 'ovr';
  /** classes present in the training set */
  readonly classesSeen: number[];
  /** effective class weights used (class index → weight) */
  readonly classWeight?: Record<number, number>;
  readonly supportVectors: number;
  /** inner-CV UF1 per grid candidate, when a grid was searched */
  readonly grid?: { readonly candidates: { C: number; gamma?: number }[]; readonly scores: number[]; readonly folds: number };
}

export interface FittedSvm extends FittedModel {
  readonly info: SvmInfo;
}

/** ovr decision score of a class absent from training: finite (JSON-safe), below any real decision value. */
export const ABSENT_CLASS_SCORE = -1e300;

const DEFAULT_C = 1;
const DEFAULT_DEGREE = 3; // libsvm
const DEFAULT_COEF0 = 0; // libsvm
const DEFAULT_TOLERANCE = 1e-3; // libsvm -e
/** libsvm's number of internal folds for Platt scaling */
const PLATT_FOLDS = 5;
/** libsvm clips pairwise probabilities to [MIN_PROB, 1 − MIN_PROB] before coupling */
const MIN_PROB = 1e-7;
/**
 * Largest training set trained on a precomputed kernel: libsvm holds n×(n+1)
 * 16-byte nodes (4000 rows ≈ 256 MB of its 2 GB heap).
 */
const MAX_ROWS = 4000;

/* ------------------------------------------------------------------ libsvm */

interface LibsvmModel {
  train(samples: ArrayLike<number>[], labels: number[]): void;
  serializeModel(): string;
  getSVIndices(): number[];
  getLabels(): number[];
  predictOne(sample: ArrayLike<number>): number;
  free(): void;
}
interface LibsvmCtor {
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

/** A binary machine: decision(x) = Σ coef_s k(x, sv_s) − rho; positive → `pos`. */
interface Machine {
  /** class index on the positive side */
  readonly pos: number;
  /** class index on the negative side, or −1 for "rest" */
  readonly neg: number;
  /** support vectors as indices into the training rows */
  readonly sv: number[];
  readonly coef: Float64Array;
  readonly rho: number;
  /** Platt sigmoid P(pos | f) = 1 / (1 + exp(A f + B)), when probability is on */
  sigmoid?: { A: number; B: number };
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
function trainBinary(K: Mat64, rows: readonly number[], ypm: readonly number[], Cpos: number, Cneg: number, tolerance: number): { sv: number[]; coef: Float64Array; rho: number } {
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

/* ------------------------------------------------------------ Platt scaling */

/** Platt's sigmoid fit by Newton's method with backtracking (Lin, Lin & Weng 2007). */
export function sigmoidTrain(dec: ArrayLike<number>, ypm: ArrayLike<number>): { A: number; B: number } {
  const l = dec.length;
  let prior1 = 0;
  let prior0 = 0;
  for (let i = 0; i < l; i++) if (ypm[i] > 0) prior1++;
  else prior0++;
  const maxIter = 100;
  const minStep = 1e-10;
  const sigma = 1e-12;
  const eps = 1e-5;
  const hiTarget = (prior1 + 1) / (prior1 + 2);
  const loTarget = 1 / (prior0 + 2);
  const t = new Float64Array(l);
  for (let i = 0; i < l; i++) t[i] = ypm[i] > 0 ? hiTarget : loTarget;
  let A = 0;
  let B = Math.log((prior0 + 1) / (prior1 + 1));
  const objective = (a: number, b: number) => {
    let f = 0;
    for (let i = 0; i < l; i++) {
      const fApB = dec[i] * a + b;
      f += fApB >= 0 ? t[i] * fApB + Math.log1p(Math.exp(-fApB)) : (t[i] - 1) * fApB + Math.log1p(Math.exp(fApB));
    }
    return f;
  };
  let fval = objective(A, B);
  for (let iter = 0; iter < maxIter; iter++) {
    let h11 = sigma;
    let h22 = sigma;
    let h21 = 0;
    let g1 = 0;
    let g2 = 0;
    for (let i = 0; i < l; i++) {
      const fApB = dec[i] * A + B;
      let p: number;
      let q: number;
      if (fApB >= 0) {
        const e = Math.exp(-fApB);
        p = e / (1 + e);
        q = 1 / (1 + e);
      } else {
        const e = Math.exp(fApB);
        p = 1 / (1 + e);
        q = e / (1 + e);
      }
      const d2 = p * q;
      h11 += dec[i] * dec[i] * d2;
      h22 += d2;
      h21 += dec[i] * d2;
      const d1 = t[i] - p;
      g1 += dec[i] * d1;
      g2 += d1;
    }
    if (Math.abs(g1) < eps && Math.abs(g2) < eps) break;
    const det = h11 * h22 - h21 * h21;
    const dA = -(h22 * g1 - h21 * g2) / det;
    const dB = -(-h21 * g1 + h11 * g2) / det;
    const gd = g1 * dA + g2 * dB;
    let step = 1;
    while (step >= minStep) {
      const nA = A + step * dA;
      const nB = B + step * dB;
      const nf = objective(nA, nB);
      if (nf < fval + 0.0001 * step * gd) {
        A = nA;
        B = nB;
        fval = nf;
        break;
      }
      step /= 2;
    }
    if (step < minStep) break;
  }
  return { A, B };
}

export function sigmoidPredict(f: number, s: { A: number; B: number }): number {
  const fApB = f * s.A + s.B;
  return fApB >= 0 ? Math.exp(-fApB) / (1 + Math.exp(-fApB)) : 1 / (1 + Math.exp(fApB));
}

/** Pairwise coupling, method 2 of Wu, Lin & Weng (2004), as in libsvm. r[i][j] ≈ P(i | i or j). */
export function pairwiseCoupling(r: number[][]): number[] {
  const k = r.length;
  const p = new Array<number>(k).fill(1 / k);
  const Q = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const Qp = new Array<number>(k).fill(0);
  const maxIter = Math.max(100, k);
  const eps = 0.005 / k;
  for (let t = 0; t < k; t++) {
    for (let j = 0; j < k; j++) {
      if (j === t) continue;
      Q[t][t] += r[j][t] * r[j][t];
      Q[t][j] = -r[j][t] * r[t][j];
    }
  }
  for (let iter = 0; iter < maxIter; iter++) {
    let pQp = 0;
    for (let t = 0; t < k; t++) {
      Qp[t] = 0;
      for (let j = 0; j < k; j++) Qp[t] += Q[t][j] * p[j];
      pQp += p[t] * Qp[t];
    }
    let maxErr = 0;
    for (let t = 0; t < k; t++) maxErr = Math.max(maxErr, Math.abs(Qp[t] - pQp));
    if (maxErr < eps) break;
    for (let t = 0; t < k; t++) {
      const diff = (-Qp[t] + pQp) / Q[t][t];
      p[t] += diff;
      pQp = (pQp + diff * (diff * Q[t][t] + 2 * Qp[t])) / (1 + diff) / (1 + diff);
      for (let j = 0; j < k; j++) {
        Qp[j] = (Qp[j] + diff * Q[t][j]) / (1 + diff);
        p[j] /= 1 + diff;
      }
    }
  }
  return p;
}

/** Decision values of a machine for the rows `test` of a kernel matrix whose columns are training rows. */
function decisionsFromK(m: { sv: number[]; coef: Float64Array; rho: number }, K: Mat64, test: readonly number[]): Float64Array {
  const out = new Float64Array(test.length);
  for (let a = 0; a < test.length; a++) {
    const base = test[a] * K.cols;
    let f = 0;
    for (let s = 0; s < m.sv.length; s++) f += m.coef[s] * K.data[base + m.sv[s]];
    out[a] = f - m.rho;
  }
  return out;
}

/**
 * Platt sigmoid of a binary problem from 5-fold internal CV (libsvm's
 * svm_binary_svc_probability; permutation from `rng`).
 */
function plattSigmoid(K: Mat64, rows: readonly number[], ypm: readonly number[], Cpos: number, Cneg: number, tolerance: number, rng: Rng): { A: number; B: number } {
  const l = rows.length;
  const perm = rng.shuffle([...Array(l).keys()]);
  const dec = new Float64Array(l);
  for (let f = 0; f < PLATT_FOLDS; f++) {
    const begin = Math.floor((f * l) / PLATT_FOLDS);
    const end = Math.floor(((f + 1) * l) / PLATT_FOLDS);
    const trRows: number[] = [];
    const trY: number[] = [];
    for (let j = 0; j < l; j++) {
      if (j >= begin && j < end) continue;
      trRows.push(rows[perm[j]]);
      trY.push(ypm[perm[j]]);
    }
    const nPos = trY.filter((v) => v > 0).length;
    const nNeg = trY.length - nPos;
    const held = perm.slice(begin, end);
    if (nPos === 0 || nNeg === 0) {
      const v = nPos > 0 ? 1 : nNeg > 0 ? -1 : 0;
      for (const j of held) dec[j] = v;
      continue;
    }
    const sub = trainBinary(K, trRows, trY, Cpos, Cneg, tolerance);
    const d = decisionsFromK(sub, K, held.map((j) => rows[j]));
    held.forEach((j, a) => (dec[j] = d[a]));
  }
  return sigmoidTrain(dec, ypm);
}

/* ------------------------------------------------------------------ fitting */

interface Resolved {
  readonly spec: KernelSpec;
  readonly C: number;
  readonly multiclass: 'ovo' | 'ovr';
  readonly probability: boolean;
  readonly tolerance: number;
}

function classWeightsFor(y: readonly number[], present: readonly number[], cw: SvmOptions['classWeight']): Record<number, number> | undefined {
  if (cw === undefined) return undefined;
  const out: Record<number, number> = {};
  if (cw === 'balanced') {
    const counts = new Map<number, number>();
    for (const v of y) counts.set(v, (counts.get(v) ?? 0) + 1);
    for (const c of present) out[c] = y.length / (present.length * counts.get(c)!);
  } else {
    for (const c of present) out[c] = cw[c] ?? 1;
  }
  return out;
}

/** Train the machines of one parameter setting on training rows `rows` (indices into K). */
function trainMachines(K: Mat64, rows: readonly number[], y: readonly number[], r: Resolved, cwOpt: SvmOptions['classWeight'], rng: Rng | undefined): { machines: Machine[]; present: number[]; weights?: Record<number, number> } {
  const ySub = rows.map((i) => y[i]);
  const present = [...new Set(ySub)].sort((a, b) => a - b);
  const weights = classWeightsFor(ySub, present, cwOpt);
  const machines: Machine[] = [];
  if (present.length < 2) return { machines, present, weights };
  const w = (c: number) => (weights ? weights[c] : 1);
  if (r.multiclass === 'ovo') {
    for (let i = 0; i < present.length; i++) {
      for (let j = i + 1; j < present.length; j++) {
        const a = present[i];
        const b = present[j];
        const pr: number[] = [];
        const py: number[] = [];
        rows.forEach((row, k) => {
          if (ySub[k] === a) {
            pr.push(row);
            py.push(1);
          } else if (ySub[k] === b) {
            pr.push(row);
            py.push(-1);
          }
        });
        const Cp = r.C * w(a);
        const Cn = r.C * w(b);
        const m: Machine = { pos: a, neg: b, ...trainBinary(K, pr, py, Cp, Cn, r.tolerance) };
        if (r.probability && rng) m.sigmoid = plattSigmoid(K, pr, py, Cp, Cn, r.tolerance, rng.fork(`platt:${a}:${b}`));
        machines.push(m);
      }
    }
  } else {
    for (const c of present) {
      const py = ySub.map((v) => (v === c ? 1 : -1));
      let Cp = r.C;
      let Cn = r.C;
      if (cwOpt === 'balanced') {
        const nPos = py.filter((v) => v > 0).length;
        Cp = (r.C * py.length) / (2 * nPos);
        Cn = (r.C * py.length) / (2 * (py.length - nPos));
      } else if (weights) Cp = r.C * w(c);
      const m: Machine = { pos: c, neg: -1, ...trainBinary(K, rows, py, Cp, Cn, r.tolerance) };
      if (r.probability && rng) m.sigmoid = plattSigmoid(K, rows, py, Cp, Cn, r.tolerance, rng.fork(`platt:${c}`));
      machines.push(m);
    }
  }
  return { machines, present, weights };
}

/** Turn machine decision values (dec[m]) into a prediction over `nClasses`. */
function combine(machines: readonly Machine[], dec: ArrayLike<number>, present: readonly number[], nClasses: number, r: Pick<Resolved, 'multiclass' | 'probability'>): Prediction {
  const scores = new Array<number>(nClasses).fill(0);
  if (present.length === 1) {
    scores[present[0]] = 1;
    return { pred: present[0], scores };
  }
  if (r.probability && machines.every((m) => m.sigmoid)) {
    if (r.multiclass === 'ovo') {
      const k = present.length;
      const pos = new Map(present.map((c, i) => [c, i]));
      const R = Array.from({ length: k }, () => new Array<number>(k).fill(0));
      machines.forEach((m, i) => {
        const p = Math.min(Math.max(sigmoidPredict(dec[i], m.sigmoid!), MIN_PROB), 1 - MIN_PROB);
        const a = pos.get(m.pos)!;
        const b = pos.get(m.neg)!;
        R[a][b] = p;
        R[b][a] = 1 - p;
      });
      const p = k === 2 ? [R[0][1], R[1][0]] : pairwiseCoupling(R);
      present.forEach((c, i) => (scores[c] = p[i]));
    } else {
      let s = 0;
      machines.forEach((m, i) => {
        scores[m.pos] = sigmoidPredict(dec[i], m.sigmoid!);
        s += scores[m.pos];
      });
      for (const c of present) scores[c] = s > 0 ? scores[c] / s : 1 / present.length;
    }
  } else if (r.multiclass === 'ovo') {
    const votes = new Array<number>(nClasses).fill(0);
    const conf = new Array<number>(nClasses).fill(0);
    machines.forEach((m, i) => {
      if (dec[i] > 0) votes[m.pos]++;
      else votes[m.neg]++;
      conf[m.pos] += dec[i];
      conf[m.neg] -= dec[i];
    });
    for (const c of present) scores[c] = (votes[c] + conf[c] / (3 * (Math.abs(conf[c]) + 1))) / (present.length - 1);
  } else {
    scores.fill(ABSENT_CLASS_SCORE);
    machines.forEach((m, i) => (scores[m.pos] = dec[i]));
  }
  let pred = present[0];
  for (const c of present) if (scores[c] > scores[pred]) pred = c;
  return { pred, scores };
}

function resolveGamma(opts: SvmOptions, X: readonly Float32Array[], base: Mat64): number {
  if (opts.kernel === 'linear') return 1;
  const g = opts.gamma ?? 'scale';
  if (g === 'scale') return opts.kernel === 'chi2' ? gammaChi2Scale(base) : gammaScale(X);
  if (!(g > 0) || !Number.isFinite(g)) throw new MerError('BAD_OPTION', `svm: gamma = ${g}`, { expected: "a positive number or 'scale'" });
  return g;
}

function checkOptions(opts: SvmOptions): void {
  const kernels: KernelName[] = ['linear', 'rbf', 'poly', 'chi2'];
  if (!kernels.includes(opts.kernel)) throw new MerError('BAD_OPTION', `svm: unknown kernel '${opts.kernel}'`, { expected: kernels.join(', ') });
  const positive = (v: number | undefined, what: string) => {
    if (v !== undefined && !(v > 0 && Number.isFinite(v))) throw new MerError('BAD_OPTION', `svm: ${what} = ${v}`, { expected: 'a positive finite number' });
  };
  positive(opts.C, 'C');
  positive(opts.tolerance, 'tolerance');
  opts.grid?.C?.forEach((c) => positive(c, 'grid C'));
  opts.grid?.gamma?.forEach((g) => positive(g, 'grid gamma'));
  if (opts.degree !== undefined && !(Number.isInteger(opts.degree) && opts.degree >= 1)) {
    throw new MerError('BAD_OPTION', `svm: degree = ${opts.degree}`, { expected: 'an integer ≥ 1' });
  }
  if (opts.multiclass !== undefined && opts.multiclass !== 'ovo' && opts.multiclass !== 'ovr') {
    throw new MerError('BAD_OPTION', `svm: multiclass = '${opts.multiclass}'`, { expected: "'ovo' or 'ovr'" });
  }
  if (opts.classWeight !== undefined && opts.classWeight !== 'balanced') {
    for (const [k, v] of Object.entries(opts.classWeight)) positive(v, `classWeight[${k}]`);
  }
}

/**
 * Fit an SVM on a training set (synchronous). See the module comment for
 * what `predict` returns.
 */
export function fitSvm(train: TrainingSet, opts: SvmOptions): FittedSvm {
  checkOptions(opts);
  const n = train.X.length;
  const d = checkRows(train.X, 'svm');
  checkLabels(train.y, n, train.classes.length, 'svm');
  if (n > MAX_ROWS) throw new MerError('UNSUPPORTED', `svm: ${n} training rows`, { expected: `at most ${MAX_ROWS} rows (the precomputed kernel grows as n²)` });
  if (opts.kernel === 'chi2') checkNonNegative(train.X, 'svm (chi2 kernel)');
  const nClasses = train.classes.length;
  const base = baseGram(opts.kernel, train.X);
  const gamma0 = resolveGamma(opts, train.X, base);
  const specOf = (gamma: number): KernelSpec => ({ kernel: opts.kernel, gamma, degree: opts.degree ?? DEFAULT_DEGREE, coef0: opts.coef0 ?? DEFAULT_COEF0 });
  const resolvedOf = (C: number, gamma: number, probability: boolean): Resolved => ({
    spec: specOf(gamma),
    C,
    multiclass: opts.multiclass ?? 'ovo',
    probability,
    tolerance: opts.tolerance ?? DEFAULT_TOLERANCE,
  });
  const all = [...Array(n).keys()];

  let C = opts.C ?? DEFAULT_C;
  let gamma = gamma0;
  let gridInfo: SvmInfo['grid'];
  const usesGamma = opts.kernel !== 'linear';
  if (opts.grid && (opts.grid.C?.length || (usesGamma && opts.grid.gamma?.length))) {
    const Cs = [...(opts.grid.C?.length ? opts.grid.C : [C])].sort((a, b) => a - b);
    const gammas = usesGamma && opts.grid.gamma?.length ? [...opts.grid.gamma].sort((a, b) => a - b) : [gamma0];
    const candidates: { C: number; gamma: number }[] = [];
    for (const c of Cs) for (const g of gammas) candidates.push({ C: c, gamma: g });
    const Kcache = new Map<number, Mat64>();
    const kernelFor = (g: number) => {
      let K = Kcache.get(g);
      if (!K) {
        K = applyKernel(specOf(g), base);
        Kcache.set(g, K);
      }
      return K;
    };
    const res = gridSearch({
      y: train.y,
      subjects: train.subjects,
      nClasses,
      candidates,
      folds: opts.grid.folds,
      rng: train.rng.fork('svm-grid'),
      fitPredict: (trIdx, teIdx, cand) => {
        const K = kernelFor(cand.gamma);
        const r = resolvedOf(cand.C, cand.gamma, false);
        const { machines, present } = trainMachines(K, trIdx, train.y, r, opts.classWeight, undefined);
        const decs = machines.map((m) => decisionsFromK(m, K, teIdx));
        return teIdx.map((_, a) => combine(machines, decs.map((dv) => dv[a]), present, nClasses, r).pred);
      },
    });
    C = res.best.C;
    gamma = res.best.gamma;
    gridInfo = { candidates: candidates.map((c) => (usesGamma ? c : { C: c.C })), scores: res.scores, folds: res.folds };
  }

  const r = resolvedOf(C, gamma, opts.probability ?? false);
  const K = applyKernel(r.spec, base);
  const { machines, present, weights } = trainMachines(K, all, train.y, r, opts.classWeight, train.rng.fork('svm-probability'));

  // Keep only what prediction needs: the support-vector rows (or, for the
  // linear kernel, one primal weight vector per machine).
  const svRows = [...new Set(machines.flatMap((m) => m.sv))].sort((a, b) => a - b);
  const svPos = new Map(svRows.map((row, i) => [row, i]));
  const svX = svRows.map((row) => Float64Array.from(train.X[row]));
  const linearW =
    opts.kernel === 'linear'
      ? machines.map((m) => {
          const wv = new Float64Array(d);
          m.sv.forEach((row, s) => {
            const x = train.X[row];
            const c = m.coef[s];
            for (let j = 0; j < d; j++) wv[j] += c * x[j];
          });
          return wv;
        })
      : undefined;
  const machineSv = machines.map((m) => Int32Array.from(m.sv, (row) => svPos.get(row)!));

  const info: SvmInfo = {
    kernel: opts.kernel,
    C,
    gamma: usesGamma ? gamma : undefined,
    multiclass: r.multiclass,
    classesSeen: present,
    classWeight: weights,
    supportVectors: svRows.length,
    grid: gridInfo,
  };

  return svmPredictor({ info, d, nClasses, spec: r.spec, multiclass: r.multiclass, probability: r.probability, machines, present, svX, linearW, machineSv });
}

/** Everything a fitted SVM needs to predict (and what `save()` writes). */
interface SvmState {
  info: SvmInfo;
  d: number;
  nClasses: number;
  spec: KernelSpec;
  multiclass: 'ovo' | 'ovr';
  probability: boolean;
  machines: Machine[];
  present: number[];
  /** support-vector rows (non-linear kernels) */
  svX: Float64Array[];
  /** one primal weight vector per machine (linear kernel) */
  linearW?: Float64Array[];
  /** per machine, indices into svX of its support vectors (aligned with its coef) */
  machineSv: Int32Array[];
}

function svmPredictor(st: SvmState): FittedSvm {
  const { info, d, nClasses, machines, present, svX, linearW, machineSv } = st;
  const r = { spec: st.spec, multiclass: st.multiclass, probability: st.probability };
  return {
    info,
    predict(Xtest: readonly Float32Array[]): Prediction[] {
      if (Xtest.length === 0) return [];
      checkRows(Xtest, 'svm predict', d);
      if (r.spec.kernel === 'chi2') checkNonNegative(Xtest, 'svm predict (chi2 kernel)');
      const dec = new Float64Array(machines.length);
      const kx = new Float64Array(svX.length);
      return Xtest.map((x) => {
        if (linearW) {
          machines.forEach((m, i) => {
            const wv = linearW[i];
            let f = 0;
            for (let j = 0; j < d; j++) f += wv[j] * x[j];
            dec[i] = f - m.rho;
          });
        } else {
          for (let s = 0; s < svX.length; s++) kx[s] = kernelValue(r.spec, x, svX[s]);
          machines.forEach((m, i) => {
            const idx = machineSv[i];
            let f = 0;
            for (let s = 0; s < idx.length; s++) f += m.coef[s] * kx[idx[s]];
            dec[i] = f - m.rho;
          });
        }
        return combine(machines, dec, present, nClasses, r);
      });
    },
    save(): SavedModel {
      const cat64 = (parts: readonly Float64Array[]) => {
        const out = new Float64Array(parts.reduce((a, p) => a + p.length, 0));
        let o = 0;
        for (const p of parts) {
          out.set(p, o);
          o += p.length;
        }
        return out;
      };
      const svIdx = new Int32Array(machineSv.reduce((a, p) => a + p.length, 0));
      let o = 0;
      for (const p of machineSv) {
        svIdx.set(p, o);
        o += p.length;
      }
      const arrays: Record<string, Float64Array | Int32Array> = { coef: cat64(machines.map((m) => m.coef)), machineSv: svIdx };
      if (linearW) arrays.linearW = cat64(linearW);
      else arrays.svX = cat64(svX);
      return {
        kind: 'svm',
        json: {
          info,
          features: d,
          nClasses,
          spec: st.spec,
          multiclass: st.multiclass,
          probability: st.probability,
          present,
          supportVectorRows: svX.length,
          linear: Boolean(linearW),
          machines: machines.map((m) => ({ pos: m.pos, neg: m.neg, rho: m.rho, sigmoid: m.sigmoid, sv: m.coef.length })),
        },
        arrays,
      };
    },
  };
}

interface SavedSvmJson {
  info: SvmInfo;
  features: number;
  nClasses: number;
  spec: KernelSpec;
  multiclass: 'ovo' | 'ovr';
  probability: boolean;
  present: number[];
  supportVectorRows: number;
  linear: boolean;
  machines: { pos: number; neg: number; rho: number; sigmoid?: { A: number; B: number }; sv: number }[];
}

/** Loader of kind 'svm'. */
export function loadSvm(saved: SavedModel): FittedModel {
  const j = savedJson<SavedSvmJson>(saved);
  const d = j.features;
  const totalSv = j.machines.reduce((a, m) => a + m.sv, 0);
  const coef = savedArray(saved, 'coef', Float64Array, totalSv);
  const svIdx = savedArray(saved, 'machineSv', Int32Array, totalSv);
  const machineSv: Int32Array[] = [];
  const machines: Machine[] = [];
  let o = 0;
  for (const m of j.machines) {
    machineSv.push(svIdx.slice(o, o + m.sv));
    machines.push({ pos: m.pos, neg: m.neg, rho: m.rho, sv: [], coef: coef.slice(o, o + m.sv), ...(m.sigmoid ? { sigmoid: m.sigmoid } : {}) });
    o += m.sv;
  }
  const rows = (flat: Float64Array, count: number) => Array.from({ length: count }, (_, i) => flat.slice(i * d, (i + 1) * d));
  const linearW = j.linear ? rows(savedArray(saved, 'linearW', Float64Array, machines.length * d), machines.length) : undefined;
  const svX = j.linear ? [] : rows(savedArray(saved, 'svX', Float64Array, j.supportVectorRows * d), j.supportVectorRows);
  return svmPredictor({ info: j.info, d, nClasses: j.nClasses, spec: j.spec, multiclass: j.multiclass, probability: j.probability, machines, present: j.present, svX, linearW, machineSv });
}

/** An SVM learner (see `fitSvm`). */
export function svm(opts: SvmOptions): Learner {
  checkOptions(opts);
  const name = `svm-${opts.kernel}`;
  return { name, fit: (train: TrainingSet) => fitSvm(train, opts) };
}

/** @internal exported for tests: the kernel matrix between test rows and training rows. */
export function crossKernel(spec: KernelSpec, A: readonly Float32Array[], B: readonly Float32Array[]): Mat64 {
  return applyKernel(spec, baseCross(spec.kernel, A, B));
}

/** @internal libsvm's own label for a precomputed row (tests cross-check our decisions against it). */
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
