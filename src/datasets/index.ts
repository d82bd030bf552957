/**
 * Dataset registry: `openDataset('<kind>:<path>')` as the CLI's --dataset.
 * A spec may carry options after '?', e.g.
 *   features:../shared/data/casme2-lbptop-5x5/features.csv?dataset=casme2
 *   smic:/data/SMIC?modality=NIR
 *   casme2:/data/CASME2?sheet=/data/CASME2-coding-20140508.xlsx
 * (the last '?' of the spec starts the options).
 */
import type { Dataset } from '../core/clip.ts';
import { MerError } from '../core/errors.ts';
import { openCasme } from './casme.ts';
import { openCasme2 } from './casme2.ts';
import { openCasme3 } from './casme3.ts';
import { requirePath } from './common.ts';
import { openFeatures } from './features.ts';
import { openFlowdir } from './flowdir.ts';
import { openMegc2019 } from './megc2019.ts';
import { openSamm } from './samm.ts';
import { openSmic, type SmicModality } from './smic.ts';
import { openSynthetic } from './syntheticAdapter.ts';

export interface OpenDatasetOptions {
  /** coding sheet for sheet-driven kinds (casme2, casme, samm, smic, casme3, synthetic) */
  readonly sheet?: string;
  /** dataset part for feature tables without a dataset column */
  readonly dataset?: string;
  /** SMIC modality: HS, VIS or NIR */
  readonly modality?: string;
  /** MEGC 2019 composite parts given separately */
  readonly casme2?: string;
  readonly samm?: string;
  readonly smic?: string;
}

type Opener = (path: string, opts: OpenDatasetOptions) => Promise<Dataset>;

function smicModality(m: string | undefined): SmicModality | undefined {
  if (m === undefined) return undefined;
  const u = m.toUpperCase();
  if (u === 'HS' || u === 'VIS' || u === 'NIR') return u;
  throw new MerError('BAD_OPTION', `unknown SMIC modality "${m}"`, { expected: 'HS, VIS or NIR' });
}

const KINDS: Readonly<Record<string, { open: Opener; layout: string }>> = {
  casme2: { open: (p, o) => openCasme2(p, { sheet: o.sheet }), layout: 'subNN/EPxx_xx/imgN.jpg + CASME2-coding-*.xlsx' },
  samm: { open: (p, o) => openSamm(p, { sheet: o.sheet }), layout: '006/006_1_2/006_05562.jpg + SAMM .xlsx' },
  smic: { open: (p, o) => openSmic(p, { sheet: o.sheet, modality: smicModality(o.modality) }), layout: 'HS/s1/micro/negative/s1_ne_01/image*.bmp [+ smic_apex.xlsx]' },
  casme: { open: (p, o) => openCasme(p, { sheet: o.sheet }), layout: 'subNN/EPxx_y/<frames> + *coding*.xlsx' },
  casme3: { open: (p, o) => openCasme3(p, { sheet: o.sheet }), layout: 'spNO.N/<letter>/color/<N>.jpg + casme3_table.xlsx' },
  megc2019: { open: (p, o) => openMegc2019(p, { casme2: o.casme2, samm: o.samm, smic: o.smic }), layout: 'CASME2/ + SAMM/ + SMIC/' },
  flowdir: { open: (p) => openFlowdir(p), layout: 'labels.csv + flow/*.png [+ apex/*.jpg]' },
  features: { open: (p, o) => openFeatures(p, { dataset: o.dataset }), layout: 'a CSV: subject, clip, emotion, numeric features' },
  synthetic: { open: (p, o) => openSynthetic(p, { sheet: o.sheet }), layout: 'merkit synth output: subNN/EPxx_xx/imgN.jpg + synthetic-coding.xlsx' },
  ckplus: { open: async (p) => (await import('./ckplus.ts')).openCkplus(p), layout: '<emotion>/S<subject>_<seq>_<frame>.png (CK+ 48×48)' },
};

export function datasetKinds(): string[] {
  return Object.keys(KINDS);
}

/** Split '<kind>:<path>[?k=v&…]' into its parts. */
export function parseDatasetSpec(spec: string): { kind: string; path: string; options: Record<string, string> } {
  const i = spec.indexOf(':');
  const kinds = datasetKinds().join(', ');
  if (i <= 0) throw new MerError('BAD_OPTION', `dataset "${spec}" is not <kind>:<path>`, { expected: `<kind>:<path> with kind one of ${kinds}` });
  const kind = spec.slice(0, i).trim().toLowerCase();
  let path = spec.slice(i + 1).trim();
  const options: Record<string, string> = {};
  const q = path.lastIndexOf('?');
  if (q >= 0 && /^[a-z0-9]+=/.test(path.slice(q + 1))) {
    for (const kv of path.slice(q + 1).split('&')) {
      const [k, ...v] = kv.split('=');
      if (k) options[k] = decodeURIComponent(v.join('='));
    }
    path = path.slice(0, q);
  }
  return { kind, path, options };
}

/** Open a dataset given as '<kind>:<path>'. Unknown kind or missing path → MerError listing the kinds. */
export async function openDataset(spec: string, opts: OpenDatasetOptions = {}): Promise<Dataset> {
  const { kind, path, options } = parseDatasetSpec(spec);
  const k = KINDS[kind];
  const kinds = datasetKinds().join(', ');
  if (!k) throw new MerError('BAD_OPTION', `unknown dataset kind "${kind}"`, { expected: `one of ${kinds}` });
  if (!path) throw new MerError('BAD_OPTION', `dataset "${spec}" names no path`, { expected: `${kind}:<path> (${k.layout})` });
  requirePath(path, `${kind} dataset`, `${k.layout}; kinds: ${kinds}`);
  return k.open(path, { ...options, ...opts });
}

export { applyLabels, getLabelScheme, listLabelSchemes, originalScheme } from './labelSchemes.ts';
export { inspectDataset, formatInspect } from './inspect.ts';
export { openCasme, openCasme2, openCasme3, openFeatures, openFlowdir, openMegc2019, openSamm, openSmic, openSynthetic };
