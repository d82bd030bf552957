/**
 * Support vector classification over libsvm (libsvm-js, the asm.js build):
 * the fit, the predictor and its saved form. The binding is ./libsvm.ts, the
 * Platt sigmoid and pairwise coupling ./svmProbability.ts.
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
import { MerError } from '../core/errors.ts';
import type { Rng } from '../core/rng.ts';
import type { FittedModel, Learner, Prediction, SavedModel, TrainingSet } from './types.ts';
import { savedArray, savedJson } from './savedModel.ts';
import {
  applyKernel,
  baseGram,
  checkLabels,
  checkNonNegative,
  checkRows,
  gammaChi2Scale,
  gammaScale,
  kernelValue,
  type KernelName,
  type KernelSpec,
  type Mat64,
} from './kernels.ts';
import { gridSearch } from './gridSearch.ts';
import { trainBinary } from './libsvm.ts';
import { pairwiseCoupling, sigmoidPredict, sigmoidTrain } from './svmProbability.ts';

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
