// BullMQ loads its sandboxed processor with a bare import(): this shim
// registers the TypeScript loader in the worker thread first (as bin/merkit.js
// does for the CLI), then hands over to bullmqProcessor.ts.
import { register } from 'tsx/esm/api';
register();
const { default: processJob } = await import('./bullmqProcessor.ts');
export default processJob;
