/**
 * The colour an H.264 stream in MP4 declares: its sequence parameter set's
 * VUI (video_full_range_flag and matrix_coefficients; ITU-T H.264 7.3.2.1.1
 * and E.1.1), out of the avcC record, or else the MP4's 'colr' box.
 *
 * Why merkit reads it itself: the page and `merkit analyze` must convert the
 * decoded planes with the same matrix and range. Decoders report them
 * differently when the stream says nothing: ffmpeg then reports no colour
 * (BT.601 limited is applied), while Chromium's VideoFrame.colorSpace
 * guesses (on the synthetic videos its frames differed from the CLI's by up
 * to 8 grey levels until both took the colour from here). Browser-safe.
 */
import type { YuvColour } from './yuv.ts';
import { colourOf } from './yuv.ts';

/** H.264 Table E-5 matrix_coefficients → ffmpeg/WebCodecs names (1 = BT.709; 5, 6 = BT.601; others treated as BT.601) */
const MATRIX: Record<number, string> = { 1: 'bt709', 5: 'bt470bg', 6: 'smpte170m' };

class Bits {
  private pos = 0;
  constructor(private readonly b: Uint8Array) {}
  bit(): number {
    const byte = this.b[this.pos >> 3];
    if (byte === undefined) throw new RangeError('SPS ends early');
    const v = (byte >> (7 - (this.pos & 7))) & 1;
    this.pos++;
    return v;
  }
  bits(n: number): number {
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 2 + this.bit();
    return v;
  }
  /** unsigned Exp-Golomb */
  ue(): number {
    let zeros = 0;
    while (this.bit() === 0) if (++zeros > 31) throw new RangeError('bad Exp-Golomb code');
    return 2 ** zeros - 1 + this.bits(zeros);
  }
  se(): number {
    const k = this.ue();
    return k % 2 ? (k + 1) / 2 : -k / 2;
  }
}

/** RBSP of a NAL unit: emulation-prevention bytes (00 00 03) removed */
function rbsp(nal: Uint8Array): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < nal.length; i++) {
    if (i >= 2 && nal[i] === 3 && nal[i - 1] === 0 && nal[i - 2] === 0) continue;
    out.push(nal[i]);
  }
  return Uint8Array.from(out);
}

function skipScalingList(r: Bits, size: number): void {
  let last = 8;
  let next = 8;
  for (let j = 0; j < size; j++) {
    if (next !== 0) next = (last + r.se() + 256) % 256;
    last = next === 0 ? last : next;
  }
}

/** What a sequence parameter set NAL unit (with its 1-byte header) declares: matrix_coefficients and the full-range flag, each when present. */
export function spsColour(nal: Uint8Array): { matrix?: number; fullRange?: boolean } {
  const r = new Bits(rbsp(nal.subarray(1)));
  const profile = r.bits(8);
  r.bits(16); // constraint flags, level
  r.ue(); // seq_parameter_set_id
  if ([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135].includes(profile)) {
    const chroma = r.ue();
    if (chroma === 3) r.bit();
    r.ue(); // bit_depth_luma_minus8
    r.ue(); // bit_depth_chroma_minus8
    r.bit(); // qpprime_y_zero_transform_bypass_flag
    if (r.bit()) for (let i = 0; i < (chroma === 3 ? 12 : 8); i++) if (r.bit()) skipScalingList(r, i < 6 ? 16 : 64);
  }
  r.ue(); // log2_max_frame_num_minus4
  const poc = r.ue();
  if (poc === 0) r.ue();
  else if (poc === 1) {
    r.bit();
    r.se();
    r.se();
    for (let i = 0, n = r.ue(); i < n; i++) r.se();
  }
  r.ue(); // max_num_ref_frames
  r.bit(); // gaps_in_frame_num_value_allowed_flag
  r.ue(); // pic_width_in_mbs_minus1
  r.ue(); // pic_height_in_map_units_minus1
  if (!r.bit()) r.bit(); // frame_mbs_only_flag, mb_adaptive_frame_field_flag
  r.bit(); // direct_8x8_inference_flag
  if (r.bit()) for (let i = 0; i < 4; i++) r.ue(); // frame cropping
  if (!r.bit()) return {}; // no VUI
  if (r.bit() && r.bits(8) === 255) r.bits(32); // aspect ratio (Extended_SAR: sar_width, sar_height)
  if (r.bit()) r.bit(); // overscan
  if (!r.bit()) return {}; // no video signal type
  r.bits(3); // video_format
  const fullRange = r.bit() === 1;
  if (!r.bit()) return { fullRange };
  r.bits(16); // colour_primaries, transfer_characteristics
  return { matrix: r.bits(8), fullRange };
}

/**
 * The colour to convert an H.264 MP4 track with, as ffmpeg reports it: the
 * SPS's VUI where it says something, else the MP4 'colr' box (nclx/nclc:
 * QuickTime files carry BT.709 there, e.g. the real videos here), else
 * BT.601 limited.
 */
export function trackColour(avcC: Uint8Array, colr?: { matrix: number; fullRange?: boolean }): YuvColour {
  let sps: { matrix?: number; fullRange?: boolean } = {};
  try {
    if (avcC.length >= 8 && (avcC[5] & 0x1f) > 0) sps = spsColour(avcC.subarray(8, 8 + ((avcC[6] << 8) | avcC[7])));
  } catch {
    // an SPS we cannot read: the container's word, or the default
  }
  const matrix = sps.matrix !== undefined && sps.matrix !== 2 ? sps.matrix : colr?.matrix;
  return colourOf(matrix === undefined ? undefined : MATRIX[matrix], sps.fullRange ?? colr?.fullRange ?? false);
}
