/**
 * The merkit page: analyse a video file or the webcam (face → aligned crop →
 * spotting → flow image → model), show the timeline, the apex frame with its
 * flow, class probabilities, export analysis.json; and list/open evaluation
 * reports. Everything runs in this tab; only `merkit serve` is contacted.
 */
import { alignTransform, applyAlign, type AlignTransform } from '../src/face/align.ts';
import type { Image, Volume } from '../src/core/image.ts';
import { isMerError } from '../src/core/errors.ts';
import { spotIntervals } from '../src/temporal/spot.ts';
import { analyseFaces, MIN_ANALYSIS_FRAMES, type AnalysisDetail, type AnalysisJson, type FaceTrackEntry, type IntervalClassifier } from '../src/web/analysis.ts';
import { classifierFromModel, fetchModel } from '../src/web/modelClient.ts';
import { detectLargestFace, initFaces } from './face.ts';
import { canvasGray, drawFrameAt, openVideoFile, scaledSize } from './frames.ts';
import { drawApex, drawTimeline, escapeHtml, renderProbabilities } from './draw.ts';
import { loadReports } from './reportsView.ts';

/** aligned face side: flow-svm's frameSize (the model's training crops) */
const ALIGN_SIZE = 128;
/** re-detect the face this often (seconds) to record the face track and notice when it leaves */
const KEY_SECONDS = 1;
/** frames searched for a first face: 0 s, 0.5 s, … */
const FIRST_FACE_TRIES = 8;
const FIRST_FACE_STEP_SECONDS = 0.5;
/** redraw the (spotting-only) timeline every this many frames while decoding */
const PARTIAL_EVERY = 50;
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

const EMPTY = { curve: [], fps: 25, intervals: [], spotting: { features: 'intensity', p: null, scales: {}, thresholds: {} } };
let classifier: IntervalClassifier | undefined;
let current: { detail: AnalysisDetail; vol: Volume } | undefined;
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
      el.model.textContent = `Model: ${meta.recipe}, classes ${meta.classes.join(', ')} (${meta.labels}).`;
    } catch (e) {
      el.model.textContent = message(e);
    }
  } catch (e) {
    el.model.textContent = `The model could not be loaded: ${message(e)}`;
  }
}

/* --------------------------------------------------------------- results */
function render(detail: AnalysisDetail, vol: Volume, final: boolean): void {
  current = { detail, vol };
  const a = detail.json;
  drawTimeline(el.timeline, a, selected);
  el.intervals.replaceChildren();
  a.intervals.forEach((iv, k) => {
    const li = document.createElement('li');
    const b = document.createElement('button');
    b.type = 'button';
    b.setAttribute('aria-pressed', String(k === selected));
    b.innerHTML = `<span class="kind-${iv.kind}">${iv.kind}</span> ${iv.onsetTime.toFixed(2)}–${iv.offsetTime.toFixed(2)} s${iv.class ? ` · <strong>${escapeHtml(iv.class)}</strong>` : ''}`;
    b.dataset.interval = String(k);
    b.addEventListener('click', () => select(k));
    li.append(b);
    el.intervals.append(li);
  });
  if (final) {
    el.exportBtn.disabled = false;
    if (a.intervals.length > 0) select(selected >= 0 && selected < a.intervals.length ? selected : bestInterval(a));
    else {
      renderProbabilities(el.probs, undefined, !!classifier);
      drawApex(el.apex, undefined, undefined);
    }
  }
}

function bestInterval(a: AnalysisJson): number {
  let best = 0;
  a.intervals.forEach((iv, k) => (iv.score > a.intervals[best].score ? (best = k) : 0));
  return best;
}

function select(k: number): void {
  if (!current) return;
  selected = k;
  const { detail, vol } = current;
  const iv = detail.json.intervals[k];
  const n = vol.width * vol.height;
  const face: Image = { width: vol.width, height: vol.height, channels: 1, data: vol.data.subarray(iv.apex * n, (iv.apex + 1) * n) };
  drawApex(el.apex, face, detail.flows[k]);
  el.apexCaption.textContent = `Apex ${iv.apexTime.toFixed(2)} s (frame ${iv.apex}), onset→apex flow`;
  el.apex.setAttribute('aria-label', `Aligned face at the apex, frame ${iv.apex}, with the onset-to-apex optical flow drawn as magnified arrows`);
  renderProbabilities(el.probs, iv, !!classifier);
  drawTimeline(el.timeline, detail.json, k);
  el.intervals.querySelectorAll('button').forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.interval === String(k))));
}

function reset(): void {
  el.error.hidden = true;
  el.exportBtn.disabled = true;
  current = undefined;
  selected = -1;
  el.intervals.replaceChildren();
  renderProbabilities(el.probs, undefined, !!classifier);
  drawApex(el.apex, undefined, undefined);
  el.apexCaption.textContent = 'Apex frame and flow';
  drawTimeline(el.timeline, EMPTY);
}

function fpsValue(): number {
  const v = Number(el.fps.value);
  if (!(v >= 1 && v <= 240)) throw new Error(`frames per second must be between 1 and 240, got '${el.fps.value}'`);
  return v;
}

/* ------------------------------------------------------------ video file */
async function analyseFile(file: File): Promise<void> {
  if (busy) return;
  busy = true;
  document.body.dataset.state = 'busy';
  reset();
  try {
    const fps = fpsValue();
    say(`Opening ${file.name}…`);
    const info = await openVideoFile(el.video, file);
    const size = scaledSize(info.width, info.height);
    const canvas = document.createElement('canvas');
    canvas.width = size.width;
    canvas.height = size.height;
    const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
    say('Loading the face detector…');
    el.backend.textContent = `tfjs backend: ${await initFaces()}`;
    const total = Math.max(1, Math.floor(info.duration * fps + 1e-6));
    // first face
    let T: AlignTransform | undefined;
    const track: FaceTrackEntry[] = [];
    const toSource = info.width / size.width;
    for (let k = 0; k < FIRST_FACE_TRIES && !T; k++) {
      const i = Math.min(total - 1, Math.round(k * FIRST_FACE_STEP_SECONDS * fps));
      await drawFrameAt(el.video, ctx, i, fps);
      const f = await detectLargestFace(canvas);
      if (f) T = alignTransform(f.landmarks, { size: ALIGN_SIZE });
      if (i === total - 1) break;
    }
    const searched = Math.min(info.duration, FIRST_FACE_TRIES * FIRST_FACE_STEP_SECONDS);
    if (!T) throw new Error(`No face found in the first ${searched.toFixed(1)} s of '${file.name}'. Use a video with one clearly visible, roughly frontal face.`);
    const nPix = ALIGN_SIZE * ALIGN_SIZE;
    const data = new Float32Array(total * nPix);
    const keyEvery = Math.max(1, Math.round(KEY_SECONDS * fps));
    el.progress.hidden = false;
    let lost = 0;
    for (let i = 0; i < total; i++) {
      await drawFrameAt(el.video, ctx, i, fps);
      if (i % keyEvery === 0) {
        const f = await detectLargestFace(canvas);
        if (f) track.push({ frame: i, score: +f.score.toFixed(3), box: { x: +(f.box.x * toSource).toFixed(1), y: +(f.box.y * toSource).toFixed(1), width: +(f.box.width * toSource).toFixed(1), height: +(f.box.height * toSource).toFixed(1) } });
        else lost++;
      }
      data.set(applyAlign(canvasGray(ctx, size.width, size.height), T).data, i * nPix);
      el.progress.value = (i + 1) / total;
      if ((i + 1) % PARTIAL_EVERY === 0 && i + 1 >= MIN_ANALYSIS_FRAMES) {
        say(`Decoding and aligning: frame ${i + 1} of ${total}…`);
        const part: Volume = { frames: i + 1, height: ALIGN_SIZE, width: ALIGN_SIZE, data: data.subarray(0, (i + 1) * nPix) };
        const s = spotIntervals(part, { fps });
        drawTimeline(el.timeline, { curve: Array.from(s.curves.micro), fps, intervals: s.intervals.map((v) => ({ ...v, onsetTime: v.onset / fps, apexTime: v.apex / fps, offsetTime: v.offset / fps })), spotting: { features: 'intensity', p: null, scales: {}, thresholds: { micro: s.thresholds.micro } } }, -1, total);
      }
    }
    say('Spotting and recognising…');
    await new Promise((r) => setTimeout(r, 0));
    const vol: Volume = { frames: total, height: ALIGN_SIZE, width: ALIGN_SIZE, data };
    const detail = analyseFaces(vol, { fps, classifier, track, source: file.name });
    render(detail, vol, true);
    const n = detail.json.intervals.length;
    const lostMsg = lost > 0 ? ` The face was not found on ${lost} of ${Math.ceil(total / keyEvery)} key frames.` : '';
    say(n === 0 ? `Done: no expression spotted in ${detail.json.seconds.toFixed(1)} s.${lostMsg}` : `Done: ${n} interval(s) spotted in ${detail.json.seconds.toFixed(1)} s of video.${lostMsg}`);
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
  const nPix = ALIGN_SIZE * ALIGN_SIZE;
  const frames: Float32Array[] = [];
  let T: AlignTransform | undefined;
  let lastAnalyse = performance.now();
  const period = 1000 / fps;
  let next = performance.now();
  while (webcam && !webcam.stop) {
    const now = performance.now();
    if (now < next) {
      await new Promise((r) => setTimeout(r, next - now));
      continue;
    }
    next += period;
    ctx.drawImage(video, 0, 0, size.width, size.height);
    if (!T) {
      const f = await detectLargestFace(canvas);
      if (!f) {
        say('No face in view: face the camera, with even light.');
        next = performance.now();
        continue;
      }
      T = alignTransform(f.landmarks, { size: ALIGN_SIZE });
      say('Face found: recording. Keep your head still; the timeline updates every few seconds.');
    }
    frames.push(applyAlign(canvasGray(ctx, size.width, size.height), T).data);
    if (frames.length > cap) frames.shift();
    if (performance.now() - lastAnalyse > WEBCAM_ANALYSE_SECONDS * 1000 && frames.length >= MIN_ANALYSIS_FRAMES * 4) {
      lastAnalyse = performance.now();
      const data = new Float32Array(frames.length * nPix);
      frames.forEach((f, i) => data.set(f, i * nPix));
      const vol: Volume = { frames: frames.length, height: ALIGN_SIZE, width: ALIGN_SIZE, data };
      try {
        render(analyseFaces(vol, { fps, classifier, source: 'webcam' }), vol, true);
      } catch (e) {
        fail(message(e));
      }
      next = performance.now();
    }
  }
  stream.getTracks().forEach((t) => t.stop());
  video.srcObject = null;
  el.webcam.textContent = 'Start webcam';
  busy = false;
  say('Webcam stopped. The last analysis stays on screen; export it with “Export analysis.json”.');
}
el.webcam.addEventListener('click', () => {
  if (webcam && !webcam.stop) webcam.stop = true;
  else void startWebcam();
});

/* ----------------------------------------------------------------- export */
el.exportBtn.addEventListener('click', () => {
  if (!current) return;
  const blob = new Blob([JSON.stringify(current.detail.json, null, 2) + '\n'], { type: 'application/json' });
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = 'analysis.json';
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
});
window.addEventListener('resize', () => current && drawTimeline(el.timeline, current.detail.json, selected));

/* -------------------------------------------------------------------- go */
showView(location.hash === '#reports' ? 'reports' : 'analyse');
drawTimeline(el.timeline, EMPTY);
void loadModel();
