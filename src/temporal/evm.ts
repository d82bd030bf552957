/**
 * Eulerian video magnification (Wu, Rubinstein, Shih, Guttag, Durand,
 * Freeman, SIGGRAPH 2012), the Laplacian-pyramid variant used to magnify
 * subtle motion (EMR and other MER methods magnify micro-expressions with it):
 *
 * 1. every frame → Laplacian pyramid (5-tap binomial [1 4 6 4 1]/16 blur,
 *    decimation by 2, symmetric borders; the last level is the low-pass
 *    residual), `levels` levels;
 * 2. every pyramid coefficient is band-pass filtered over time: 'ideal'
 *    (DFT over the whole clip, bins outside [fl, fh] zeroed) or 'butter'
 *    (difference of two first-order Butterworth low-passes at fh and fl,
 *    started at the first frame, as in the authors' IIR code);
 * 3. the filtered band is multiplied by α, attenuated per spatial wavelength
 *    as in the paper's Fig. 6 / the authors' code: with δ = λc/8/(1+α) and λ
 *    the representative wavelength of a level (√(h²+w²)/3 at the coarsest,
 *    halving at each finer level), α_l = min(α, 2·(λ/(8δ) − 1)); the finest
 *    level and the residual are not amplified;
 * 4. the amplified band is added back and the pyramid collapsed.
 * Gray volumes only: `chromAttenuation` (the I/Q attenuation of the colour
 * version) has nothing to act on and is accepted for API compatibility.
 */
import { MerError } from '../core/errors.ts';
import { makeVolume, type Volume } from '../core/image.ts';

export interface EvmParams {
  /** amplification factor α (default 10) */
  alpha: number;
  /** cut-off wavelength λc in pixels (default 16) */
  lambdaC: number;
  /** band low edge in Hz (default 0.4) */
  fl: number;
  /** band high edge in Hz (default 3) */
  fh: number;
  /** frame rate in Hz (default 200: CASME II / SMIC-HS) */
  fps: number;
  /** pyramid levels including the residual (default: as many as keep the coarsest ≥ 4 px, at most 8) */
  levels?: number;
  /** temporal filter (default 'ideal') */
  filter: 'ideal' | 'butter';
  /** chroma attenuation of the colour version; no effect on gray volumes (default 1) */
  chromAttenuation: number;
}

export const EVM_DEFAULTS: Readonly<EvmParams> = Object.freeze({
  alpha: 10, lambdaC: 16, fl: 0.4, fh: 3, fps: 200, filter: 'ideal', chromAttenuation: 1,
});

/** Smallest side of the coarsest pyramid level. */
const MIN_LEVEL_SIDE = 4;
const MAX_LEVELS = 8;
const BINOM5 = [1 / 16, 4 / 16, 6 / 16, 4 / 16, 1 / 16];
/** the authors' "exaggeration factor" on the attenuated α */
const EXAGGERATION = 2;

const reflect = (i: number, n: number): number => {
  if (n === 1) return 0;
  while (i < 0 || i >= n) i = i < 0 ? -i : 2 * (n - 1) - i;
  return i;
};

/** Blur with the binomial kernel and keep every other sample. */
function reduce(src: Float32Array, w: number, h: number): { data: Float32Array; w: number; h: number } {
  const nw = Math.ceil(w / 2), nh = Math.ceil(h / 2);
  const tmp = new Float32Array(nw * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < nw; x++) {
    let s = 0;
    for (let k = -2; k <= 2; k++) s += BINOM5[k + 2] * src[y * w + reflect(2 * x + k, w)];
    tmp[y * nw + x] = s;
  }
  const out = new Float32Array(nw * nh);
  for (let y = 0; y < nh; y++) for (let x = 0; x < nw; x++) {
    let s = 0;
    for (let k = -2; k <= 2; k++) s += BINOM5[k + 2] * tmp[reflect(2 * y + k, h) * nw + x];
    out[y * nw + x] = s;
  }
  return { data: out, w: nw, h: nh };
}

/** Upsample (zero insertion) to w×h and interpolate with 2×binomial. */
function expand(src: Float32Array, sw: number, sh: number, w: number, h: number): Float32Array {
  const tmp = new Float32Array(w * sh);
  for (let y = 0; y < sh; y++) for (let x = 0; x < w; x++) {
    let s = 0;
    for (let k = -2; k <= 2; k++) {
      const xx = x + k;
      const r = reflect(xx, w);
      if (r % 2 === 0 && r / 2 < sw) s += 2 * BINOM5[k + 2] * src[y * sw + r / 2];
    }
    tmp[y * w + x] = s;
  }
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    let s = 0;
    for (let k = -2; k <= 2; k++) {
      const r = reflect(y + k, h);
      if (r % 2 === 0 && r / 2 < sh) s += 2 * BINOM5[k + 2] * tmp[(r / 2) * w + x];
    }
    out[y * w + x] = s;
  }
  return out;
}

interface Pyr { bands: Float32Array[]; ws: number[]; hs: number[] }

export function laplacianPyramid(img: Float32Array, w: number, h: number, levels: number): Pyr {
  const bands: Float32Array[] = [], ws: number[] = [], hs: number[] = [];
  let cur = img, cw = w, ch = h;
  for (let l = 0; l < levels - 1; l++) {
    const r = reduce(cur, cw, ch);
    const up = expand(r.data, r.w, r.h, cw, ch);
    const band = new Float32Array(cw * ch);
    for (let i = 0; i < band.length; i++) band[i] = cur[i] - up[i];
    bands.push(band); ws.push(cw); hs.push(ch);
    cur = r.data; cw = r.w; ch = r.h;
  }
  bands.push(Float32Array.from(cur)); ws.push(cw); hs.push(ch);
  return { bands, ws, hs };
}

export function collapsePyramid(p: Pyr): Float32Array {
  const L = p.bands.length;
  let cur = p.bands[L - 1];
  for (let l = L - 2; l >= 0; l--) {
    const up = expand(cur, p.ws[l + 1], p.hs[l + 1], p.ws[l], p.hs[l]);
    const out = new Float32Array(up.length);
    for (let i = 0; i < out.length; i++) out[i] = up[i] + p.bands[l][i];
    cur = out;
  }
  return cur;
}

/** Band-pass each of the `len` series (stride `len`, T samples) in place. */
function idealBandpass(series: Float64Array, T: number, len: number, fl: number, fh: number, fps: number): void {
  const keep: boolean[] = [];
  for (let k = 0; k < T; k++) {
    const f = (Math.min(k, T - k) * fps) / T;
    keep.push(f >= fl && f <= fh);
  }
  const cosT = new Float64Array(T * T), sinT = new Float64Array(T * T);
  for (let k = 0; k < T; k++) for (let t = 0; t < T; t++) {
    cosT[k * T + t] = Math.cos((2 * Math.PI * k * t) / T);
    sinT[k * T + t] = Math.sin((2 * Math.PI * k * t) / T);
  }
  const re = new Float64Array(T), im = new Float64Array(T), x = new Float64Array(T);
  for (let i = 0; i < len; i++) {
    for (let t = 0; t < T; t++) x[t] = series[t * len + i];
    for (let k = 0; k < T; k++) {
      if (!keep[k]) { re[k] = 0; im[k] = 0; continue; }
      let a = 0, b = 0;
      for (let t = 0; t < T; t++) { a += x[t] * cosT[k * T + t]; b -= x[t] * sinT[k * T + t]; }
      re[k] = a; im[k] = b;
    }
    for (let t = 0; t < T; t++) {
      let s = 0;
      for (let k = 0; k < T; k++) if (keep[k]) s += re[k] * cosT[k * T + t] - im[k] * sinT[k * T + t];
      series[t * len + i] = s / T;
    }
  }
}

/** First-order Butterworth low-pass coefficients for cut-off f (Hz) at fps (bilinear transform). */
function butter1(f: number, fps: number): { b: number; a1: number } {
  const K = Math.tan((Math.PI * f) / fps);
  return { b: K / (1 + K), a1: (K - 1) / (K + 1) };
}

function butterBandpass(series: Float64Array, T: number, len: number, fl: number, fh: number, fps: number): void {
  const hi = butter1(fh, fps), lo = butter1(fl, fps);
  for (let i = 0; i < len; i++) {
    let x0 = series[i], y1 = x0, y2 = x0;
    series[i] = 0;
    for (let t = 1; t < T; t++) {
      const x = series[t * len + i];
      y1 = hi.b * (x + x0) - hi.a1 * y1;
      y2 = lo.b * (x + x0) - lo.a1 * y2;
      x0 = x;
      series[t * len + i] = y1 - y2;
    }
  }
}

export function evm(vol: Volume, params: Partial<EvmParams> = {}): Volume {
  const p: EvmParams = { ...EVM_DEFAULTS, ...params };
  const { frames: T, width: w, height: h } = vol;
  if (T < 2) throw new MerError('BAD_INPUT', `EVM needs at least 2 frames, the clip has ${T}`, { expected: '≥ 2 frames' });
  if (!(p.alpha >= 0)) throw new MerError('BAD_OPTION', `EVM alpha ${p.alpha}`, { expected: 'a number ≥ 0' });
  if (!(p.lambdaC > 0)) throw new MerError('BAD_OPTION', `EVM lambdaC ${p.lambdaC}`, { expected: 'a positive number of pixels' });
  if (!(p.fps > 0 && p.fl >= 0 && p.fh > p.fl && p.fh <= p.fps / 2)) {
    throw new MerError('BAD_OPTION', `EVM band ${p.fl}–${p.fh} Hz at ${p.fps} fps`, { expected: '0 ≤ fl < fh ≤ fps/2' });
  }
  let levels = p.levels ?? 1;
  if (p.levels === undefined) {
    let s = Math.min(w, h);
    while (levels < MAX_LEVELS && Math.ceil(s / 2) >= MIN_LEVEL_SIDE) { s = Math.ceil(s / 2); levels++; }
  }
  if (!Number.isInteger(levels) || levels < 1) throw new MerError('BAD_OPTION', `EVM levels ${levels}`, { expected: 'an integer ≥ 1' });
  const n = w * h;
  const pyrs: Pyr[] = [];
  for (let t = 0; t < T; t++) pyrs.push(laplacianPyramid(vol.data.subarray(t * n, (t + 1) * n), w, h, levels));
  const L = pyrs[0].bands.length;
  const delta = p.lambdaC / 8 / (1 + p.alpha);
  let lambda = Math.sqrt(h * h + w * w) / 3;
  const gains = new Array<number>(L).fill(0);
  for (let l = L - 1; l >= 0; l--) {
    const cur = EXAGGERATION * (lambda / delta / 8 - 1);
    gains[l] = l === L - 1 || l === 0 ? 0 : Math.max(0, Math.min(p.alpha, cur));
    lambda /= 2;
  }
  for (let l = 0; l < L; l++) {
    if (gains[l] === 0) continue;
    const len = pyrs[0].bands[l].length;
    const series = new Float64Array(T * len);
    for (let t = 0; t < T; t++) series.set(pyrs[t].bands[l], t * len);
    if (p.filter === 'ideal') idealBandpass(series, T, len, p.fl, p.fh, p.fps);
    else if (p.filter === 'butter') butterBandpass(series, T, len, p.fl, p.fh, p.fps);
    else throw new MerError('BAD_OPTION', `EVM filter '${String(p.filter)}'`, { expected: "'ideal' or 'butter'" });
    for (let t = 0; t < T; t++) {
      const band = pyrs[t].bands[l];
      for (let i = 0; i < len; i++) band[i] += gains[l] * series[t * len + i];
    }
  }
  const out = makeVolume(T, h, w);
  for (let t = 0; t < T; t++) out.data.set(collapsePyramid(pyrs[t]), t * n);
  return out;
}
