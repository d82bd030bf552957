/**
 * Temporal Interpolation Model (Zhou, Zhao, Pietikäinen, "Towards a practical
 * lipreading system", CVPR 2011), as used for micro-expressions since
 * Pfister et al. 2011 to bring every clip to a fixed frame count.
 *
 * The N frames are taken as points of a 1-D manifold embedded by the
 * eigenvectors of the path graph's Laplacian; without the constant one these
 * are, in closed form, y_k(t) = sin(πk·t/N + π(N−k)/(2N)) = cos(πk(t − ½)/N),
 * t = 1..N, k = 1..N−1 (the DCT-II basis). The authors' TrainPGM/synPGM learn
 * the linear map from the curve to the mean-centred frames and evaluate the
 * curve at new positions pos ∈ (0, 1]. Because the mean-centred frames lie in
 * the span of the y_k, that map is X_c·pinv(Y), so new frame j is
 *
 *   x(pos_j) = μ + Σ_t (x_t − μ)·A(t, j),  A = pinv(Y)·Y(pos),
 *
 * computed here without the SVD of the pixel matrix (identical result, and it
 * also works when frames are linearly dependent, where TrainPGM refuses).
 * Output positions: pos_j = 1/N + (j/(n−1))·(1 − 1/N), j = 0..n−1, so the
 * first and last output frames are the first and last input frames, and
 * n = N reproduces the input.
 */
import { MerError } from '../core/errors.ts';
import { makeVolume, type Volume } from '../core/image.ts';

/** Interpolation weights A (N × n, row-major): output j = μ + Σ_t (x_t − μ)·A[t·n + j]. */
export function timWeights(N: number, n: number): Float64Array {
  const A = new Float64Array(N * n);
  const pos = new Float64Array(n);
  for (let j = 0; j < n; j++) pos[j] = n === 1 ? 1 / N : 1 / N + (j / (n - 1)) * (1 - 1 / N);
  // rows of Y are orthogonal with squared norm N/2, so pinv(Y) = Yᵀ·(2/N)
  for (let k = 1; k < N; k++) {
    for (let t = 0; t < N; t++) {
      const yt = Math.cos((Math.PI * k * (t + 0.5)) / N) * (2 / N);
      for (let j = 0; j < n; j++) {
        A[t * n + j] += yt * Math.sin(pos[j] * k * Math.PI + (Math.PI * (N - k)) / (2 * N));
      }
    }
  }
  return A;
}

/** Resample a clip to n frames with TIM. */
export function tim(vol: Volume, n: number): Volume {
  const N = vol.frames;
  if (!Number.isInteger(n) || n < 1) throw new MerError('BAD_OPTION', `TIM frame count ${n}`, { expected: 'a positive integer' });
  if (N < 2) throw new MerError('BAD_INPUT', `TIM needs at least 2 frames, the clip has ${N}`, { expected: '≥ 2 frames' });
  const px = vol.width * vol.height;
  const mu = new Float64Array(px);
  for (let t = 0; t < N; t++) { const o = t * px; for (let i = 0; i < px; i++) mu[i] += vol.data[o + i]; }
  for (let i = 0; i < px; i++) mu[i] /= N;
  const A = timWeights(N, n);
  const out = makeVolume(n, vol.height, vol.width);
  const acc = new Float64Array(px);
  for (let j = 0; j < n; j++) {
    acc.set(mu);
    for (let t = 0; t < N; t++) {
      const a = A[t * n + j];
      if (a === 0) continue;
      const o = t * px;
      for (let i = 0; i < px; i++) acc[i] += (vol.data[o + i] - mu[i]) * a;
    }
    out.data.set(acc, j * px);
  }
  return out;
}
