/**
 * Drawing the analysis (run/analyze.ts's `merkit-analysis/1`, the same JSON
 * `merkit analyze` writes): timeline (motion curve, threshold, intervals),
 * the apex face with its onset→apex flow overlay, probability bars.
 */
import type { Image } from '../src/core/image.ts';
import type { AnalyzedInterval, Analysis } from '../src/run/analyze.ts';
import { imageToCanvas } from './frames.ts';

/** What the timeline needs: a finished analysis, or a partial one while decoding */
export type TimelineData = { motion: { micro: number[] }; video: { fps: number }; intervals: readonly Pick<AnalyzedInterval, 'onset' | 'apex' | 'offset' | 'kind' | 'class'>[]; spotting: { thresholds: { micro?: number } } };


const COLORS = { micro: '#c2410c', macro: '#6d28d9', blink: '#1a7f37', curve: '#0b5cad', threshold: '#57606a', axis: '#8c959f' };
/** blinks are drawn in their own lane under the curve (they are not expressions) */
const BLINK_LANE = 14;

export function drawTimeline(canvas: HTMLCanvasElement, a: TimelineData, selected = -1, totalFrames?: number): void {
  const curve = a.motion.micro;
  const fps = a.video.fps;
  const dpr = window.devicePixelRatio || 1;
  const cssW = canvas.clientWidth || canvas.width;
  const cssH = canvas.clientHeight || canvas.height;
  canvas.width = Math.round(cssW * dpr);
  canvas.height = Math.round(cssH * dpr);
  const ctx = canvas.getContext('2d')!;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, cssW, cssH);
  if (curve.length === 0 && !totalFrames) {
    ctx.fillStyle = '#57606a';
    ctx.font = '14px system-ui, sans-serif';
    ctx.fillText('No video analysed yet.', 12, cssH / 2);
    return;
  }
  const padL = 8, padR = 8, padT = 22, padB = 22 + BLINK_LANE;
  const T = Math.max(totalFrames ?? curve.length, 2);
  const W = cssW - padL - padR;
  const H = cssH - padT - padB;
  const x = (t: number) => padL + (t / (T - 1)) * W;
  const max = Math.max(1e-9, ...curve, a.spotting.thresholds.micro ?? 0);
  const y = (v: number) => padT + H - (v / max) * H;
  let labelEnd = -Infinity;
  a.intervals.forEach((iv, k) => {
    if (iv.kind === 'blink') {
      // the blink lane: a green bar under the curve, labelled once
      const bx = x(iv.onset);
      const bw = Math.max(3, x(iv.offset) - bx);
      ctx.fillStyle = COLORS.blink;
      ctx.globalAlpha = k === selected ? 0.9 : 0.55;
      ctx.fillRect(bx, padT + H + 3, bw, BLINK_LANE - 6);
      ctx.globalAlpha = 1;
      if (k === selected) {
        ctx.strokeStyle = '#1b1f24';
        ctx.lineWidth = 2;
        ctx.strokeRect(bx, padT + H + 2, bw, BLINK_LANE - 4);
      }
      return;
    }
    ctx.fillStyle = iv.kind === 'micro' ? 'rgba(194,65,12,0.16)' : 'rgba(109,40,217,0.14)';
    ctx.fillRect(x(iv.onset), padT, Math.max(2, x(iv.offset) - x(iv.onset)), H);
    if (k === selected) {
      ctx.strokeStyle = '#1b1f24';
      ctx.lineWidth = 2;
      ctx.strokeRect(x(iv.onset), padT, Math.max(2, x(iv.offset) - x(iv.onset)), H);
    }
    ctx.fillStyle = COLORS[iv.kind];
    ctx.font = '600 13px system-ui, sans-serif';
    const label = `${iv.class?.label ?? iv.kind}`;
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
  curve.forEach((v, t) => (t === 0 ? ctx.moveTo(x(t), y(v)) : ctx.lineTo(x(t), y(v))));
  ctx.stroke();
  // time axis: a tick per second (or coarser for long videos)
  ctx.fillStyle = '#1b1f24';
  ctx.font = '12px system-ui, sans-serif';
  const seconds = (T - 1) / fps;
  const step = seconds > 60 ? 10 : seconds > 20 ? 5 : 1;
  for (let s = 0; s <= seconds; s += step) {
    const px = x(s * fps);
    ctx.fillRect(px, padT + H + BLINK_LANE, 1, 4);
    ctx.fillText(`${s}s`, Math.min(px + 2, cssW - 24), cssH - 5);
  }
}

/** The apex face with its onset→apex flow overlay (hue = direction, strength = magnitude), or black. */
export function drawApex(canvas: HTMLCanvasElement, overlay: Image | undefined): void {
  const ctx = canvas.getContext('2d')!;
  ctx.fillStyle = '#000';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  if (!overlay) return;
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(imageToCanvas(overlay), 0, 0, canvas.width, canvas.height);
}

export function renderProbabilities(el: HTMLElement, iv: AnalyzedInterval | undefined, hasModel: boolean): void {
  el.replaceChildren();
  if (!iv) {
    el.innerHTML = '<p class="muted">No interval selected.</p>';
    return;
  }
  const head = document.createElement('p');
  head.innerHTML = `<span class="kind-${iv.kind}">${iv.kind}</span> ${iv.onsetTime.toFixed(2)}–${iv.offsetTime.toFixed(2)} s, apex ${iv.apexTime.toFixed(2)} s`;
  el.append(head);
  if (!iv.class) {
    const p = document.createElement('p');
    p.className = 'muted';
    p.textContent =
      iv.kind === 'blink'
        ? `An eye blink (the eyes' aspect ratio dropped by ${Math.round(100 * (iv.blink?.depth ?? 0))} % and recovered): not an expression, not classified.`
        : hasModel
          ? 'This interval is too short to classify.'
          : 'No model loaded (start `merkit serve --model DIR`): spotting only.';
    el.append(p);
    return;
  }
  const entries = Object.entries(iv.class.scores).sort((a, b) => b[1] - a[1]);
  for (const [name, v] of entries) {
    const row = document.createElement('div');
    row.className = 'row';
    row.innerHTML = `<span>${escapeHtml(name)}${name === iv.class.label ? ' ✓' : ''}</span><span class="bar" role="img" aria-label="${escapeHtml(name)} ${(v * 100).toFixed(0)} percent"><span style="width:${(v * 100).toFixed(1)}%"></span></span><span>${v.toFixed(2)}</span>`;
    el.append(row);
  }
  if (!iv.class.probabilities) {
    const p = document.createElement('p');
    p.className = 'muted';
    p.textContent = 'Softmax of decision values (a ranking, not calibrated probabilities).';
    el.append(p);
  }
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
