/**
 * The analysis report of `merkit analyze`: a self-contained HTML page with
 * the motion timeline as inline SVG. Pure string building (no node: imports):
 * run/analyzeVideo.ts writes it next to analysis.json.
 */
import type { Analysis } from './analyze.ts';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Timeline SVG: the contrast curves with the spotted intervals shaded (micro orange, macro blue) and blinks in their own green lane under the axis. */
export function timelineSvg(a: Analysis, width = 900, height = 180): string {
  const T = a.video.frames;
  const pad = 30;
  const lane = 12;
  const x = (t: number) => pad + ((width - 2 * pad) * t) / Math.max(1, T - 1);
  const curves: [number[], string][] = [[a.motion.micro, '#d35400']];
  if (a.motion.macro) curves.push([a.motion.macro, '#2471a3']);
  const max = Math.max(1e-12, ...curves.flatMap(([c]) => c));
  const base = height - pad - lane;
  const y = (v: number) => base - ((base - pad) * v) / max;
  const parts: string[] = [];
  for (const iv of a.intervals) {
    const title = `<title>${iv.kind} ${iv.onsetTime.toFixed(2)}–${iv.offsetTime.toFixed(2)} s${iv.class ? ': ' + esc(iv.class.label) : ''}</title>`;
    const w = Math.max(2, x(iv.offset) - x(iv.onset)).toFixed(1);
    if (iv.kind === 'blink') parts.push(`<rect x="${x(iv.onset).toFixed(1)}" y="${base + 2}" width="${w}" height="${lane - 4}" fill="#1e8449" opacity="0.7">${title}</rect>`);
    else parts.push(`<rect x="${x(iv.onset).toFixed(1)}" y="${pad}" width="${w}" height="${base - pad}" fill="${iv.kind === 'micro' ? '#f5b041' : '#85c1e9'}" opacity="0.45">${title}</rect>`);
  }
  for (const [c, col] of curves) {
    const pts = c.map((v, t) => `${x(t).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
    parts.push(`<polyline fill="none" stroke="${col}" stroke-width="1" points="${pts}"/>`);
  }
  const ticks: string[] = [];
  const dur = a.video.duration;
  const step = dur > 60 ? 10 : dur > 20 ? 5 : 1;
  for (let s = 0; s <= dur; s += step) {
    const tx = x(s * a.video.fps);
    ticks.push(`<line x1="${tx.toFixed(1)}" x2="${tx.toFixed(1)}" y1="${height - pad}" y2="${height - pad + 4}" stroke="#555"/><text x="${tx.toFixed(1)}" y="${height - pad + 16}" font-size="10" text-anchor="middle">${s}s</text>`);
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"><rect width="100%" height="100%" fill="#fff"/><line x1="${pad}" x2="${width - pad}" y1="${base}" y2="${base}" stroke="#555"/><text x="${pad - 4}" y="${base + lane - 2}" font-size="9" text-anchor="end" fill="#1e8449">blink</text>${ticks.join('')}${parts.join('')}</svg>`;
}

/** The self-contained report page; `images` maps interval index → PNG data URI of its apex flow overlay. */
export function analysisHtml(a: Analysis, images: ReadonlyMap<number, string> = new Map()): string {
  const rows = a.intervals
    .map((iv, i) => {
      const probs = iv.class
        ? Object.entries(iv.class.scores)
            .map(([k, v]) => `<div class="bar"><span>${esc(k)}</span><i style="width:${(100 * v).toFixed(1)}%"></i><b>${v.toFixed(2)}</b></div>`)
            .join('')
        : iv.kind === 'blink'
          ? `<em>eye blink (aspect ratio −${Math.round(100 * (iv.blink?.depth ?? 0))} %): not classified</em>`
          : '<em>no model</em>';
      const img = images.get(i) ? `<img src="${images.get(i)}" width="128" height="128" alt="apex flow overlay">` : '';
      return `<tr><td>${i + 1}</td><td>${iv.kind}</td><td>${iv.onsetTime.toFixed(2)} / ${iv.apexTime.toFixed(2)} / ${iv.offsetTime.toFixed(2)} s<br><small>frames ${iv.onset} / ${iv.apex} / ${iv.offset}</small></td><td>${iv.score.toFixed(2)}</td><td>${iv.class ? `<strong>${esc(iv.class.label)}</strong>${iv.class.probabilities ? '' : ' <small>(scores, not probabilities)</small>'}` : ''}${probs}</td><td>${img}</td></tr>`;
    })
    .join('\n');
  const v = a.video;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>merkit analysis${v.file ? ' — ' + esc(v.file) : ''}</title>
<style>body{font:14px system-ui,sans-serif;margin:24px;color:#222}table{border-collapse:collapse}td,th{border-bottom:1px solid #ddd;padding:6px 10px;vertical-align:top;text-align:left}.bar{display:flex;align-items:center;gap:6px;font-size:12px}.bar span{width:90px}.bar i{display:inline-block;height:8px;background:#5dade2;max-width:120px}.bar b{font-weight:normal;color:#555}small{color:#777}</style></head>
<body><h1>merkit analysis</h1>
<p>${v.file ? esc(v.file) + ' — ' : ''}${v.frames} frames at ${v.fps} fps (${v.duration.toFixed(1)} s), ${v.sourceWidth ?? v.width}×${v.sourceHeight ?? v.height}${v.sourceWidth ? ` (analysed at ${v.width}×${v.height})` : ''}.
Face found on ${a.face.detectedKeyFrames} of ${a.face.keyFrames} key frames${a.face.maxFaces > 1 ? `; up to ${a.face.maxFaces} faces seen, followed: ${a.face.choice}` : ''}.
${a.model ? `Model: ${esc(a.model.recipe)} (${a.model.classes.map(esc).join(', ')}).` : 'No model: intervals are not classified.'}
Processed in ${a.timing.seconds.toFixed(1)} s (${a.timing.realtimeFactor.toFixed(2)}× real time).</p>
<h2>Motion timeline</h2>
<p><small>contrasted feature difference (orange: micro scale, blue: macro scale); shaded: spotted intervals (orange micro ≤ 0.5 s, blue macro); green lane: eye blinks (not expressions)</small></p>
${timelineSvg(a)}
<h2>Spotted intervals (${a.intervals.filter((i) => i.kind !== 'blink').length} expressions, ${a.intervals.filter((i) => i.kind === 'blink').length} blinks)</h2>
<table><tr><th>#</th><th>kind</th><th>onset / apex / offset</th><th>score</th><th>class</th><th>apex + flow</th></tr>
${rows}
</table>
<p><small>Spotting: ${esc(a.spotting.features)} block features, MEGC threshold p = ${a.spotting.p}. Posed or acted expressions are not micro-expressions; treat classes as indications.</small></p>
</body></html>
`;
}
