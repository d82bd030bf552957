/**
 * Decoding a video file in the page with WebCodecs: src/io/mp4.ts finds the
 * coded frames, a VideoDecoder decodes them one after the other (no seeking:
 * seeking re-decodes from the last key frame for every frame and cost the
 * page 90 % of its time), and each frame's 4:2:0 planes are copied out and
 * converted by src/io/yuv.ts — the conversion `merkit analyze` applies to
 * ffmpeg's planes, so both analyse the same pixels (H.264 decoding is exact:
 * every conforming decoder outputs the same planes).
 *
 * Frames come out in presentation order, as ffmpeg's `-vsync 0` gives them;
 * frames before the edit list's start (negative presentation times) are
 * decoded but dropped, as ffmpeg drops them. Works in a worker.
 */
import type { Image } from '../src/core/image.ts';
import { MerError } from '../src/core/errors.ts';
import { demuxMp4, type ByteSource, type Mp4VideoTrack } from '../src/io/mp4.ts';
import { yuv420ToRgb, type Yuv420Frame, type YuvColour } from '../src/io/yuv.ts';
import { trackColour } from '../src/io/h264.ts';
import { analysisSize, type FramePool } from '../src/run/analyze.ts';

/** coded frames read from the file in runs of up to this many bytes */
const READ_RUN_BYTES = 8 << 20;
/** frames the decoder may hold ahead of the analysis (4K frames are 12 MB each in 4:2:0) */
const MAX_DECODE_QUEUE = 6;

export function blobSource(blob: Blob): ByteSource {
  return { size: blob.size, read: async (o, n) => new Uint8Array(await blob.slice(o, Math.min(blob.size, o + n)).arrayBuffer()) };
}

export interface DecodedVideo {
  track: Mp4VideoTrack;
  /** frames that will come out (presentation times ≥ 0) */
  frames: number;
  /** the stream's frame rate as ffmpeg reports it (2 decimals) */
  fps: number;
  width: number;
  height: number;
  /** analysis frames (planar RGB at the analysis size), in presentation order */
  images: AsyncGenerator<Image>;
  /** the colour the planes are converted with: what the stream's SPS or MP4 declares (io/h264.ts), as `merkit analyze` does */
  colour: YuvColour;
}

/** the 4:2:0 planes of a VideoFrame, tightly packed (I420, I420A and NV12 decoder outputs) */
async function planesOf(f: VideoFrame): Promise<Yuv420Frame> {
  const W = f.visibleRect?.width ?? f.codedWidth;
  const H = f.visibleRect?.height ?? f.codedHeight;
  const cw = (W + 1) >> 1;
  const ch = (H + 1) >> 1;
  const n = W * H;
  const c = cw * ch;
  if (f.format === 'I420' || f.format === 'I420A') {
    const buf = new Uint8Array(n + 2 * c + (f.format === 'I420A' ? n : 0));
    const layout = [{ offset: 0, stride: W }, { offset: n, stride: cw }, { offset: n + c, stride: cw }];
    if (f.format === 'I420A') layout.push({ offset: n + 2 * c, stride: W });
    await f.copyTo(buf, { layout });
    return { width: W, height: H, y: buf.subarray(0, n), u: buf.subarray(n, n + c), v: buf.subarray(n + c, n + 2 * c) };
  }
  if (f.format === 'NV12') {
    const buf = new Uint8Array(n + 2 * c);
    await f.copyTo(buf, { layout: [{ offset: 0, stride: W }, { offset: n, stride: 2 * cw }] });
    const u = new Uint8Array(c);
    const v = new Uint8Array(c);
    for (let i = 0; i < c; i++) {
      u[i] = buf[n + 2 * i];
      v[i] = buf[n + 2 * i + 1];
    }
    return { width: W, height: H, y: buf.subarray(0, n), u, v };
  }
  throw new MerError('UNSUPPORTED', `the browser's decoder gave ${f.format ?? 'opaque'} frames (expected I420 or NV12)`);
}

/** ffmpeg prints a stream's rate with 2 decimals ("25", "29.97"): the CLI's fps */
export const ffmpegFps = (fps: number) => Math.round(fps * 100) / 100;

/** Open an MP4 (H.264) for decoding; throws MerError UNSUPPORTED when the page cannot decode it itself. */
export async function openDecodedVideo(file: Blob, side?: number, pool?: FramePool): Promise<DecodedVideo> {
  if (typeof VideoDecoder === 'undefined') throw new MerError('UNSUPPORTED', 'this browser has no WebCodecs VideoDecoder');
  const track = await demuxMp4(blobSource(file));
  const config: VideoDecoderConfig = { codec: track.codec, description: track.description, codedWidth: track.width, codedHeight: track.height, hardwareAcceleration: 'prefer-software' };
  const support = await VideoDecoder.isConfigSupported(config);
  if (!support.supported) throw new MerError('UNSUPPORTED', `this browser cannot decode ${track.codec}`);
  const kept = track.samples.filter((s) => s.pts >= 0).length;
  const { width, height } = analysisSize(track.width, track.height, side);
  // not VideoFrame.colorSpace: Chromium guesses when the stream says nothing, ffmpeg does not (see io/h264.ts)
  const colour = trackColour(track.description, track.colour);
  async function* images(): AsyncGenerator<Image> {
    const out: VideoFrame[] = [];
    let failure: unknown;
    let wake: (() => void) | undefined;
    const poke = () => {
      const w = wake;
      wake = undefined;
      w?.();
    };
    const dec = new VideoDecoder({
      output: (f) => {
        out.push(f);
        poke();
      },
      error: (e) => {
        failure = e;
        poke();
      },
    });
    // the decoder took a chunk (it may hold several before the first frame comes out: B-frame reordering)
    dec.addEventListener('dequeue', poke);
    dec.configure(config);
    const until = (cond: () => boolean) => (cond() || failure ? Promise.resolve() : new Promise<void>((r) => (wake = r)));
    const us = (t: number) => Math.round((t * 1e6) / track.timescale);
    const samples = track.samples;
    let next = 0; // next sample to feed
    let flushed = false;
    let drained = false;
    let emitted = 0;
    try {
      while (emitted < kept) {
        // keep the decoder fed ahead of the analysis (it decodes on its own thread while the frames are analysed),
        // holding at most MAX_DECODE_QUEUE chunks and MAX_DECODE_QUEUE decoded frames
        while (!failure && next < samples.length && dec.decodeQueueSize < MAX_DECODE_QUEUE && out.length < MAX_DECODE_QUEUE) {
          // one read for a run of consecutive samples
          let end = next + 1;
          while (end < samples.length && samples[end].offset === samples[end - 1].offset + samples[end - 1].size && samples[end].offset + samples[end].size - samples[next].offset <= READ_RUN_BYTES && end - next < MAX_DECODE_QUEUE) end++;
          const base = samples[next].offset;
          const bytes = await blobSource(file).read(base, samples[end - 1].offset + samples[end - 1].size - base);
          for (; next < end; next++) {
            const s = samples[next];
            dec.decode(new EncodedVideoChunk({ type: s.key ? 'key' : 'delta', timestamp: us(s.pts), data: bytes.subarray(s.offset - base, s.offset - base + s.size) }));
          }
        }
        if (!failure && next >= samples.length && !flushed) {
          // everything fed: the last frames come out once the decoder is flushed
          flushed = true;
          dec.flush().then(
            () => {
              drained = true;
              poke();
            },
            (e: unknown) => {
              failure ??= e;
              poke();
            },
          );
        }
        if (out.length === 0) await until(() => out.length > 0 || drained || (next < samples.length && dec.decodeQueueSize < MAX_DECODE_QUEUE));
        if (failure) throw new MerError('BAD_INPUT', `the browser could not decode the video: ${failure instanceof Error ? failure.message : String(failure)}`);
        const f = out.shift();
        if (!f) {
          if (drained) break; // flushed and nothing left: the file had fewer frames than its tables say
          continue;
        }
        try {
          if (f.timestamp < 0) continue; // before the edit list's start: ffmpeg drops these too
          const img = yuv420ToRgb(await planesOf(f), width, height, colour, pool?.take(3 * width * height));
          emitted++;
          yield img;
        } finally {
          f.close();
        }
      }
    } finally {
      for (const f of out) f.close();
      if (dec.state !== 'closed') dec.close();
      pool?.close(); // no more frames: the free buffers go
    }
  }
  return { track, frames: kept, fps: ffmpegFps(track.fps), width, height, images: images(), colour };
}
