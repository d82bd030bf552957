/**
 * Blinks on the real posed videos of ../shared/data/videos (skipped without
 * them): `merkit analyze`'s analysis (analyzeVideo, no model) of each video
 * against the blinks found by eye (test/fixtures/videoBlinks.ts). Every blink
 * the spotter can see (not cut by the video's end) is reported as a blink;
 * no blink is left as a micro-expression; no blink is reported where the
 * eyes did not blink.
 *
 * The blink detector's two thresholds (4 % EAR drop, 0.3 s dip width,
 * face/blink.ts) were set looking at these videos' EAR series, so this test
 * shows the detector works on them, not how it generalises; bench:analyze
 * measures it on synthetic videos whose seeds were not looked at.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { analyzeVideo } from '../../src/run/analyzeVideo.ts';
import { intervalIoU } from '../../src/temporal/spotEval.ts';
import { VIDEO_BLINKS } from '../fixtures/videoBlinks.ts';
import { skipUnlessShared, SHARED_DATA } from '../helpers/shared.ts';

const skip = skipUnlessShared('videos');
if (skip) console.log(`# skipped: ${skip}`);
/** a reported blink may start or end this many frames from the one seen by eye (the lids' first movement is a judgement) */
const SLACK = 2;

for (const [video, blinks] of Object.entries(VIDEO_BLINKS)) {
  test(`${video}: ${blinks.length} blink(s) seen by eye, reported as blinks, never as micro-expressions`, { skip, timeout: 600000 }, async () => {
    const { analysis: a } = await analyzeVideo(join(SHARED_DATA, 'videos', video), { overlays: 0 });
    const fps = a.video.fps;
    const truth = blinks.map((b) => ({ onset: Math.round(b.start * fps), offset: Math.round(b.end * fps), atEnd: b.atEnd }));
    const found = a.intervals.filter((i) => i.kind === 'blink');
    const show = JSON.stringify(a.intervals.map((i) => [i.kind, i.onset, i.apex, i.offset, i.blink?.depth]));
    for (const b of truth.filter((t) => !t.atEnd)) {
      assert.ok(found.some((f) => f.blink!.apex >= b.onset - SLACK && f.blink!.apex <= b.offset + SLACK), `blink at frames ${b.onset}–${b.offset} reported: ${show}`);
      const asMicro = a.intervals.filter((i) => i.kind === 'micro' && intervalIoU(i, b) >= 0.5);
      assert.deepEqual(asMicro, [], `blink at frames ${b.onset}–${b.offset} is not a micro-expression: ${show}`);
    }
    for (const f of found) {
      assert.ok(truth.some((b) => f.blink!.apex >= b.onset - SLACK && f.blink!.apex <= b.offset + SLACK), `reported blink at frame ${f.blink!.apex} was seen by eye: ${show}`);
    }
    assert.equal(a.spotting.blinks.method, 'ear');
  });
}
