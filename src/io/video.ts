/**
 * Video I/O through an ffmpeg child process and pipes of raw frames — no
 * apt package needed: the binary comes from `@ffmpeg-installer/ffmpeg`, with
 * `ffmpeg` on PATH as fallback (or $MERKIT_FFMPEG when set).
 *
 * - probeVideo parses `ffmpeg -i` (no ffprobe needed) and counts frames
 *   exactly with a stream copy (`-c copy -f null`), which reads packets but
 *   decodes nothing, because container frame counts are often missing or wrong.
 * - decodeVideoFrames streams frames (never the whole video in memory):
 *   `-vsync 0` (one output frame per decoded frame, no duplication),
 *   `-noautorotate` (frames as stored, matching the probed size), gray via
 *   ffmpeg's `gray` pixel format (the luma plane, range-expanded), RGB via
 *   `rgb24` (ffmpeg's BT.601 YUV→RGB unless the stream says otherwise).
 * - encodeVideo pipes raw frames into libx264 (default, CRF 18) or mpeg4,
 *   yuv420p; odd sizes are padded to even by replicating the last row/column.
 * - Every failure becomes a MerError naming the file with ffmpeg's own
 *   one-line reason; the child process is killed on every exit path.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { mkdir, rename, unlink } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, extname } from 'node:path';
import { MerError } from '../core/errors.ts';
import { makeImage, type Image } from '../core/image.ts';
import { colourOf, splitYuv420, yuv420Bytes, type Yuv420Frame, type YuvColour } from './yuv.ts';

export interface VideoInfo {
  width: number;
  height: number;
  fps: number;
  frames: number;
  /** seconds */
  duration: number;
  codec?: string;
  /** decoder pixel format, e.g. 'yuv420p' */
  pixelFormat?: string;
  /** colour matrix and range the stream declares (see io/yuv.ts colourOf; BT.601 limited when it declares none) */
  colour: YuvColour;
}

export interface DecodeVideoOptions {
  mode?: 'gray' | 'rgb';
  /** scale inside ffmpeg; give one of them to keep the aspect ratio */
  width?: number;
  height?: number;
  /** first frame index (default 0) */
  start?: number;
  /** frame index to stop before (exclusive; default: the end) */
  end?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface EncodeVideoOptions {
  fps: number;
  /** libx264 constant rate factor, 0 (lossless) … 51; default 18 (visually lossless). mpeg4 uses a fixed quantiser instead. */
  crf?: number;
  codec?: 'libx264' | 'mpeg4';
}

const DEFAULT_CRF = 18;
/** mpeg4 (part 2) quantiser: 2 is near the best quality it offers */
const MPEG4_QSCALE = 2;
/** keep only the tail of stderr: the last lines carry the reason */
const STDERR_KEEP = 64 * 1024;

let cachedPath: string | undefined;
/** the bundled binary when it exists but cannot be executed (its install script, chmod u+x, did not run) */
let bundledNotExecutable: string | undefined;
/**
 * Path of the ffmpeg binary: $MERKIT_FFMPEG, then @ffmpeg-installer/ffmpeg (an
 * optional dependency: absent, or no binary for this platform, or not
 * executable), then `ffmpeg` on PATH.
 */
export function ffmpegPath(): string {
  if (cachedPath) return cachedPath;
  const env = process.env.MERKIT_FFMPEG;
  if (env) return (cachedPath = env);
  try {
    const req = createRequire(import.meta.url);
    const p = (req('@ffmpeg-installer/ffmpeg') as { path?: string }).path;
    if (p && existsSync(p)) {
      try {
        accessSync(p, constants.X_OK);
        return (cachedPath = p);
      } catch {
        bundledNotExecutable = p;
      }
    }
  } catch {
    // not installed, or no binary for this platform: fall back to PATH
  }
  return (cachedPath = 'ffmpeg');
}

interface Run {
  child: ChildProcess;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function start(args: string[], file: string | undefined, stdin: 'ignore' | 'pipe' = 'ignore'): Run {
  const child = spawn(ffmpegPath(), args, { stdio: [stdin, 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (s: string) => {
    err += s;
    if (err.length > STDERR_KEEP) err = err.slice(-STDERR_KEEP);
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.on('error', (e) => {
      const code = (e as NodeJS.ErrnoException).code;
      reject(
        code === 'ENOENT'
          ? new MerError(
              'UNSUPPORTED',
              bundledNotExecutable
                ? `ffmpeg not found on PATH, and the bundled ${bundledNotExecutable} is not executable: run chmod +x on it, or put ffmpeg on PATH`
                : 'ffmpeg not found: put ffmpeg on PATH, or install the optional package @ffmpeg-installer/ffmpeg (npm install @ffmpeg-installer/ffmpeg)',
              { file, cause: e },
            )
          : new MerError('INTERNAL', `cannot start ffmpeg: ${e.message}`, { file, cause: e }),
      );
    });
    child.on('close', (code, signal) => resolve({ code, signal }));
  });
  return { child, stderr: () => err, exit };
}

function kill(run: Run): void {
  if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
}

/** ffmpeg's most telling line: the last non-empty one that is not boilerplate. */
function reason(stderr: string): string {
  const lines = stderr
    .split(/\r?\n|\r/)
    .map((l) => l.trim())
    .filter((l) => l && !/^At least one output file must be specified/.test(l) && !/^frame=/.test(l) && !/^Press \[q\]/.test(l));
  const last = lines[lines.length - 1] ?? 'ffmpeg failed without a message';
  // "path: Invalid data found…" → drop the path, the MerError names the file
  const m = /^.*?: (.*)$/.exec(last);
  return (m && last.includes('/') ? m[1] : last).slice(0, 300);
}

function checkFile(path: string): void {
  if (!existsSync(path)) throw new MerError('NOT_FOUND', 'video file not found', { file: path });
  if (statSync(path).isDirectory()) throw new MerError('BAD_INPUT', 'expected a video file, found a folder', { file: path });
}

function parseDuration(s: string): number | undefined {
  const m = /Duration:\s*(\d+):(\d+):(\d+(?:\.\d+)?)/.exec(s);
  return m ? Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) : undefined;
}

function parseRate(s: string, unit: string): number | undefined {
  const m = new RegExp(`([\\d.]+)(k?) ${unit}\\b`).exec(s);
  if (!m) return undefined;
  return Number(m[1]) * (m[2] === 'k' ? 1000 : 1);
}

/** Size, frame rate, exact frame count and duration of a video file. */
export async function probeVideo(path: string): Promise<VideoInfo> {
  checkFile(path);
  const head = start(['-hide_banner', '-nostdin', '-noautorotate', '-i', path], path);
  await head.exit;
  const text = head.stderr();
  const line = text.split(/\r?\n/).find((l) => /Stream #\d+:\d+.*: Video: /.test(l));
  if (!line) {
    throw new MerError('BAD_INPUT', /Stream #/.test(text) ? 'no video stream in file' : `not a readable video: ${reason(text)}`, { file: path });
  }
  const size = /, (\d{2,5})x(\d{2,5})[\s,]/.exec(line) ?? /\b(\d+)x(\d+)\b/.exec(line);
  if (!size) throw new MerError('BAD_INPUT', `cannot read the frame size from ffmpeg's stream line: ${line.trim()}`, { file: path });
  const width = Number(size[1]);
  const height = Number(size[2]);
  const fps = parseRate(line, 'fps') ?? parseRate(line, 'tbr') ?? NaN;
  const codec = /Video: (\w+)/.exec(line)?.[1];
  // "Video: h264 (Main) (avc1 / 0x…), yuv420p(tv, bt709, progressive), 2880x2160, …": the pixel format and its colour tags
  const pf = /Video: [^,]*, (\w+)(?:\(([^)]*)\))?/.exec(line);
  const tags = (pf?.[2] ?? '').split(/,\s*/);
  // a colour tag is "space" or "space/primaries/transfer": the first name is the matrix
  const matrix = tags.map((t) => t.split('/')[0]).find((t) => /^(bt709|bt470bg|smpte170m|bt2020nc|bt2020c|fcc|smpte240m)$/.test(t));
  const colour = colourOf(matrix, tags.includes('pc') || /^yuvj/.test(pf?.[1] ?? ''));

  // exact frame count: copy the video packets to the null muxer (no decoding)
  const count = start(['-hide_banner', '-nostdin', '-v', 'error', '-stats', '-i', path, '-map', '0:v:0', '-c', 'copy', '-f', 'null', '-'], path);
  const { code } = await count.exit;
  const stats = count.stderr();
  const frameMatches = [...stats.matchAll(/frame=\s*(\d+)/g)];
  if (code !== 0 || frameMatches.length === 0) {
    throw new MerError('BAD_INPUT', `cannot read the video: ${reason(stats)}`, { file: path });
  }
  const frames = Number(frameMatches[frameMatches.length - 1][1]);
  const duration = parseDuration(text) ?? (fps > 0 ? frames / fps : NaN);
  return { width, height, fps, frames, duration, codec, ...(pf ? { pixelFormat: pf[1] } : {}), colour };
}

function outSize(info: VideoInfo, opts: DecodeVideoOptions): { w: number; h: number } {
  const check = (v: number, what: string) => {
    if (!Number.isInteger(v) || v < 1) throw new MerError('BAD_OPTION', `${what} must be a positive integer, got ${v}`);
  };
  if (opts.width !== undefined) check(opts.width, 'width');
  if (opts.height !== undefined) check(opts.height, 'height');
  if (opts.width && opts.height) return { w: opts.width, h: opts.height };
  if (opts.width) return { w: opts.width, h: Math.max(1, Math.round((opts.width * info.height) / info.width)) };
  if (opts.height) return { w: Math.max(1, Math.round((opts.height * info.width) / info.height)), h: opts.height };
  return { w: info.width, h: info.height };
}

function toImage(buf: Uint8Array, w: number, h: number, rgb: boolean): Image {
  const n = w * h;
  if (!rgb) {
    const d = new Float32Array(n);
    for (let i = 0; i < n; i++) d[i] = buf[i] / 255;
    return makeImage(w, h, 1, d);
  }
  const d = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) {
    d[i] = buf[3 * i] / 255;
    d[n + i] = buf[3 * i + 1] / 255;
    d[2 * n + i] = buf[3 * i + 2] / 255;
  }
  return makeImage(w, h, 3, d);
}

/**
 * Stream the frames of a video as Images (gray by default). Frames `start`
 * (inclusive) to `end` (exclusive) by decode order; breaking out of the loop
 * kills ffmpeg.
 */
export async function* decodeVideoFrames(path: string, opts: DecodeVideoOptions = {}): AsyncGenerator<Image> {
  yield* framesOf(path, await probeVideo(path), opts);
}

async function* framesOf(path: string, info: VideoInfo, opts: DecodeVideoOptions): AsyncGenerator<Image> {
  const { w, h } = outSize(info, opts);
  const rgb = opts.mode === 'rgb';
  const filters: string[] = [];
  if (w !== info.width || h !== info.height) {
    const shrink = w <= info.width && h <= info.height;
    filters.push(`scale=${w}:${h}:flags=${shrink ? 'area' : 'bicubic'}`);
  }
  for await (const frame of rawFrames(path, info, opts, filters, rgb ? 'rgb24' : 'gray', w * h * (rgb ? 3 : 1))) yield toImage(frame, w, h, rgb);
}

/**
 * Stream the decoded 4:2:0 planes of a video at its own size (ffmpeg as a
 * decoder only, `-pix_fmt yuv420p`): what `merkit analyze` converts with
 * io/yuv.ts, exactly as the page does with WebCodecs' planes. The planes
 * are views of one reused buffer, valid until the next frame is asked for
 * (convert or copy them first: a 4K frame is 12 MB). Frames `start`…`end`
 * as in decodeVideoFrames.
 */
export async function* decodeVideoYuv(path: string, opts: Omit<DecodeVideoOptions, 'mode' | 'width' | 'height'> = {}, probed?: VideoInfo): AsyncGenerator<Yuv420Frame> {
  const info = probed ?? (await probeVideo(path));
  const { width: w, height: h } = info;
  for await (const frame of rawFrames(path, info, opts, [], 'yuv420p', yuv420Bytes(w, h))) yield splitYuv420(frame, w, h);
}

/**
 * The colour matrix and range to convert a video's planes with — the page's
 * rule (web/webDecode.ts): for H.264 in MP4, what the stream's SPS or the
 * MP4 declares (io/h264.ts; BT.601 limited when neither says), else what
 * ffmpeg reports (`info.colour`).
 */
export async function streamColour(path: string, info: VideoInfo): Promise<YuvColour> {
  const { open } = await import('node:fs/promises');
  const { demuxMp4 } = await import('./mp4.ts');
  const { trackColour } = await import('./h264.ts');
  const fh = await open(path, 'r');
  try {
    const size = (await fh.stat()).size;
    const track = await demuxMp4({
      size,
      read: async (o, n) => {
        const buf = new Uint8Array(Math.max(0, Math.min(n, size - o)));
        await fh.read(buf, 0, buf.length, o);
        return buf;
      },
    });
    return trackColour(track.description, track.colour);
  } catch {
    return info.colour; // not MP4/H.264: ffmpeg's view
  } finally {
    await fh.close();
  }
}

/** Raw frames of `frameBytes` each out of ffmpeg (one reused buffer, valid until the next iteration). */
async function* rawFrames(path: string, info: VideoInfo, opts: DecodeVideoOptions, scale: string[], pixFmt: string, frameBytes: number): AsyncGenerator<Uint8Array> {
  const first = opts.start ?? 0;
  if (!Number.isInteger(first) || first < 0) throw new MerError('BAD_OPTION', `start frame must be a non-negative integer, got ${first}`, { file: path });
  if (opts.end !== undefined && (!Number.isInteger(opts.end) || opts.end < 0)) {
    throw new MerError('BAD_OPTION', `end frame must be a non-negative integer, got ${opts.end}`, { file: path });
  }
  // without `end`, read to the end of the stream (the probed count only sizes the progress total)
  const limit = opts.end !== undefined ? Math.max(0, opts.end - first) : Infinity;
  const expected = Math.max(0, Math.min(limit, info.frames - first));
  if (limit === 0) return;
  const filters: string[] = [];
  if (first > 0 || opts.end !== undefined) filters.push(`trim=start_frame=${first}` + (opts.end !== undefined ? `:end_frame=${opts.end}` : ''));
  filters.push(...scale);
  const args = ['-hide_banner', '-nostdin', '-v', 'error', '-noautorotate', '-i', path, '-map', '0:v:0'];
  if (filters.length) args.push('-vf', filters.join(','));
  args.push('-vsync', '0', '-f', 'rawvideo', '-pix_fmt', pixFmt, 'pipe:1');
  const run = start(args, path);
  const frame = new Uint8Array(frameBytes);
  let filled = 0;
  let done = 0;
  try {
    for await (const chunk of run.child.stdout! as AsyncIterable<Buffer>) {
      let p = 0;
      while (p < chunk.length) {
        const k = Math.min(frameBytes - filled, chunk.length - p);
        frame.set(chunk.subarray(p, p + k), filled);
        filled += k;
        p += k;
        if (filled === frameBytes) {
          filled = 0;
          done++;
          yield frame;
          opts.onProgress?.(done, Math.max(expected, done));
          if (done >= limit) return;
        }
      }
    }
    const { code, signal } = await run.exit;
    if (code !== 0) throw new MerError('BAD_INPUT', `cannot decode the video: ${reason(run.stderr())}`, { file: path });
    if (signal) throw new MerError('BAD_INPUT', `ffmpeg was killed (${signal}) while decoding`, { file: path });
    if (filled > 0) throw new MerError('BAD_INPUT', `video ended inside frame ${first + done} (${filled} of ${frameBytes} bytes)`, { file: path });
    if (done === 0 && expected > 0) throw new MerError('BAD_INPUT', `no frames decoded (${reason(run.stderr())})`, { file: path });
  } finally {
    kill(run);
    await run.exit.catch(() => undefined);
  }
}

/** Decode a whole video (or a frame range) into memory. */
export async function readVideo(
  path: string,
  opts: DecodeVideoOptions = {},
): Promise<{ fps: number; width: number; height: number; frames: Image[] }> {
  const info = await probeVideo(path);
  const frames: Image[] = [];
  for await (const f of framesOf(path, info, opts)) frames.push(f);
  const { w, h } = outSize(info, opts);
  return { fps: info.fps, width: w, height: h, frames };
}

/** planar/gray float frame → 8-bit interleaved, padded to even size by edge replication */
function frameBytes(img: Image, W: number, H: number): Uint8Array {
  const { width: w, height: h, channels: c, data } = img;
  const n = w * h;
  const out = new Uint8Array(W * H * c);
  const q = (v: number) => (v > 0 ? (v < 1 ? Math.round(v * 255) : 255) : 0);
  for (let y = 0; y < H; y++) {
    const sy = Math.min(y, h - 1);
    for (let x = 0; x < W; x++) {
      const s = sy * w + Math.min(x, w - 1);
      const o = (y * W + x) * c;
      if (c === 1) out[o] = q(data[s]);
      else {
        out[o] = q(data[s]);
        out[o + 1] = q(data[n + s]);
        out[o + 2] = q(data[2 * n + s]);
      }
    }
  }
  return out;
}

let tmpCounter = 0;

/**
 * Encode frames (gray or planar RGB, all the same size) to a video file; the
 * container comes from the extension (.mp4, .avi, .mkv, .mov…). The file is
 * written to a temporary sibling and renamed when ffmpeg succeeds.
 */
export async function encodeVideo(path: string, frames: AsyncIterable<Image> | Iterable<Image>, opts: EncodeVideoOptions): Promise<void> {
  if (!(opts.fps > 0)) throw new MerError('BAD_OPTION', `fps must be positive, got ${opts.fps}`, { file: path });
  const codec = opts.codec ?? 'libx264';
  const crf = opts.crf ?? DEFAULT_CRF;
  if (codec === 'libx264' && !(crf >= 0 && crf <= 51)) throw new MerError('BAD_OPTION', `crf must be in 0–51, got ${crf}`, { file: path });
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}-${++tmpCounter}${extname(path)}`;
  let run: Run | undefined;
  let w = 0, h = 0, c: 1 | 3 = 1, W = 0, H = 0;
  let pipeError: unknown;
  let index = 0;
  try {
    for await (const img of frames as AsyncIterable<Image>) {
      if (!run) {
        ({ width: w, height: h, channels: c } = img);
        W = w + (w % 2);
        H = h + (h % 2);
        const args = ['-hide_banner', '-nostdin', '-v', 'error', '-y', '-f', 'rawvideo', '-pix_fmt', c === 1 ? 'gray' : 'rgb24', '-s', `${W}x${H}`, '-r', String(opts.fps), '-i', 'pipe:0', '-an', '-c:v', codec];
        if (codec === 'libx264') args.push('-crf', String(crf), '-preset', 'medium');
        else args.push('-q:v', String(MPEG4_QSCALE));
        args.push('-pix_fmt', 'yuv420p', tmp);
        run = start(args, path, 'pipe');
        run.child.stdin!.on('error', (e) => (pipeError = e));
        run.exit.catch(() => undefined);
      } else if (img.width !== w || img.height !== h || img.channels !== c) {
        throw new MerError('BAD_INPUT', `frame ${index} is ${img.width}×${img.height}×${img.channels}, the first frame was ${w}×${h}×${c}`, { file: path });
      }
      const bytes = frameBytes(img, W, H);
      const stdin = run.child.stdin!;
      if (pipeError || stdin.destroyed) break;
      if (!stdin.write(bytes)) {
        await new Promise<void>((resolve) => {
          const done = () => {
            stdin.off('drain', done);
            stdin.off('close', done);
            resolve();
          };
          stdin.on('drain', done);
          stdin.on('close', done);
        });
      }
      index++;
    }
    if (!run) throw new MerError('BAD_INPUT', 'no frames to encode', { file: path });
    run.child.stdin!.end();
    const { code } = await run.exit;
    if (code !== 0) throw new MerError('BAD_INPUT', `ffmpeg could not encode the video: ${reason(run.stderr())}`, { file: path });
    await rename(tmp, path);
  } catch (e) {
    if (run) kill(run);
    await unlink(tmp).catch(() => undefined);
    throw e;
  } finally {
    if (run) {
      kill(run);
      await run.exit.catch(() => undefined);
    }
  }
}
