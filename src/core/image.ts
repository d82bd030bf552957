/**
 * Images, volumes and flow fields: the arrays every stage passes around.
 *
 * Conventions (DESIGN.md):
 * - row-major; grayscale Float32Array in [0, 1] unless stated;
 * - colour is planar RGB: data = [R plane | G plane | B plane], each H×W;
 * - flow is in pixels per frame pair, u to the right, v down.
 */
export interface Image {
  readonly width: number;
  readonly height: number;
  /** 1 = gray, 3 = planar RGB */
  readonly channels: 1 | 3;
  readonly data: Float32Array;
}

/** A gray video volume: T frames of H×W, frame-major (t, y, x). */
export interface Volume {
  readonly frames: number;
  readonly height: number;
  readonly width: number;
  readonly data: Float32Array;
}

/** Dense optical flow: u (right) and v (down) in pixels, each H×W row-major. */
export interface FlowField {
  readonly width: number;
  readonly height: number;
  readonly u: Float32Array;
  readonly v: Float32Array;
}

export function makeImage(width: number, height: number, channels: 1 | 3 = 1, data?: Float32Array): Image {
  const n = width * height * channels;
  if (data && data.length !== n) {
    throw new RangeError(`image data has ${data.length} values, expected ${width}×${height}×${channels} = ${n}`);
  }
  return { width, height, channels, data: data ?? new Float32Array(n) };
}

export function makeVolume(frames: number, height: number, width: number, data?: Float32Array): Volume {
  const n = frames * height * width;
  if (data && data.length !== n) {
    throw new RangeError(`volume data has ${data.length} values, expected ${frames}×${height}×${width} = ${n}`);
  }
  return { frames, height, width, data: data ?? new Float32Array(n) };
}

export function makeFlow(width: number, height: number, u?: Float32Array, v?: Float32Array): FlowField {
  const n = width * height;
  if ((u && u.length !== n) || (v && v.length !== n)) throw new RangeError(`flow planes must have ${width}×${height} values`);
  return { width, height, u: u ?? new Float32Array(n), v: v ?? new Float32Array(n) };
}

/** Frame t of a volume as a gray Image (a view, no copy). */
export function volumeFrame(vol: Volume, t: number): Image {
  if (t < 0 || t >= vol.frames) throw new RangeError(`frame ${t} outside 0..${vol.frames - 1}`);
  const n = vol.width * vol.height;
  return { width: vol.width, height: vol.height, channels: 1, data: vol.data.subarray(t * n, (t + 1) * n) };
}

/** Stack equally sized gray images into a volume (copies). */
export function stackFrames(frames: readonly Image[]): Volume {
  if (frames.length === 0) throw new RangeError('cannot stack zero frames');
  const { width, height } = frames[0];
  const n = width * height;
  const out = new Float32Array(frames.length * n);
  frames.forEach((f, t) => {
    if (f.channels !== 1) throw new RangeError(`frame ${t} is not gray`);
    if (f.width !== width || f.height !== height) {
      throw new RangeError(`frame ${t} is ${f.width}×${f.height}, expected ${width}×${height}`);
    }
    out.set(f.data, t * n);
  });
  return { frames: frames.length, height, width, data: out };
}

/** ITU-R BT.601 luma of a planar RGB image. */
export function toGray(img: Image): Image {
  if (img.channels === 1) return img;
  const n = img.width * img.height;
  const out = new Float32Array(n);
  const d = img.data;
  for (let i = 0; i < n; i++) out[i] = 0.299 * d[i] + 0.587 * d[n + i] + 0.114 * d[2 * n + i];
  return { width: img.width, height: img.height, channels: 1, data: out };
}
