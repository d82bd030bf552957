/**
 * Loading a clip's frames into memory: the one place where a ClipRef's
 * source (frame files, a video range, in-memory frames) becomes a Volume.
 */
import type { ClipRef } from '../core/clip.ts';
import { MerError } from '../core/errors.ts';
import { stackFrames, type Image, type Volume } from '../core/image.ts';
import { resizeImage } from '../core/resize.ts';
import { readImage } from './image.ts';
import { decodeVideoFrames } from './video.ts';

export interface LoadClipOptions {
  /** resize every frame to this size (width, height); undefined keeps the source size */
  size?: { width: number; height: number };
}

function sized(img: Image, opts: LoadClipOptions): Image {
  if (!opts.size || (img.width === opts.size.width && img.height === opts.size.height)) return img;
  return resizeImage(img, opts.size.width, opts.size.height);
}

/** All frames of a clip as a gray Volume (frame 0 = the clip's first frame). */
export async function loadClipVolume(clip: ClipRef, opts: LoadClipOptions = {}): Promise<Volume> {
  const s = clip.source;
  const id = `${clip.dataset}/${clip.subject}/${clip.clip}`;
  switch (s.kind) {
    case 'frames': {
      if (s.files.length === 0) throw new MerError('BAD_INPUT', 'clip has no frames', { clip: id });
      const frames: Image[] = [];
      for (const f of s.files) frames.push(sized(await readImage(f, { mode: 'gray' }), opts));
      return stackFrames(frames);
    }
    case 'video': {
      const frames: Image[] = [];
      for await (const f of decodeVideoFrames(s.file, { mode: 'gray', start: s.start, end: s.end })) frames.push(sized(f, opts));
      if (frames.length === 0) throw new MerError('BAD_INPUT', 'no frames decoded from the video range', { file: s.file, clip: id });
      return stackFrames(frames);
    }
    case 'memory': {
      const n = s.width * s.height;
      const frames: Image[] = [];
      for (let t = 0; t < s.count; t++) {
        frames.push(sized({ width: s.width, height: s.height, channels: 1, data: s.frames.subarray(t * n, (t + 1) * n) }, opts));
      }
      return stackFrames(frames);
    }
    default:
      throw new MerError('UNSUPPORTED', `a '${s.kind}' clip has no frames to load`, { clip: id });
  }
}

/** The trailing frame number of a frame file name ('img46.jpg' → 46, '006_05562.jpg' → 5562). */
export function frameNumberOf(file: string): number | undefined {
  const m = /(\d+)\.[A-Za-z0-9]+$/.exec(file);
  return m ? Number(m[1]) : undefined;
}

/**
 * The onset and apex as 0-based indices into the loaded volume, from the
 * clip's annotation (frame numbers in the database's own numbering). For frame
 * files the numbers are read from the file names, so gaps in a folder do not
 * shift the apex; otherwise the volume is assumed to start at the onset.
 * Returns apex undefined when the clip has no usable apex annotation.
 */
export function annotatedIndices(clip: ClipRef, frameCount: number): { onset: number; apex?: number } {
  if (clip.apex === undefined) return { onset: 0 };
  const s = clip.source;
  if (s.kind === 'frames') {
    const nums = s.files.map(frameNumberOf);
    if (nums.every((n) => n !== undefined)) {
      const onsetIdx = clip.onset !== undefined ? nums.indexOf(clip.onset) : 0;
      let apexIdx = nums.indexOf(clip.apex);
      if (apexIdx < 0) {
        // apex frame missing from the folder: take the nearest existing frame
        let best = Infinity;
        nums.forEach((n, i) => {
          const d = Math.abs((n as number) - (clip.apex as number));
          if (d < best) { best = d; apexIdx = i; }
        });
      }
      const onset = onsetIdx >= 0 ? onsetIdx : 0;
      return apexIdx > onset ? { onset, apex: apexIdx } : { onset };
    }
  }
  if (clip.onset === undefined) return { onset: 0 };
  const apex = clip.apex - clip.onset;
  return apex > 0 && apex < frameCount ? { onset: 0, apex } : { onset: 0 };
}
