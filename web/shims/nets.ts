/**
 * Stand-in for src/nets/index.ts in the page: network models (tfjs training
 * engine, .pth import) are Node-side; the page classifies with the classical
 * learners only, so no network loader is registered here.
 */
export {};
