/**
 * The page's analysis in Node: the page runs run/analyze.ts's
 * `analyzeFrames` (the core of `merkit analyze`) with an injected detector
 * and the browser classifier of src/web/modelClient.ts. Known answers for the
 * feature layout, array decoding and scores; the ONE analysis.json schema
 * with a classified event at known frames of a synthetic video; the HTTP
 * model loader predicting exactly what the Node model folder does.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Image } from '../../src/core/image.ts';
import { isMerError } from '../../src/core/errors.ts';
import type { DetectedFace } from '../../src/face/detect.ts';
import { analyzeFrames, framePool } from '../../src/run/analyze.ts';
import { classifierFromModel, decodeArray, fetchModel, flowImageToFeatures, intervalClassify, namedScores, type IntervalClassifier } from '../../src/web/modelClient.ts';
import { loadModel } from '../../src/run/modelFolder.ts';
import { fixtureRows, writeFixtureModel, FIXTURE_CLASSES } from './fixtures.ts';

test('flowImageToFeatures: interleaved RGB bytes → planar [R | G | B] / 255 (stages/flowInput.ts layout)', () => {
  const x = flowImageToFeatures({ width: 2, height: 1, data: [10, 20, 30, 40, 50, 60] });
  assert.deepEqual(Array.from(x, (v) => Math.round(v * 255)), [10, 40, 20, 50, 30, 60]);
});

test('decodeArray reads little-endian float32/float64/int32 and rejects a torn file', () => {
  const b = new ArrayBuffer(8);
  new DataView(b).setFloat32(0, 1.5, true);
  new DataView(b).setFloat32(4, -2.25, true);
  assert.deepEqual(Array.from(decodeArray(b, 'float32', 'f')), [1.5, -2.25]);
  const d = new ArrayBuffer(8);
  new DataView(d).setFloat64(0, Math.PI, true);
  assert.deepEqual(Array.from(decodeArray(d, 'float64', 'f')), [Math.PI]);
  const i = new ArrayBuffer(4);
  new DataView(i).setInt32(0, -7, true);
  assert.deepEqual(Array.from(decodeArray(i, 'int32', 'f')), [-7]);
  assert.throws(() => decodeArray(new ArrayBuffer(6), 'float32', 'x.bin'), (e) => isMerError(e) && e.file === 'x.bin');
});

test('namedScores: probabilities pass through; decision values become a softmax', () => {
  const p = namedScores(['a', 'b'], 1, [0.25, 0.75]);
  assert.deepEqual(p, { label: 'b', index: 1, scores: { a: 0.25, b: 0.75 }, probabilities: true });
  const s = namedScores(['a', 'b'], 1, [0, Math.log(2)]);
  assert.equal(s.probabilities, false);
  assert.ok(Math.abs(s.scores.a - 1 / 3) < 1e-12 && Math.abs(s.scores.b - 2 / 3) < 1e-12);
});

/** 100 frames of a 160×160 textured scene; a blob brightens and fades over frames 40–50 (apex 45) inside the face crop. */
function eventFrames(): Image[] {
  const T = 100, W = 160;
  const out: Image[] = [];
  for (let t = 0; t < T; t++) {
    const k = t >= 40 && t <= 50 ? 0.5 * (1 - Math.cos((2 * Math.PI * (t - 40)) / 10)) : 0;
    const data = new Float32Array(W * W);
    for (let y = 0; y < W; y++) {
      for (let x = 0; x < W; x++) {
        const tex = 0.4 + 0.1 * Math.sin(x * 0.35) * Math.cos(y * 0.25);
        data[y * W + x] = tex + 0.3 * k * Math.exp(-((x - 90) ** 2 + (y - 95) ** 2) / 60);
      }
    }
    out.push({ width: W, height: W, channels: 1, data });
  }
  return out;
}

/** a detector that always sees the same face: eyes at (60, 70) and (100, 70) */
async function stillFace(): Promise<DetectedFace[]> {
  const lm = new Float32Array(136);
  for (let i = 0; i < 68; i++) {
    lm[2 * i] = i >= 36 && i < 42 ? 60 : i >= 42 && i < 48 ? 100 : 80;
    lm[2 * i + 1] = i >= 36 && i < 48 ? 70 : 110;
  }
  return [{ score: 0.9, box: { x: 40, y: 40, width: 80, height: 100 }, landmarks: lm }];
}

test('analyzeFrames with the browser classifier: the one analysis.json schema, the event spotted and classified', async () => {
  const seen: number[] = [];
  const stub: IntervalClassifier = {
    recipe: 'flow-svm',
    labels: 'megc3',
    classes: ['x', 'y'],
    flowSize: 28,
    frameSize: 64,
    classify(f) {
      seen.push(f.length);
      return { label: 'y', scores: { x: 0.2, y: 0.8 }, probabilities: true };
    },
  };
  const { analysis: a, overlays } = await analyzeFrames(eventFrames(), { fps: 25, width: 160, height: 160, file: 'synthetic' }, {
    faceSize: 64,
    keyFrameInterval: 25,
    detect: stillFace,
    roi: false,
    classify: intervalClassify(stub),
  });
  assert.equal(a.format, 'merkit-analysis/1');
  assert.equal(a.video.frames, 100);
  assert.equal(a.video.duration, 4);
  assert.equal(a.video.fps, 25);
  assert.equal(a.motion.micro.length, 100);
  assert.equal(a.face.alignedSize, 64);
  assert.deepEqual(a.face.track.map((k) => k.frame), [0, 25, 50, 75, 99]);
  assert.equal(a.intervals.length, 1, JSON.stringify(a.intervals));
  const iv = a.intervals[0];
  assert.ok(iv.onset <= 45 && iv.offset >= 45 && iv.onset >= 35 && iv.offset <= 55, JSON.stringify(iv));
  assert.ok(Math.abs(iv.apex - 45) <= 2, `apex ${iv.apex}`);
  assert.equal(iv.apexTime, iv.apex / 25);
  assert.deepEqual(iv.class, { label: 'y', scores: { x: 0.2, y: 0.8 }, probabilities: true });
  assert.deepEqual(seen, [3 * 28 * 28]);
  assert.equal(overlays.get(0)!.width, 64);
  // a model trained on another crop size is refused, not silently fed the wrong size
  await assert.rejects(intervalClassify(stub)({ frames: 2, width: 32, height: 32, data: new Float32Array(2 * 32 * 32) }, 1), (e) => isMerError(e) && /64/.test(e.message));
});

test('analyzeFrames without a model spots only; no fps is a clear error', async () => {
  const { analysis } = await analyzeFrames(eventFrames(), { fps: 25, width: 160, height: 160 }, { faceSize: 64, keyFrameInterval: 25, detect: stillFace, roi: false, overlays: 0 });
  assert.equal(analysis.model, undefined);
  assert.equal(analysis.intervals[0].class, undefined);
  await assert.rejects(analyzeFrames(eventFrames(), { fps: 0, width: 160, height: 160 }, { detect: stillFace }), (e) => isMerError(e) && /fps/.test(e.message));
});

test('recycled frame buffers (framePool): the same analysis when each buffer is poisoned and reused as soon as it is handed back', async () => {
  const T = 100;
  const K = 10;
  const gray = eventFrames();
  // planar RGB frames (the decoders' kind), written into pooled buffers as framesAtSize does
  const rgb = (g: Image, into: Float32Array): Image => {
    const n = g.width * g.height;
    for (let c = 0; c < 3; c++) into.set(g.data, c * n);
    return { width: g.width, height: g.height, channels: 3, data: into };
  };
  const opts = { faceSize: 64, keyFrameInterval: K, detect: stillFace, roi: false, overlays: 2 };
  const meta = { fps: 25, width: 160, height: 160 };
  const fresh = await analyzeFrames(
    gray.map((g) => rgb(g, new Float32Array(3 * g.width * g.height))),
    meta,
    opts,
  );
  const pool = framePool();
  let handedBack = 0;
  async function* pooled(): AsyncGenerator<Image> {
    for (const g of gray) yield rgb(g, pool.take(3 * g.width * g.height));
  }
  const reused = await analyzeFrames(pooled(), meta, {
    ...opts,
    // a frame still read after it was handed back would see NaN, then a later frame
    recycle: (f) => {
      handedBack++;
      f.data.fill(NaN);
      pool.recycle(f);
    },
  });
  assert.equal(handedBack, T, 'every frame is handed back once');
  assert.ok(fresh.analysis.intervals.length > 0);
  assert.deepEqual(reused.analysis.intervals, fresh.analysis.intervals);
  assert.deepEqual(reused.analysis.motion, fresh.analysis.motion);
  assert.deepEqual([...reused.overlays.keys()], [...fresh.overlays.keys()]);
  for (const [i, img] of fresh.overlays) assert.deepEqual(reused.overlays.get(i)!.data, img.data);
  // the tracker holds at most (smoothKeyFrames + 1) key intervals plus the one being read: 2 + 1 + 1 = 4 intervals of K
  assert.ok(pool.allocated <= 4 * K + 1, `${pool.allocated} buffers for ${T} frames`);
  // closed (the decoder is done): buffers handed back later are dropped, not kept through spotting
  pool.close();
  const before = pool.allocated;
  const tiny = new Float32Array(3);
  pool.recycle({ width: 1, height: 1, channels: 3, data: tiny });
  assert.notEqual(pool.take(3), tiny);
  assert.equal(pool.allocated, before + 1);
});

test('the page loads a model folder over HTTP and predicts exactly what the Node loader predicts', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'merkit-webmodel-'));
  try {
    await writeFixtureModel(dir);
    const fetchFile = async (url: string) => {
      const buf = await readFile(join(dir, url.slice('/model/'.length))).catch(() => undefined);
      return {
        ok: buf !== undefined,
        status: buf ? 200 : 404,
        json: async () => JSON.parse(buf!.toString('utf8')),
        arrayBuffer: async () => buf!.buffer.slice(buf!.byteOffset, buf!.byteOffset + buf!.byteLength) as ArrayBuffer,
      };
    };
    const { meta, saved } = await fetchModel('/model/', fetchFile);
    const c = await classifierFromModel(meta, saved);
    assert.deepEqual(c.classes, FIXTURE_CLASSES);
    const node = await loadModel(dir);
    const { X, y } = fixtureRows(3, 99);
    const nodePred = node.model.predict(X);
    X.forEach((x, i) => {
      const r = c.classify(x);
      assert.equal(r.label, FIXTURE_CLASSES[nodePred[i].pred]);
      assert.equal(r.label, FIXTURE_CLASSES[y[i]], 'the separable fixture is classified correctly');
    });
    await assert.rejects(classifierFromModel({ ...meta, recipe: 'ststnet' }, saved), (e) => isMerError(e) && e.code === 'UNSUPPORTED');
    await assert.rejects(fetchModel('/model/missing/', fetchFile), (e) => isMerError(e) && e.code === 'NOT_FOUND');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
