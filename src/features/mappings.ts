/**
 * LBP code mappings: lookup tables from a basic P-bit LBP code to a histogram bin.
 *
 * Numbering follows Ojala/Heikkilä's MATLAB `getmapping.m` (the one every LBP
 * toolbox copies):
 * - 'u2'   uniform patterns (≤ 2 circular 0/1 transitions) numbered 0, 1, … in
 *          increasing code order; every non-uniform code shares the LAST bin
 *          P(P−1)+2. P = 8 → 59 bins (58 uniform + 1).
 * - 'ri'   rotation invariant: each code maps to the class of its minimal
 *          rotation; classes numbered in order of first appearance (increasing
 *          code). P = 8 → 36 bins.
 * - 'riu2' rotation invariant uniform: uniform codes → their number of 1 bits
 *          (0…P), non-uniform → P+1. P = 8 → 10 bins.
 * - 'none' identity, 2^P bins.
 *
 * and one more numbering, the one the LBP-TOP authors actually used:
 * - 'u2-zhao' the table of Zhao & Pietikäinen's `UniformLBP8.txt` (read by
 *          LBPTOP.m and by the CASME II baseline script): non-uniform codes →
 *          bin 0, uniform codes → 1, 2, … in increasing code order (59 bins
 *          for P = 8). That file itself is not public in our index; the
 *          numbering was established from the released CASME II features
 *          (`casme2-lbptop-5x5/features.csv`, computed with P = 4 codes looked
 *          up in this 8-bit table: bins 0–11 only, bin 0 = all codes that are
 *          non-uniform as 8-bit patterns; the per-bin frequencies match the
 *          4-bit code frequencies of a real CASME II clip). To reproduce that
 *          file use `lbpMapping(8, 'u2-zhao')` with P = 4 in every plane.
 */
import { MerError } from '../core/errors.ts';

export type LbpMappingKind = 'u2' | 'ri' | 'riu2' | 'none' | 'u2-zhao';

export interface LbpMapping {
  /** bin of each basic code 0 … 2^P − 1 */
  readonly table: Uint16Array;
  /** number of histogram bins */
  readonly bins: number;
}

/** Largest P supported: tables have 2^P entries (P = 16 → 65 536). */
const MAX_POINTS = 16;

/** circular rotate-left by one inside `p` bits (getmapping.m's bitshift/bitset step) */
function rotl1(code: number, p: number): number {
  const mask = (1 << p) - 1;
  return ((code << 1) & mask) | ((code >>> (p - 1)) & 1);
}

/** number of 0/1 transitions going once around the circle */
export function lbpTransitions(code: number, p: number): number {
  let x = code ^ rotl1(code, p);
  let n = 0;
  while (x) {
    n += x & 1;
    x >>>= 1;
  }
  return n;
}

function popcount(x: number): number {
  let n = 0;
  while (x) {
    n += x & 1;
    x >>>= 1;
  }
  return n;
}

/** The lookup table for P sampling points (see the file comment for the numberings). */
export function lbpMapping(P: number, kind: LbpMappingKind): LbpMapping {
  if (!Number.isInteger(P) || P < 1 || P > MAX_POINTS) {
    throw new MerError('BAD_OPTION', `LBP points must be an integer in 1..${MAX_POINTS}, got ${P}`, {
      expected: `1..${MAX_POINTS}`,
    });
  }
  const n = 1 << P;
  const table = new Uint16Array(n);
  switch (kind) {
    case 'none':
      for (let i = 0; i < n; i++) table[i] = i;
      return { table, bins: n };
    case 'u2':
    case 'u2-zhao': {
      const zhao = kind === 'u2-zhao';
      const nonUniformBin = zhao ? 0 : P * (P - 1) + 2;
      let next = zhao ? 1 : 0;
      for (let i = 0; i < n; i++) table[i] = lbpTransitions(i, P) <= 2 ? next++ : nonUniformBin;
      // P = 1, 2 have no non-uniform codes; the bin count stays the formula's.
      return { table, bins: P * (P - 1) + 3 };
    }
    case 'ri': {
      const classOf = new Int32Array(n).fill(-1);
      let next = 0;
      for (let i = 0; i < n; i++) {
        let rm = i;
        let r = i;
        for (let j = 1; j < P; j++) {
          r = rotl1(r, P);
          if (r < rm) rm = r;
        }
        if (classOf[rm] < 0) classOf[rm] = next++;
        table[i] = classOf[rm];
      }
      return { table, bins: next };
    }
    case 'riu2':
      for (let i = 0; i < n; i++) table[i] = lbpTransitions(i, P) <= 2 ? popcount(i) : P + 1;
      return { table, bins: P + 2 };
    default:
      throw new MerError('BAD_OPTION', `unknown LBP mapping '${String(kind)}'`, {
        expected: "'u2', 'ri', 'riu2', 'none' or 'u2-zhao'",
      });
  }
}

/** A mapping given by name (built for P) or as a ready table (must cover 2^P codes). */
export function resolveMapping(P: number, mapping: LbpMappingKind | LbpMapping): LbpMapping {
  if (typeof mapping === 'string') return lbpMapping(P, mapping);
  if (mapping.table.length < 1 << P) {
    throw new MerError('BAD_OPTION', `LBP mapping table has ${mapping.table.length} entries, too few for P = ${P}`, {
      expected: `at least 2^${P} = ${1 << P} entries`,
    });
  }
  return mapping;
}
