/**
 * The tfjs namespace merkit's networks use: @tensorflow/tfjs-core (tensors,
 * ops, optimizers, io), @tensorflow/tfjs-layers (Layer, LayersModel,
 * serialization; its Node bundle also registers the gradients of core's
 * kernels, the same 101 as the umbrella package) and the cpu backend (tfjs's
 * reference kernels, `initBackend({ backend: 'cpu' })`); backend.ts registers
 * the wasm backend.
 *
 * Not the umbrella @tensorflow/tfjs: it adds the graph-model converter,
 * tfjs-data and WebGL (≈ 200 MB installed), and only face detection needs it
 * (see face/detect.ts), so it is an optional peer dependency. Without it the
 * chained tensor methods (`t.reshape()`, `t.sum()`) are not installed on the
 * Tensor class: merkit's code calls the functions (`tf.reshape(t, …)`).
 */
import '@tensorflow/tfjs-backend-cpu';

export * from '@tensorflow/tfjs-core';
export * from '@tensorflow/tfjs-layers';
