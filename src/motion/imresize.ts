/**
 * MATLAB-style `imresize(A, [h w])` (default 'bicubic', antialiasing on when
 * shrinking) for one float plane. This is how the STSTNet authors made their
 * 28×28 flow images (MATLAB; see flowImage.ts). Separable: the width first,
 * then the height. Keys' cubic with a = −0.5 (MATLAB's), kernel widened by
 * 1/scale when shrinking, weights normalised to sum 1, out-of-range taps
 * mirrored (symmetric padding) as MATLAB does.
 */

/** MATLAB's cubic kernel (Keys, a = −0.5). */
function cubic(x: number): number {
  const a = Math.abs(x);
  const a2 = a * a, a3 = a2 * a;
  if (a <= 1) return 1.5 * a3 - 2.5 * a2 + 1;
  if (a <= 2) return -0.5 * a3 + 2.5 * a2 - 4 * a + 2;
  return 0;
}
/** Support of the cubic kernel (taps on each side × 2). */
const KERNEL_WIDTH = 4;

interface Contribs { idx: Int32Array; wts: Float64Array; taps: number }

function contributions(inLen: number, outLen: number): Contribs {
  const scale = outLen / inLen;
  const aa = scale < 1;
  const width = aa ? KERNEL_WIDTH / scale : KERNEL_WIDTH;
  const taps = Math.ceil(width) + 2;
  const idx = new Int32Array(outLen * taps);
  const wts = new Float64Array(outLen * taps);
  for (let i = 0; i < outLen; i++) {
    // 1-based MATLAB coordinates
    const u = (i + 1) / scale + 0.5 * (1 - 1 / scale);
    const left = Math.floor(u - width / 2);
    let sum = 0;
    for (let k = 0; k < taps; k++) {
      const j = left + k;
      const d = u - j;
      const wgt = aa ? scale * cubic(scale * d) : cubic(d);
      wts[i * taps + k] = wgt;
      sum += wgt;
      // mirror into 1..inLen, then to 0-based
      let m = j - 1;
      const period = 2 * inLen;
      m = ((m % period) + period) % period;
      if (m >= inLen) m = period - 1 - m;
      idx[i * taps + k] = m;
    }
    for (let k = 0; k < taps; k++) wts[i * taps + k] /= sum;
  }
  return { idx, wts, taps };
}

/** Resize plane src (sw×sh) to (dw×dh), MATLAB imresize bicubic semantics. */
export function imresize(src: Float32Array, sw: number, sh: number, dw: number, dh: number): Float32Array {
  const cx = contributions(sw, dw);
  const mid = new Float32Array(dw * sh);
  for (let y = 0; y < sh; y++) {
    for (let x = 0; x < dw; x++) {
      let s = 0;
      for (let k = 0; k < cx.taps; k++) s += src[y * sw + cx.idx[x * cx.taps + k]] * cx.wts[x * cx.taps + k];
      mid[y * dw + x] = s;
    }
  }
  const cy = contributions(sh, dh);
  const out = new Float32Array(dw * dh);
  for (let y = 0; y < dh; y++) {
    for (let x = 0; x < dw; x++) {
      let s = 0;
      for (let k = 0; k < cy.taps; k++) s += mid[cy.idx[y * cy.taps + k] * dw + x] * cy.wts[y * cy.taps + k];
      out[y * dw + x] = s;
    }
  }
  return out;
}
