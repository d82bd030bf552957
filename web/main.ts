/**
 * The merkit page: analyse a video file or the webcam (face → aligned crop →
 * spotting → flow image → model), show the timeline, the apex frame with its
 * flow, class probabilities, export analysis.json; and list/open evaluation
 * reports. Everything runs in this tab; only `merkit serve` is contacted.
 */
import { alignLandmarks, alignTransform, applyAlign, type AlignTransform } from '../src/face/align.ts';
import type { Image } from '../src/core/image.ts';
import { isMerError } from '../src/core/errors.ts';
import type { DetectedFace } from '../src/face/faceApiOps.ts';
import type { ProgressSink } from '../src/core/progress.ts';
import { classifierFromModel, fetchModel, intervalClassify, type IntervalClassifier } from '../src/web/modelClient.ts';
import { detectAll, detectLargestFace, initFaces } from './face.ts';
import { canvasGray, drawFrameAt, imageToCanvas, openVideoFile, scaledSize } from './frames.ts';
import { analysisSize, analyzeFrames, type Analysis, type AnalyzeOptions, type OverlayImages } from '../src/run/analyze.ts';
import { drawApex, drawTimeline, escapeHtml, renderProbabilities, type TimelineData } from './draw.ts';
import { loadReports } from './reportsView.ts';

/** aligned face side without a model's own: flow-svm's frameSize (the model's training crops) */
const ALIGN_SIZE = 128;
/** detect the face this often (seconds): analyzeFrames tracks between key frames */
const KEY_SECONDS = 1;
/** fewest frames spotting can work on (the micro scale needs a window on both sides) */
const MIN_ANALYSIS_FRAMES = 8;
/** an apex flow overlay for every interval (a light TV-L1 on 64² each: cheap) */
const ALL_OVERLAYS = 1000;
/** the webcam keeps this many seconds of aligned frames and re-analyses every WEBCAM_ANALYSE_SECONDS */
const WEBCAM_WINDOW_SECONDS = 20;
const WEBCAM_ANALYSE_SECONDS = 2;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const el = {
  tabA: $('tab-analyse'), tabR: $('tab-reports'), viewA: $('view-analyse'), viewR: $('view-reports'),
  file: $<HTMLInputElement>('file'), drop: $('drop'), webcam: $<HTMLButtonElement>('webcam'), fps: $<HTMLInputElement>('fps'),
  exportBtn: $<HTMLButtonElement>('export'), status: $('status'), error: $('error'), progress: $<HTMLProgressElement>('progress'),
  model: $('model'), backend: $('backend'), timeline: $<HTMLCanvasElement>('timeline'), intervals: $('intervals'),
  apex: $<HTMLCanvasElement>('apex'), apexCaption: $('apex-caption'), probs: $('probs'), video: $<HTMLVideoElement>('video'),
  repStatus: $('reports-status'), repTable: $<HTMLTableElement>('reports-table'), report: $('report'),
};

const EMPTY: TimelineData = { motion: { micro: [] }, video: { fps: 25 }, intervals: [], spotting: { thresholds: {} } };
let classifier: IntervalClassifier | undefined;
/** URL of the served model folder (the worker loads it itself) */
let modelBase: string | undefined;
let worker: Worker | undefined;
let current: { analysis: Analysis; overlays: OverlayImages } | undefined;
let selected = -1;
let busy = false;
let webcam: { stream: MediaStream; stop: boolean } | undefined;

function say(msg: string): void {
  el.status.textContent = msg;
}
function fail(msg: string): void {
  el.error.textContent = msg;
  el.error.hidden = false;
}
function message(e: unknown): string {
  return isMerError(e) ? e.describe() : e instanceof Error ? e.message : String(e);
}

/* ------------------------------------------------------------------ views */
function showView(which: 'analyse' | 'reports'): void {
  const a = which === 'analyse';
  el.viewA.hidden = !a;
  el.viewR.hidden = a;
  el.tabA.toggleAttribute('aria-current', a);
  el.tabR.toggleAttribute('aria-current', !a);
  if (a) el.tabA.setAttribute('aria-current', 'page');
  else el.tabR.setAttribute('aria-current', 'page');
  if (!a) void loadReports(el.repStatus, el.repTable, el.report);
  history.replaceState(null, '', a ? '#analyse' : '#reports');
}
el.tabA.addEventListener('click', () => showView('analyse'));
el.tabR.addEventListener('click', () => showView('reports'));

/* ------------------------------------------------------------------ model */
async function loadModel(): Promise<void> {
  try {
    const cfg = (await (await fetch('/api/config')).json()) as { model: string | null };
    if (!cfg.model) {
      el.model.textContent = 'No model: intervals are spotted but not classified (start `merkit serve --model DIR`).';
      return;
    }
    const { meta, saved } = await fetchModel(cfg.model);
    try {
      classifier = await classifierFromModel(meta, saved);
      modelBase = cfg.model;
      el.model.textContent = `Model: ${meta.recipe}, classes ${meta.classes.join(', ')} (${meta.labels}).`;
    } catch (e) {
      el.model.textContent = message(e);
    }
  } catch (e) {
    el.model.textContent = `The model could not be loaded: ${message(e)}`;
  }
}

/* --------------------------------------------------------------- results */
function render(analysis: Analysis, overlays: OverlayImages): void {
  current = { analysis, overlays };
  const a = analysis;
  drawTimeline(el.timeline, a, selected);
  el.intervals.replaceChildren();
  a.intervals.forEach((iv, k) => {
    const li = document.createElement('li');
    const b = document.createElement('button');
    b.type = 'button';
    b.setAttribute('aria-pressed', String(k === selected));
    b.innerHTML = `<span class="kind-${iv.kind}">${iv.kind}</span> ${iv.onsetTime.toFixed(2)}–${iv.offsetTime.toFixed(2)} s${iv.class ? ` · <strong>${escapeHtml(iv.class.label)}</strong>` : ''}`;
    b.dataset.kind = iv.kind;
    b.dataset.interval = String(k);
    b.addEventListener('click', () => select(k));
    li.append(b);
    el.intervals.append(li);
  });
  el.exportBtn.disabled = false;
  if (a.intervals.length > 0) select(selected >= 0 && selected < a.intervals.length ? selected : bestInterval(a));
  else {
    renderProbabilities(el.probs, undefined, !!classifier);
    drawApex(el.apex, undefined);
  }
}

/** the highest-scoring expression (a blink only when there is nothing else) */
function bestInterval(a: Analysis): number {
  let best = -1;
  a.intervals.forEach((iv, k) => iv.kind !== 'blink' && (best < 0 || iv.score > a.intervals[best].score) && (best = k));
  return best >= 0 ? best : 0;
}

function select(k: number): void {
  if (!current) return;
  selected = k;
  const { analysis, overlays } = current;
  const iv = analysis.intervals[k];
  drawApex(el.apex, overlays.get(k));
  el.apexCaption.textContent = overlays.has(k) ? `Apex ${iv.apexTime.toFixed(2)} s (frame ${iv.apex}), onset→apex flow` : `Apex ${iv.apexTime.toFixed(2)} s (frame ${iv.apex})`;
  el.apex.setAttribute('aria-label', `Aligned face at the apex, frame ${iv.apex}, coloured by the onset-to-apex optical flow (hue: direction, strength: magnitude)`);
  renderProbabilities(el.probs, iv, !!classifier);
  drawTimeline(el.timeline, analysis, k);
  el.intervals.querySelectorAll('button').forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.interval === String(k))));
}

function reset(): void {
  el.error.hidden = true;
  el.exportBtn.disabled = true;
  current = undefined;
  selected = -1;
  el.intervals.replaceChildren();
  renderProbabilities(el.probs, undefined, !!classifier);
  drawApex(el.apex, undefined);
  el.apexCaption.textContent = 'Apex frame and flow';
  drawTimeline(el.timeline, EMPTY);
}

/** The options the page gives run/analyze.ts (the same core `merkit analyze` runs). */
function analyzeOptions(fps: number, detect: (img: Image) => Promise<DetectedFace[]>, progress?: ProgressSink): AnalyzeOptions {
  return {
    faceSize: classifier?.frameSize ?? ALIGN_SIZE,
    keyFrameInterval: Math.max(1, Math.round(KEY_SECONDS * fps)),
    detect,
    overlays: ALL_OVERLAYS,
    ...(classifier ? { classify: intervalClassify(classifier) } : {}),
    ...(progress ? { progress } : {}),
  };
}

function modelInfo(a: Analysis): void {
  if (classifier) a.model = { recipe: classifier.recipe, classes: [...classifier.classes] };
}

function fpsValue(): number {
  const v = Number(el.fps.value);
  if (!(v >= 1 && v <= 240)) throw new Error(`frames per second must be between 1 and 240, got '${el.fps.value}'`);
  return v;
}

/* ------------------------------------------------------------ video file */

type Outcome = { analysis: Analysis; overlays: OverlayImages };

/**
 * Analyse a file in the analysis worker (analysisWorker.ts: WebCodecs decode,
 * the CLI's conversion, detection and analyzeFrames); 'unsupported' when the
 * page cannot decode the file itself (not MP4/H.264, no WebCodecs).
 */
function analyseInWorker(file: File): Promise<Outcome | 'unsupported'> {
  worker ??= new Worker(new URL('./analysisWorker.ts', import.meta.url), { type: 'module' });
  const w = worker;
  return new Promise((resolve, reject) => {
    w.onmessage = (e: MessageEvent) => {
      const m = e.data as { type: string; [k: string]: unknown };
      if (m.type === 'progress') {
        const total = Number(m.total) || 1;
        el.progress.value = Math.min(1, Number(m.done) / total);
        if (m.stage === 'frames') say(`Decoding, tracking and aligning: frame ${m.done} of ${total}…`);
        else if (m.stage === 'classify') say('Recognising the spotted intervals…');
      } else if (m.type === 'backend') el.backend.textContent = `tfjs backend: ${String(m.backend)} (analysis worker)`;
      else if (m.type === 'unsupported') resolve('unsupported');
      else if (m.type === 'done') {
        const overlays: OverlayImages = new Map((m.overlays as [number, Image][]).map(([i, img]) => [i, img]));
        resolve({ analysis: m.analysis as Analysis, overlays });
      } else if (m.type === 'error') {
        const noFace = m.noFace as { keyFrames: number } | undefined;
        reject(new Error(noFace ? `No face found in '${file.name}'${noFace.keyFrames ? ` (the face detector ran on ${noFace.keyFrames} key frames)` : ''}. Use a video with one clearly visible, roughly frontal face.` : String(m.message)));
      }
    };
    w.onerror = (e) => reject(new Error(`the analysis worker failed: ${e.message}`));
    w.postMessage({ type: 'analyse', file, ...(modelBase && classifier ? { model: modelBase } : {}) });
  });
}

/**
 * The fallback for files the page cannot decode itself (WebM, HEVC, …): the
 * browser's <video> seeked frame by frame, drawn on a canvas, on this thread.
 * Slower, and its frames come from the browser's scaler and colour path, so
 * its analysis can differ from `merkit analyze`'s (which the worker's does not).
 */
async function analyseBySeeking(file: File): Promise<Outcome> {
  const fps = fpsValue();
  const info = await openVideoFile(el.video, file);
  const size = analysisSize(info.width, info.height);
  const canvas = document.createElement('canvas');
  canvas.width = size.width;
  canvas.height = size.height;
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  say('Loading the face detector…');
  el.backend.textContent = `tfjs backend: ${await initFaces()}`;
  const total = Math.max(1, Math.floor(info.duration * fps + 1e-6));
  if (total < MIN_ANALYSIS_FRAMES) throw new Error(`'${file.name}' has ${total} frame(s) at ${fps} fps; spotting needs at least ${MIN_ANALYSIS_FRAMES}`);
  const opts = analyzeOptions(fps, detectOn, {
    begin: (stage) => stage === 'classify' && say('Recognising the spotted intervals…'),
    tick: () => undefined,
    end: () => undefined,
    info: (m) => say(m),
  });
  const keyEvery = opts.keyFrameInterval!;
  // gray frames go to the tracker (a quarter of the memory); key frames keep their colour for the detector, which misses faces in gray
  const colour = new Map<Image, ImageData>();
  const detCanvas = document.createElement('canvas');
  async function detectOn(img: Image): Promise<DetectedFace[]> {
    const rgba = colour.get(img);
    colour.delete(img);
    let c: HTMLCanvasElement;
    if (rgba) {
      detCanvas.width = img.width;
      detCanvas.height = img.height;
      detCanvas.getContext('2d')!.putImageData(rgba, 0, 0);
      c = detCanvas;
    } else c = imageToCanvas(img, detCanvas);
    return detectAll(c);
  }
  async function* frames(): AsyncGenerator<Image> {
    for (let i = 0; i < total; i++) {
      await drawFrameAt(el.video, ctx, i, fps);
      const g = canvasGray(ctx, size.width, size.height);
      if (i % keyEvery === 0 || i === total - 1) colour.set(g, ctx.getImageData(0, 0, size.width, size.height));
      el.progress.value = (i + 1) / total;
      if ((i + 1) % fps === 0) say(`Decoding (by seeking), tracking and aligning: frame ${i + 1} of ${total}…`);
      yield g;
    }
  }
  try {
    const r = await analyzeFrames(frames(), { fps, width: size.width, height: size.height, frames: total, file: file.name, sourceWidth: info.width, sourceHeight: info.height }, opts);
    modelInfo(r.analysis);
    return r;
  } catch (e) {
    if (isMerError(e) && e.code === 'NOT_FOUND' && /no face found/.test(e.message)) {
      const keys = /(\d+) key frame/.exec(e.message)?.[1];
      throw new Error(`No face found in '${file.name}'${keys ? ` (the face detector ran on ${keys} key frames)` : ''}. Use a video with one clearly visible, roughly frontal face.`);
    }
    throw e;
  }
}

/** the last file analysed (merkitDebug below) */
let lastFile: File | undefined;

/**
 * For the browser test (test/web/browser.test.ts): the first `count` frames
 * of the last file as the analysis worker decoded them, each as base64 of
 * its Float32 bytes, to compare with `merkit analyze`'s frames bit for bit.
 */
(window as unknown as { merkitDebug: unknown }).merkitDebug = {
  decodeFirst(count: number): Promise<{ width: number; height: number; base64: string }[]> {
    if (!lastFile) return Promise.reject(new Error('no file analysed yet'));
    const w = new Worker(new URL('./analysisWorker.ts', import.meta.url), { type: 'module' });
    return new Promise((resolve, reject) => {
      w.onmessage = (e: MessageEvent) => {
        w.terminate();
        if (e.data.type !== 'decoded') return reject(new Error(String(e.data.message ?? e.data.type)));
        resolve(
          (e.data.frames as { width: number; height: number; data: Float32Array }[]).map((f) => {
            const bytes = new Uint8Array(f.data.buffer, f.data.byteOffset, f.data.byteLength);
            let bin = '';
            for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
            return { width: f.width, height: f.height, base64: btoa(bin) };
          }),
        );
      };
      w.postMessage({ type: 'decode', file: lastFile, count });
    });
  },
};

async function analyseFile(file: File): Promise<void> {
  if (busy) return;
  busy = true;
  lastFile = file;
  document.body.dataset.state = 'busy';
  reset();
  try {
    if (file.type && !file.type.startsWith('video/')) throw new Error(`'${file.name}' is not a video (${file.type}); choose an .mp4 or .webm file`);
    say(`Opening ${file.name}…`);
    el.progress.value = 0;
    el.progress.hidden = false;
    let result = await analyseInWorker(file);
    let fallback = false;
    if (result === 'unsupported') {
      fallback = true;
      say(`This browser cannot decode '${file.name}' frame by frame itself; seeking through it instead (slower)…`);
      result = await analyseBySeeking(file);
    }
    document.body.dataset.decoder = fallback ? 'seek' : 'webcodecs';
    render(result.analysis, result.overlays);
    const a = result.analysis;
    const n = a.intervals.filter((i) => i.kind !== 'blink').length;
    const blinks = a.intervals.length - n;
    const lost = a.face.keyFrames - a.face.detectedKeyFrames;
    const lostMsg = lost > 0 ? ` The face was not found on ${lost} of ${a.face.keyFrames} key frames.` : '';
    const blinkMsg = blinks > 0 ? ` ${blinks} eye blink(s), shown apart (green).` : '';
    say(
      (n === 0 ? `Done: no expression spotted in ${a.video.duration.toFixed(1)} s.` : `Done: ${n} interval(s) spotted in ${a.video.duration.toFixed(1)} s of video (${a.timing.realtimeFactor.toFixed(2)}× real time).`) +
        blinkMsg +
        lostMsg +
        (fallback ? ' (Decoded by seeking: results can differ slightly from `merkit analyze`.)' : ''),
    );
    document.body.dataset.state = 'done';
  } catch (e) {
    fail(message(e));
    say('Analysis stopped.');
    document.body.dataset.state = 'error';
  } finally {
    el.progress.hidden = true;
    busy = false;
  }
}

el.file.addEventListener('change', () => {
  const f = el.file.files?.[0];
  if (f) void analyseFile(f);
  el.file.value = '';
});
el.drop.addEventListener('dragover', (e) => {
  e.preventDefault();
  el.drop.classList.add('over');
});
el.drop.addEventListener('dragleave', () => el.drop.classList.remove('over'));
el.drop.addEventListener('drop', (e) => {
  e.preventDefault();
  el.drop.classList.remove('over');
  const f = e.dataTransfer?.files?.[0];
  if (f) void analyseFile(f);
});
// the label is the visible control: Enter/Space on it opens the file chooser
const fileLabel = el.drop.querySelector('label')!;
fileLabel.tabIndex = 0;
fileLabel.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' || e.key === ' ') {
    e.preventDefault();
    el.file.click();
  }
});
el.file.tabIndex = -1;

/* ----------------------------------------------------------------- webcam */
/** the webcam's analysis worker (its own: a file's analysis may not share it) */
let camWorker: Worker | undefined;
let windowId = 0;

/** Analyse the webcam's recent aligned crops in the worker (analysisWorker.ts 'window'): the page keeps taking frames meanwhile. */
function analyseWindowInWorker(frames: Float32Array[], size: number, fps: number, landmarks: Float32Array): Promise<Outcome> {
  camWorker ??= new Worker(new URL('./analysisWorker.ts', import.meta.url), { type: 'module' });
  const w = camWorker;
  const id = ++windowId;
  return new Promise((resolve, reject) => {
    w.onmessage = (e: MessageEvent) => {
      const m = e.data as { type: string; id?: number; [k: string]: unknown };
      if (m.type === 'done' && m.id === id) resolve({ analysis: m.analysis as Analysis, overlays: new Map((m.overlays as [number, Image][]).map(([i, img]) => [i, img])) });
      else if (m.type === 'error') reject(new Error(String(m.message)));
    };
    w.onerror = (e) => reject(new Error(`the analysis worker failed: ${e.message}`));
    w.postMessage({ type: 'window', id, frames, size, fps, landmarks, ...(modelBase && classifier ? { model: modelBase } : {}) }, frames.map((f) => f.buffer));
  });
}

/**
 * The webcam: take a frame every 1/fps s, align it with the transform of
 * the first face found, keep the last WEBCAM_WINDOW_SECONDS, and every
 * WEBCAM_ANALYSE_SECONDS analyse a copy of them in the worker while this
 * thread goes on taking frames (analysed here, a 20-s window took seconds
 * and the frames of those seconds were never taken). A frame that cannot be
 * taken on time (the tab was busy) is counted as dropped and not made up
 * with a copy of the next one. Stopping analyses the whole window once more.
 */
async function startWebcam(): Promise<void> {
  if (busy) return;
  reset();
  let fps: number;
  try {
    fps = fpsValue();
  } catch (e) {
    return fail(message(e));
  }
  if (!navigator.mediaDevices?.getUserMedia) return fail('This browser offers no webcam access here (it needs https or localhost).');
  let stream: MediaStream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { frameRate: fps }, audio: false });
  } catch (e) {
    return fail(`The webcam could not be started: ${message(e)}`);
  }
  busy = true;
  document.body.dataset.state = 'webcam';
  webcam = { stream, stop: false };
  el.webcam.textContent = 'Stop webcam';
  const video = el.video;
  video.srcObject = stream;
  await video.play();
  const size = scaledSize(video.videoWidth || 640, video.videoHeight || 480);
  const canvas = document.createElement('canvas');
  canvas.width = size.width;
  canvas.height = size.height;
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  el.backend.textContent = `tfjs backend: ${await initFaces()}`;
  const cap = Math.round(WEBCAM_WINDOW_SECONDS * fps);
  const faceSize = classifier?.frameSize ?? ALIGN_SIZE;
  const frames: Float32Array[] = [];
  let T: AlignTransform | undefined;
  let alignedLm: Float32Array | undefined;
  let lastAnalyse = performance.now();
  let inFlight: Promise<void> | undefined;
  const stats = { taken: 0, dropped: 0 };
  const analyseNow = (): Promise<void> =>
    analyseWindowInWorker(frames.map((f) => f.slice()), faceSize, fps, alignedLm!)
      .then((r) => render(r.analysis, r.overlays))
      .catch((e: unknown) => fail(message(e)));
  const period = 1000 / fps;
  let next = performance.now();
  while (webcam && !webcam.stop) {
    const now = performance.now();
    if (now < next) {
      await new Promise((r) => setTimeout(r, next - now));
      continue;
    }
    const late = Math.floor((now - next) / period);
    next += (late + 1) * period;
    ctx.drawImage(video, 0, 0, size.width, size.height);
    if (!T) {
      const f = await detectLargestFace(canvas);
      if (!f) {
        say('No face in view: face the camera, with even light.');
        next = performance.now();
        continue;
      }
      T = alignTransform(f.landmarks, { size: faceSize });
      alignedLm = alignLandmarks(f.landmarks, T);
      say('Face found: recording. Keep your head still; the timeline updates every few seconds.');
      next = performance.now() + period;
    } else stats.dropped += late;
    frames.push(applyAlign(canvasGray(ctx, size.width, size.height), T).data);
    stats.taken++;
    if (frames.length > cap) frames.shift();
    document.body.dataset.webcamTaken = String(stats.taken);
    document.body.dataset.webcamDropped = String(stats.dropped);
    if (!inFlight && performance.now() - lastAnalyse > WEBCAM_ANALYSE_SECONDS * 1000 && frames.length >= MIN_ANALYSIS_FRAMES * 4) {
      lastAnalyse = performance.now();
      inFlight = analyseNow().finally(() => (inFlight = undefined));
    }
  }
  stream.getTracks().forEach((t) => t.stop());
  video.srcObject = null;
  el.webcam.textContent = 'Start webcam';
  await inFlight;
  if (T && frames.length >= MIN_ANALYSIS_FRAMES) {
    say('Webcam stopped: analysing the last frames…');
    await analyseNow();
  }
  busy = false;
  const droppedMsg = stats.dropped > 0 ? ` ${stats.dropped} of ${stats.taken + stats.dropped} frames could not be taken on time and were left out.` : '';
  say(`Webcam stopped after ${stats.taken} frames. The last analysis stays on screen; export it with “Export analysis.json”.${droppedMsg}`);
  document.body.dataset.state = 'webcam-stopped';
}
el.webcam.addEventListener('click', () => {
  if (webcam && !webcam.stop) webcam.stop = true;
  else void startWebcam();
});

/* ----------------------------------------------------------------- export */
el.exportBtn.addEventListener('click', () => {
  if (!current) return;
  const blob = new Blob([JSON.stringify(current.analysis, null, 1) + '\n'], { type: 'application/json' });
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = 'analysis.json';
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
});
window.addEventListener('resize', () => current && drawTimeline(el.timeline, current.analysis, selected));

/* -------------------------------------------------------------------- go */
showView(location.hash === '#reports' ? 'reports' : 'analyse');
drawTimeline(el.timeline, EMPTY);
void loadModel();
