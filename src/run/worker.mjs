// The local pool's worker-thread entry when merkit runs from source: piscina
// starts a thread on this file, which registers the TypeScript loader in the
// thread first (a thread does not inherit it, and modules that worker.ts
// imports later, such as a recipe loaded on first use, need it), then hands
// over to worker.ts. From dist/ the pool starts threads on worker.js instead.
import { register } from 'tsx/esm/api';
register();
const { default: runTask } = await import('./worker.ts');
export default runTask;
