/** Drawing the analysis: timeline (curve, threshold, intervals), apex face with flow arrows, probability bars. */
import type { FlowField, Image } from '../src/core/image.ts';
import type { AnalysedInterval, AnalysisJson } from '../src/web/analysis.ts';

const COLORS = { micro: '#c2410c', macro: '#6d28d9', curve: '#0b5cad', threshold: '#57606a', axis: '#8c959f' };
/** flow arrows every this many aligned pixels */
const ARROW_STEP = 8;

export function drawTimeline(canvas: HTMLCanvasElement, a: Pick<AnalysisJson, 'curve' | 'fps' | 'intervals' | 'spotting'>, selected = -1, totalFrames?: number): void {
  const dpr = window.devicePixelRatio || 1;
  const cssW = canvas.clientWidth || canvas.width;
  const cssH = canvas.clientHeight || canvas.height;
  canvas.width = Math.round(cssW * dpr);
  canvas.height = Math.round(cssH * dpr);
  const ctx = canvas.getContext('2d')!;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, cssW, cssH);
  if (a.curve.length === 0 && !totalFrames) {
    ctx.fillStyle = '#57606a';
    ctx.font = '14px system-ui, sans-serif';
    ctx.fillText('No video analysed yet.', 12, cssH / 2);
    return;
  }
  const padL = 8, padR = 8, padT = 22, padB = 22;
  const T = Math.max(totalFrames ?? a.curve.length, 2);
  const W = cssW - padL - padR;
  const H = cssH - padT - padB;
  const x = (t: number) => padL + (t / (T - 1)) * W;
  const max = Math.max(1e-9, ...a.curve, a.spotting.thresholds.micro ?? 0);
  const y = (v: number) => padT + H - (v / max) * H;
  let labelEnd = -Infinity;
  a.intervals.forEach((iv, k) => {
    ctx.fillStyle = iv.kind === 'micro' ? 'rgba(194,65,12,0.16)' : 'rgba(109,40,217,0.14)';
    ctx.fillRect(x(iv.onset), padT, Math.max(2, x(iv.offset) - x(iv.onset)), H);
    if (k === selected) {
      ctx.strokeStyle = '#1b1f24';
      ctx.lineWidth = 2;
      ctx.strokeRect(x(iv.onset), padT, Math.max(2, x(iv.offset) - x(iv.onset)), H);
    }
    ctx.fillStyle = COLORS[iv.kind];
    ctx.font = '600 13px system-ui, sans-serif';
    const label = `${iv.class ?? iv.kind}`;
    const lx = Math.min(x(iv.onset), cssW - 90);
    // labels that would overlap the previous one are left out (the list below names every interval)
    if (lx > labelEnd) {
      ctx.fillText(label, lx, padT - 6);
      labelEnd = lx + ctx.measureText(label).width + 6;
    }
    ctx.beginPath();
    ctx.moveTo(x(iv.apex), padT);
    ctx.lineTo(x(iv.apex), padT + H);
    ctx.strokeStyle = COLORS[iv.kind];
    ctx.lineWidth = 1;
    ctx.stroke();
  });
  const thr = a.spotting.thresholds.micro;
  if (thr !== undefined) {
    ctx.setLineDash([5, 4]);
    ctx.strokeStyle = COLORS.threshold;
    ctx.beginPath();
    ctx.moveTo(padL, y(thr));
    ctx.lineTo(padL + W, y(thr));
    ctx.stroke();
    ctx.setLineDash([]);
  }
  ctx.strokeStyle = COLORS.curve;
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  a.curve.forEach((v, t) => (t === 0 ? ctx.moveTo(x(t), y(v)) : ctx.lineTo(x(t), y(v))));
  ctx.stroke();
  // time axis: a tick per second (or coarser for long videos)
  ctx.fillStyle = '#1b1f24';
  ctx.font = '12px system-ui, sans-serif';
  const seconds = (T - 1) / a.fps;
  const step = seconds > 60 ? 10 : seconds > 20 ? 5 : 1;
  for (let s = 0; s <= seconds; s += step) {
    const px = x(s * a.fps);
    ctx.fillRect(px, padT + H, 1, 4);
    ctx.fillText(`${s}s`, Math.min(px + 2, cssW - 24), cssH - 5);
  }
}

/** The aligned apex face (gray) with the onset→apex flow as arrows (scaled up for visibility). */
export function drawApex(canvas: HTMLCanvasElement, face: Image | undefined, flow: FlowField | undefined): void {
  const ctx = canvas.getContext('2d')!;
  ctx.fillStyle = '#000';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  if (!face) return;
  const img = ctx.createImageData(face.width, face.height);
  for (let i = 0; i < face.width * face.height; i++) {
    const g = Math.max(0, Math.min(255, Math.round(face.data[i] * 255)));
    img.data[4 * i] = img.data[4 * i + 1] = img.data[4 * i + 2] = g;
    img.data[4 * i + 3] = 255;
  }
  const tmp = document.createElement('canvas');
  tmp.width = face.width;
  tmp.height = face.height;
  tmp.getContext('2d')!.putImageData(img, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(tmp, 0, 0, canvas.width, canvas.height);
  if (!flow) return;
  const sx = canvas.width / flow.width;
  const sy = canvas.height / flow.height;
  let maxMag = 1e-9;
  for (let i = 0; i < flow.u.length; i++) maxMag = Math.max(maxMag, Math.hypot(flow.u[i], flow.v[i]));
  // the longest arrow spans one grid step: micro-motions are sub-pixel, so they are drawn magnified
  const gain = (ARROW_STEP * 0.95) / maxMag;
  ctx.strokeStyle = '#39ff14';
  ctx.lineWidth = 1.4;
  for (let y = ARROW_STEP / 2; y < flow.height; y += ARROW_STEP) {
    for (let x = ARROW_STEP / 2; x < flow.width; x += ARROW_STEP) {
      const i = Math.floor(y) * flow.width + Math.floor(x);
      const dx = flow.u[i] * gain, dy = flow.v[i] * gain;
      if (Math.hypot(dx, dy) < 0.6) continue;
      const x0 = x * sx, y0 = y * sy, x1 = (x + dx) * sx, y1 = (y + dy) * sy;
      ctx.beginPath();
      ctx.moveTo(x0, y0);
      ctx.lineTo(x1, y1);
      const ang = Math.atan2(y1 - y0, x1 - x0);
      ctx.lineTo(x1 - 4 * Math.cos(ang - 0.5), y1 - 4 * Math.sin(ang - 0.5));
      ctx.moveTo(x1, y1);
      ctx.lineTo(x1 - 4 * Math.cos(ang + 0.5), y1 - 4 * Math.sin(ang + 0.5));
      ctx.stroke();
    }
  }
}

export function renderProbabilities(el: HTMLElement, iv: AnalysedInterval | undefined, hasModel: boolean): void {
  el.replaceChildren();
  if (!iv) {
    el.innerHTML = '<p class="muted">No interval selected.</p>';
    return;
  }
  const head = document.createElement('p');
  head.innerHTML = `<span class="kind-${iv.kind}">${iv.kind}</span> ${iv.onsetTime.toFixed(2)}–${iv.offsetTime.toFixed(2)} s, apex ${iv.apexTime.toFixed(2)} s`;
  el.append(head);
  if (!iv.probabilities) {
    const p = document.createElement('p');
    p.className = 'muted';
    p.textContent = hasModel ? 'This interval is too short to classify.' : 'No model loaded (start `merkit serve --model DIR`): spotting only.';
    el.append(p);
    return;
  }
  const entries = Object.entries(iv.probabilities).sort((a, b) => b[1] - a[1]);
  for (const [name, v] of entries) {
    const row = document.createElement('div');
    row.className = 'row';
    row.innerHTML = `<span>${escapeHtml(name)}${name === iv.class ? ' ✓' : ''}</span><span class="bar" role="img" aria-label="${escapeHtml(name)} ${(v * 100).toFixed(0)} percent"><span style="width:${(v * 100).toFixed(1)}%"></span></span><span>${v.toFixed(2)}</span>`;
    el.append(row);
  }
  if (!iv.calibrated) {
    const p = document.createElement('p');
    p.className = 'muted';
    p.textContent = 'Softmax of decision values (a ranking, not calibrated probabilities).';
    el.append(p);
  }
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
