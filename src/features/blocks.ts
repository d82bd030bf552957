/**
 * Grid partition of a frame / volume into rows × cols non-overlapping blocks.
 *
 * Edges exactly as the CASME II baseline script (main_CASME2_LBPTOP.m) cuts
 * them before calling LBPTOP.m on each block:
 *   bh = floor(H / rows), bw = floor(W / cols)
 *   block (r, c) = rows [r·bh, (r+1)·bh), columns [c·bw, (c+1)·bw)   (0-based)
 * so the last H mod rows rows and W mod cols columns are NOT used
 * (remainder: 'drop', the default). remainder: 'spread' instead covers the
 * whole frame with edges round(k·H/rows).
 *
 * Order: row-major — all blocks of the top row left to right, then the next
 * row (the script's `for ii = rows, for jj = cols` with the histograms appended
 * in that order). Block index = r·cols + c.
 */
import { MerError } from '../core/errors.ts';

export interface Block {
  readonly index: number;
  readonly row: number;
  readonly col: number;
  /** rows [y0, y1), columns [x0, x1) */
  readonly y0: number;
  readonly y1: number;
  readonly x0: number;
  readonly x1: number;
}

export interface BlockOptions {
  /** 'drop' (LBPTOP script, default): equal floor-sized blocks; 'spread': cover every pixel */
  remainder?: 'drop' | 'spread';
}

/** the n + 1 edges of n blocks along an axis of `length` pixels */
export function blockEdges(length: number, n: number, remainder: 'drop' | 'spread' = 'drop'): number[] {
  if (!Number.isInteger(n) || n < 1) throw new MerError('BAD_OPTION', `block count must be a positive integer, got ${n}`);
  if (length < n) {
    throw new MerError('BAD_INPUT', `cannot cut ${length} pixels into ${n} blocks`, { expected: `at least ${n} pixels` });
  }
  const edges: number[] = [];
  if (remainder === 'drop') {
    const size = Math.floor(length / n);
    for (let k = 0; k <= n; k++) edges.push(k * size);
  } else {
    for (let k = 0; k <= n; k++) edges.push(Math.round((k * length) / n));
  }
  return edges;
}

/** rows × cols blocks of an H×W frame (or of every frame of a volume), row-major */
export function blocks(
  volume: { readonly height: number; readonly width: number },
  rows: number,
  cols: number,
  opts: BlockOptions = {},
): Block[] {
  const ys = blockEdges(volume.height, rows, opts.remainder);
  const xs = blockEdges(volume.width, cols, opts.remainder);
  const out: Block[] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      out.push({ index: r * cols + c, row: r, col: c, y0: ys[r], y1: ys[r + 1], x0: xs[c], x1: xs[c + 1] });
    }
  }
  return out;
}
