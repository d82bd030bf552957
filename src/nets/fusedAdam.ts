/**
 * Adam with one fused SIMD pass per variable on the wasm backend.
 *
 * tfjs's AdamOptimizer runs about ten element-wise kernels per variable per
 * step (mul, add, square, div, sqrt, …), each a full pass over the weights:
 * for networks with a large dense layer at a small batch that is most of the
 * step (Dual-Inception, 6.4 M weights at batch 3: ≈ 45 of ≈ 100 ms). The
 * `adam` SIMD kernel (kernels/simd.ts) does the same float32 operations in the
 * same order in one pass, so the weights are bit-identical to tfjs's Adam
 * (test/nets/fusedAdam.test.ts); elsewhere (CPU backend, no SIMD) this is
 * tfjs's AdamOptimizer itself.
 */
import * as tf from './tf.ts';
import { heapF32, type WasmBackend } from './kernels/wasmCall.ts';
import { simdKernels } from './kernels/simd.ts';

export const ADAM_UPDATE = 'MerkitAdamUpdate';
const f = Math.fround;

interface AdamAttrs {
  beta1: number;
  beta2: number;
  /** 1 − β1ᵗ and 1 − β2ᵗ as tfjs computes them (float32) */
  omab1: number;
  omab2: number;
  epsilon: number;
  lr: number;
}

/** x, g, m, v → [x', m', v'] (wasm with SIMD only). */
function adamUpdateWasm(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs: tf.NamedAttrMap }): tf.TensorInfo[] {
  const { x, g, m, v } = args.inputs as Record<'x' | 'g' | 'm' | 'v', tf.TensorInfo>;
  const a = args.attrs as unknown as AdamAttrs;
  const backend = args.backend as WasmBackend;
  const k = simdKernels(backend);
  if (!k) throw new Error('internal: MerkitAdamUpdate needs the SIMD kernels');
  const outs = [x, m, v].map((t) => backend.makeOutput([...t.shape], 'float32'));
  const n = tf.util.sizeFromShape(x.shape);
  const [b1, ob1, b2, ob2, eps, nlr] = [f(a.beta1), f(1 - a.beta1), f(a.beta2), f(1 - a.beta2), f(a.epsilon), f(-a.lr)];
  const vec = n >> 2;
  if (vec > 0) k.adam(k.ptr(x), k.ptr(g), k.ptr(m), k.ptr(v), k.ptr(outs[0]), k.ptr(outs[1]), k.ptr(outs[2]), vec, b1, ob1, b2, ob2, a.omab1, a.omab2, eps, nlr);
  if (n > vec * 4) {
    // the last n mod 4 values: the same float32 operations, rounded after each
    const [X, G, M, V, OX, OM, OV] = [x, g, m, v, ...outs].map((t) => heapF32(backend, t));
    for (let i = vec * 4; i < n; i++) {
      const mi = f(f(M[i] * b1) + f(G[i] * ob1));
      const vi = f(f(V[i] * b2) + f(f(G[i] * G[i]) * ob2));
      OM[i] = mi;
      OV[i] = vi;
      OX[i] = f(f(f(f(mi / a.omab1) / f(f(Math.sqrt(f(vi / a.omab2))) + eps)) * nlr) + X[i]);
    }
  }
  return outs;
}

let registered = false;
function register(): void {
  if (registered) return;
  registered = true;
  tf.registerKernel({ kernelName: ADAM_UPDATE, backendName: 'wasm', kernelFunc: adamUpdateWasm as unknown as tf.KernelFunc });
}

/** tfjs's AdamOptimizer whose update is one fused SIMD kernel on wasm. */
export class FusedAdamOptimizer extends tf.AdamOptimizer {
  private readonly moments = new Map<string, { m: tf.Tensor; v: tf.Tensor }>();
  /** β1ᵗ, β2ᵗ as tfjs's float32 accumulators */
  private acc1: number;
  private acc2: number;

  constructor(learningRate: number, beta1: number, beta2: number, epsilon: number) {
    super(learningRate, beta1, beta2, epsilon);
    this.acc1 = f(beta1);
    this.acc2 = f(beta2);
  }

  override applyGradients(variableGradients: Parameters<tf.AdamOptimizer['applyGradients']>[0]): void {
    if (tf.getBackend() !== 'wasm' || !simdKernels(tf.backend())) {
      super.applyGradients(variableGradients);
      return;
    }
    register();
    const names = Array.isArray(variableGradients) ? variableGradients.map((v) => v.name) : Object.keys(variableGradients);
    const attrs: AdamAttrs = { beta1: this.beta1, beta2: this.beta2, omab1: f(1 - this.acc1), omab2: f(1 - this.acc2), epsilon: this.epsilon, lr: this.learningRate };
    tf.tidy(() => {
      names.forEach((name, i) => {
        const value = tf.engine().registeredVariables[name];
        const g = Array.isArray(variableGradients) ? variableGradients[i].tensor : variableGradients[name];
        if (!g) return;
        let s = this.moments.get(name);
        if (!s) {
          s = { m: tf.keep(tf.zerosLike(value)), v: tf.keep(tf.zerosLike(value)) };
          this.moments.set(name, s);
        }
        const [x2, m2, v2] = tf.engine().runKernel(ADAM_UPDATE, { x: value, g, m: s.m, v: s.v }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
        s.m.dispose();
        s.v.dispose();
        s.m = tf.keep(m2);
        s.v = tf.keep(v2);
        value.assign(x2);
      });
    });
    this.acc1 = f(this.acc1 * f(this.beta1));
    this.acc2 = f(this.acc2 * f(this.beta2));
    this.incrementIterations();
  }

  override dispose(): void {
    super.dispose();
    for (const s of this.moments.values()) tf.dispose([s.m, s.v]);
    this.moments.clear();
  }
}
