/**
 * The page's analysis core (src/web/analysis.ts, modelClient.ts) in Node:
 * known answers for the feature layout, array decoding and scores; spotting
 * and classification on a synthetic volume with one event at known frames;
 * the HTTP model loader predicting exactly what the Node model folder does.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeVolume } from '../../src/core/image.ts';
import { isMerError } from '../../src/core/errors.ts';
import { analyseFaces, flowImageToFeatures, namedScores, ANALYSIS_FORMAT, type IntervalClassifier } from '../../src/web/analysis.ts';
import { classifierFromModel, decodeArray, fetchModel } from '../../src/web/modelClient.ts';
import { loadModel } from '../../src/run/modelFolder.ts';
import { fixtureRows, writeFixtureModel, FIXTURE_CLASSES } from './fixtures.ts';

test('flowImageToFeatures: interleaved RGB bytes → planar [R | G | B] / 255 (recipes/stages.ts layout)', () => {
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
  assert.deepEqual(p, { label: 'b', scores: { a: 0.25, b: 0.75 }, probabilities: true });
  const s = namedScores(['a', 'b'], 1, [0, Math.log(2)]);
  assert.equal(s.probabilities, false);
  assert.ok(Math.abs(s.scores.a - 1 / 3) < 1e-12 && Math.abs(s.scores.b - 2 / 3) < 1e-12);
});

/** 100 frames of a 48×48 textured face; a blob brightens and fades over frames 40–50 (apex 45). */
function eventVolume(): ReturnType<typeof makeVolume> {
  const T = 100, S = 48;
  const vol = makeVolume(T, S, S);
  for (let t = 0; t < T; t++) {
    const k = t >= 40 && t <= 50 ? 0.5 * (1 - Math.cos((2 * Math.PI * (t - 40)) / 10)) : 0;
    for (let y = 0; y < S; y++) {
      for (let x = 0; x < S; x++) {
        const tex = 0.4 + 0.1 * Math.sin(x * 0.7) * Math.cos(y * 0.5);
        const blob = 0.3 * k * Math.exp(-((x - 30) ** 2 + (y - 20) ** 2) / 18);
        vol.data[t * S * S + y * S + x] = tex + blob;
      }
    }
  }
  return vol;
}

test('analyseFaces spots the one event of a synthetic volume and classifies it', () => {
  const seen: number[] = [];
  const stub: IntervalClassifier = {
    recipe: 'flow-svm',
    labels: 'megc3',
    classes: ['x', 'y'],
    flowSize: 28,
    classify(f) {
      seen.push(f.length);
      return { label: 'y', scores: { x: 0.2, y: 0.8 }, probabilities: true };
    },
  };
  const { json, flows } = analyseFaces(eventVolume(), { fps: 25, classifier: stub, source: 'synthetic' });
  assert.equal(json.format, ANALYSIS_FORMAT);
  assert.equal(json.frames, 100);
  assert.equal(json.seconds, 4);
  assert.equal(json.curve.length, 100);
  assert.equal(json.intervals.length, 1, JSON.stringify(json.intervals));
  const iv = json.intervals[0];
  assert.ok(iv.onset <= 45 && iv.offset >= 45 && iv.onset >= 35 && iv.offset <= 55, JSON.stringify(iv));
  assert.ok(Math.abs(iv.apex - 45) <= 2, `apex ${iv.apex}`);
  assert.equal(iv.apexTime, iv.apex / 25);
  assert.equal(iv.class, 'y');
  assert.deepEqual(iv.probabilities, { x: 0.2, y: 0.8 });
  assert.deepEqual(seen, [3 * 28 * 28]);
  assert.equal(flows.length, 1);
  assert.equal(flows[0]!.width, 48);
  assert.deepEqual(json.model, { recipe: 'flow-svm', labels: 'megc3', classes: ['x', 'y'] });
});

test('analyseFaces without a model spots only; too short a video is a clear error', () => {
  const { json } = analyseFaces(eventVolume(), { fps: 25 });
  assert.equal(json.model, null);
  assert.equal(json.intervals[0].class, undefined);
  assert.throws(() => analyseFaces(makeVolume(3, 16, 16), { fps: 25 }), (e) => isMerError(e) && /3 frame/.test(e.message));
  assert.throws(() => analyseFaces(eventVolume(), { fps: 0 }), (e) => isMerError(e) && /fps/.test(e.message));
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
