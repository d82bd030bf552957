/**
 * PyTorch's default initialisation of nn.Conv2d and nn.Linear
 * (`reset_parameters()` in torch 1.x / 2.x), for networks whose authors
 * trained in PyTorch and kept its defaults:
 *
 *   weight ~ kaiming_uniform_(a = √5)  ⇒  U(−b, b),  b = gain·√(3 / fan_in),
 *            gain = √(2 / (1 + a²)) = √(1/3)          ⇒  b = 1/√fan_in
 *   bias   ~ U(−1/√fan_in, 1/√fan_in)
 *
 * fan_in = in_channels · kernel_h · kernel_w (conv) or in_features (linear).
 * Keras/tfjs default to Glorot-uniform weights, b = √(6 / (fan_in + fan_out)),
 * and zero biases: for STSTNet's 400 → 3 classifier that is ±0.122 against
 * PyTorch's ±0.050, and with Adam at lr 5e-5 a weight moves at most ≈ 0.08
 * in the whole 800-epoch run, so the starting scale is not washed out.
 *
 * Values come from a merkit Rng (not torch's generator): the same
 * distribution, reproducible from merkit's seed.
 */
import { MerError } from '../core/errors.ts';
import type { Rng } from '../core/rng.ts';

/** Bound b of PyTorch's default U(−b, b) for a conv/linear weight or bias with this fan-in. */
export function torchDefaultBound(fanIn: number): number {
  if (!(Number.isInteger(fanIn) && fanIn >= 1)) throw new MerError('BAD_OPTION', `fan-in ${fanIn}`, { expected: 'an integer ≥ 1' });
  return 1 / Math.sqrt(fanIn);
}

/** n values from PyTorch's default U(−1/√fanIn, 1/√fanIn) (weights and biases alike). */
export function torchDefaultUniform(n: number, fanIn: number, rng: Rng): Float32Array {
  const b = torchDefaultBound(fanIn);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.uniform(-b, b);
  return out;
}
