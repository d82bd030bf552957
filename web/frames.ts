/**
 * Frames in the page from the browser's own <video>: the webcam, and the
 * fallback for files the analysis worker cannot decode itself (not H.264 in
 * MP4: the element seeked frame by frame, drawn on a canvas — slow, and
 * through the browser's scaler and colour path, so not bit-identical to
 * `merkit analyze`; webDecode.ts is the main path). Each frame becomes a gray
 * Float32 image in [0, 1] (BT.601 luma) at a capped size.
 */
import type { Image } from '../src/core/image.ts';

/** frames are drawn at most this many pixels on their longer side: enough for detection and a 128-px face crop */
export const MAX_SIDE = 640;
/** give up on a seek after this long (a stalled decoder must not hang the page) */
const SEEK_TIMEOUT_MS = 10000;

export function scaledSize(w: number, h: number): { width: number; height: number } {
  const s = Math.min(1, MAX_SIDE / Math.max(w, h));
  return { width: Math.max(1, Math.round(w * s)), height: Math.max(1, Math.round(h * s)) };
}

/** Gray image of what is on a canvas. */
export function canvasGray(ctx: CanvasRenderingContext2D, width: number, height: number): Image {
  const rgba = ctx.getImageData(0, 0, width, height).data;
  const out = new Float32Array(width * height);
  for (let i = 0, j = 0; i < out.length; i++, j += 4) out[i] = (0.299 * rgba[j] + 0.587 * rgba[j + 1] + 0.114 * rgba[j + 2]) / 255;
  return { width, height, channels: 1, data: out };
}

function once(el: HTMLMediaElement, ok: string, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => done(new Error(`the browser took too long to ${what}`)), SEEK_TIMEOUT_MS);
    const onOk = () => done();
    const onErr = () => done(new Error(`the browser cannot decode this file (${el.error?.message || 'unsupported format or codec'})`));
    function done(e?: Error) {
      clearTimeout(t);
      el.removeEventListener(ok, onOk);
      el.removeEventListener('error', onErr);
      if (e) reject(e);
      else resolve();
    }
    el.addEventListener(ok, onOk);
    el.addEventListener('error', onErr);
  });
}

/** Open a file in the video element; rejects with a readable message when the browser cannot play it. */
export async function openVideoFile(video: HTMLVideoElement, file: File): Promise<{ duration: number; width: number; height: number }> {
  if (file.type && !file.type.startsWith('video/')) throw new Error(`'${file.name}' is not a video (${file.type}); choose an .mp4 or .webm file`);
  const url = URL.createObjectURL(file);
  const meta = once(video, 'loadeddata', 'open the video');
  video.src = url;
  video.load();
  await meta;
  if (!(video.videoWidth > 0 && Number.isFinite(video.duration) && video.duration > 0)) throw new Error(`'${file.name}' has no decodable video track`);
  return { duration: video.duration, width: video.videoWidth, height: video.videoHeight };
}

/** Draw frame `i` (at fps) on the canvas: seek to the middle of the frame's display interval. */
export async function drawFrameAt(video: HTMLVideoElement, ctx: CanvasRenderingContext2D, i: number, fps: number): Promise<void> {
  const t = Math.min((i + 0.5) / fps, Math.max(0, video.duration - 1e-3));
  if (Math.abs(video.currentTime - t) > 1e-6) {
    const seeked = once(video, 'seeked', 'seek');
    video.currentTime = t;
    await seeked;
  }
  ctx.drawImage(video, 0, 0, ctx.canvas.width, ctx.canvas.height);
}

/** Planar RGB image in [0, 1] of what is on a canvas (what the face detector needs: gray frames lose faces). */
export function canvasRgb(ctx: CanvasRenderingContext2D, width: number, height: number): Image {
  const rgba = ctx.getImageData(0, 0, width, height).data;
  const n = width * height;
  const out = new Float32Array(3 * n);
  for (let i = 0, j = 0; i < n; i++, j += 4) {
    out[i] = rgba[j] / 255;
    out[n + i] = rgba[j + 1] / 255;
    out[2 * n + i] = rgba[j + 2] / 255;
  }
  return { width, height, channels: 3, data: out };
}

/** Draw a gray or planar RGB image ([0, 1]) on a canvas of its own size. */
export function imageToCanvas(img: Image, canvas: HTMLCanvasElement = document.createElement('canvas')): HTMLCanvasElement {
  canvas.width = img.width;
  canvas.height = img.height;
  const ctx = canvas.getContext('2d')!;
  const out = ctx.createImageData(img.width, img.height);
  const n = img.width * img.height;
  const q = (v: number) => (v <= 0 ? 0 : v >= 1 ? 255 : Math.round(v * 255));
  for (let i = 0; i < n; i++) {
    const r = img.data[i];
    out.data[4 * i] = q(r);
    out.data[4 * i + 1] = q(img.channels === 3 ? img.data[n + i] : r);
    out.data[4 * i + 2] = q(img.channels === 3 ? img.data[2 * n + i] : r);
    out.data[4 * i + 3] = 255;
  }
  ctx.putImageData(out, 0, 0);
  return canvas;
}
