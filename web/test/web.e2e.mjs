// web.e2e.mjs — the web page in a real browser: Debian's Chromium, headless, WebGPU on SwiftShader.
// Serves the built page (web/dist, from `npm run web:build`) on 127.0.0.1, then as a user would:
// opens the bundled sample, picks the gaussian features, adds classes, paints strokes with real
// mouse events, waits for the overlay, downloads the segmentation and the scribbles, changes a
// parameter, downloads the model and loads it again into a fresh page.
//
// Accuracy: the page's segmentation is compared with the sample's ground truth on unscribbled
// pixels. "The ConvpaintModel figure" is computed here, in Node, by ConvpaintModel itself (CPU
// engine) trained on exactly the scribbles the page downloaded: the same pixels, the same
// parameters, trained in one go instead of stroke by stroke. The page must reach that figure
// minus 1 point. Nothing in the page is instrumented for this test; it reads the status line's
// data attributes (state, requested/done generation, update time) and the real downloads.
//
// Run: `npm run test:web` (builds first), or `node --import tsx web/test/web.e2e.mjs` after a
// build. `--record` also rewrites the "## Web page" section of bench/RESULTS.md with the timings.
// Prints "web: N passed, N failed", writes test-results/web.json (counts) and screenshots and
// timings under test-results/web/; exits non-zero on any failure.
import { createServer } from 'node:http';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decode as decodePng, encode as encodePng } from 'fast-png';
import { chromium } from 'playwright-core';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dist = join(root, 'web', 'dist');
const outDir = join(root, 'test-results', 'web');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const BROWSER_ARGS = [
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--use-vulkan=swiftshader',
  '--use-webgpu-adapter=swiftshader',
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
// Truth labels of the sample, in the order the page's classes 1..4 are painted.
const TRUTH_LABELS = [1, 49, 67, 91];
const BRUSH = 7;
const UPDATE_TIMEOUT = 180_000;
// The large image of the region-first checks (the sample tiled).
const BIG = 4096;
const TEST_WEIGHTS = join(root, '..', 'shared', 'weights', 'vgg16-test-random-init.safetensors');
const DINOV2_TEST_WEIGHTS = join(root, '..', 'shared', 'golden', 'dinov2', 'dinov2_vits14_reg_test_random.safetensors');

mkdirSync(outDir, { recursive: true });
const record = process.argv.includes('--record');
const results = { passed: 0, failed: 0, checks: [] };
const timings = { perStrokeMs: [], workerMs: [], stages: [], byAlias: {}, loadAverage: loadavg()[0] };

function check(name, ok, detail = '') {
  results.checks.push({ name, ok, detail });
  if (ok) results.passed++;
  else results.failed++;
  console.log(`${ok ? '  ✓' : '  ✗'} ${name}${detail ? ` — ${detail}` : ''}`);
  return ok;
}

function finish(code) {
  writeFileSync(join(root, 'test-results', 'web.json'), JSON.stringify(results, null, 1));
  console.log(`\nweb: ${results.passed} passed, ${results.failed} failed`);
  process.exit(code ?? (results.failed === 0 ? 0 : 1));
}

// ---------------------------------------------------------------- static server

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.png': 'image/png', '.md': 'text/plain', '.json': 'application/json' };

function serve(dir) {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
    if (path === '/favicon.ico') {
      res.writeHead(204).end(); // browsers ask for it on any page; there is none
      return;
    }
    let file = join(dir, path);
    if (file.endsWith('/') || !extname(file)) file = join(file, 'index.html');
    if (!file.startsWith(dir) || !existsSync(file)) {
      res.writeHead(404).end('not found');
      return;
    }
    // Cross-origin isolated, as the README asks of a deployment: the workers share memory.
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' });
    res.end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

// ---------------------------------------------------------------- images and scores

function readLabels(path) {
  const png = decodePng(readFileSync(path));
  if (png.channels !== 1) throw new Error(`${path}: expected a single-channel label PNG, got ${png.channels} channels`);
  return { data: Uint8Array.from(png.data), width: png.width, height: png.height };
}

/** Share of pixels unscribbled in `scribbles` where the class painted as truth label matches. */
function accuracy(seg, truth, scribbles) {
  let ok = 0;
  let n = 0;
  for (let i = 0; i < truth.length; i++) {
    if (scribbles[i] !== 0) continue;
    n++;
    if (TRUTH_LABELS[seg[i] - 1] === truth[i]) ok++;
  }
  return ok / n;
}

function agreement(a, b) {
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  return same / a.length;
}

/**
 * Horizontal stroke paths well inside each truth region: rows where a run of pixels all at least
 * `margin` away (in a square) from another label is longest, two rows per class far apart.
 */
function strokePaths(truth, width, height, margin, count = 2) {
  const paths = [];
  for (const label of TRUTH_LABELS) {
    const runs = [];
    for (let y = margin; y < height - margin; y += 3) {
      let start = -1;
      for (let x = margin; x <= width - margin; x++) {
        let deep = x < width - margin;
        for (let dy = -margin; deep && dy <= margin; dy += margin) {
          for (let dx = -margin; dx <= margin; dx += margin) {
            if (truth[(y + dy) * width + x + dx] !== label) {
              deep = false;
              break;
            }
          }
        }
        if (deep && start < 0) start = x;
        if (!deep && start >= 0) {
          runs.push({ y, x0: start, x1: x - 1, len: x - start });
          start = -1;
        }
      }
    }
    runs.sort((a, b) => b.len - a.len);
    const chosen = [];
    for (const r of runs) {
      if (chosen.length === count) break;
      if (chosen.every((c) => Math.abs(c.y - r.y) > 40 || Math.max(c.x0, r.x0) > Math.min(c.x1, r.x1))) chosen.push(r);
    }
    if (chosen.length < count) throw new Error(`no room for ${count} stroke(s) of label ${label} in ${width}×${height}`);
    // At most 70 px long, centred in the run.
    paths.push(chosen.map((r) => {
      const mid = (r.x0 + r.x1) / 2;
      const half = Math.min(35, (r.x1 - r.x0) / 2);
      return { y: r.y, x0: Math.round(mid - half), x1: Math.round(mid + half) };
    }));
  }
  return paths;
}

/** A minimal uncompressed little-endian TIFF: `pages` grey 16-bit planes of ramps (0..60000). */
function tiffStack16(width, height, pages) {
  const entries = 9;
  const ifdSize = 2 + entries * 12 + 4;
  const pixelBytes = width * height * 2;
  const buf = Buffer.alloc(8 + pages * (ifdSize + pixelBytes));
  buf.write('II', 0, 'latin1');
  buf.writeUInt16LE(42, 2);
  buf.writeUInt32LE(8, 4);
  let at = 8;
  for (let p = 0; p < pages; p++) {
    const pixels = at + ifdSize;
    const next = p + 1 < pages ? pixels + pixelBytes : 0;
    const tags = [
      [256, 4, width], [257, 4, height], [258, 3, 16], [259, 3, 1], [262, 3, 1],
      [273, 4, pixels], [277, 3, 1], [278, 4, height], [279, 4, pixelBytes],
    ];
    buf.writeUInt16LE(entries, at);
    tags.forEach(([tag, type, value], i) => {
      const e = at + 2 + i * 12;
      buf.writeUInt16LE(tag, e);
      buf.writeUInt16LE(type, e + 2);
      buf.writeUInt32LE(1, e + 4);
      if (type === 3) buf.writeUInt16LE(value, e + 8);
      else buf.writeUInt32LE(value, e + 8);
    });
    buf.writeUInt32LE(next, at + 2 + entries * 12);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) buf.writeUInt16LE(Math.round(((x + y + p * 10) / (width + height + 20)) * 60000), pixels + (y * width + x) * 2);
    }
    at = pixels + pixelBytes;
  }
  return buf;
}

// ---------------------------------------------------------------- page helpers

async function statusOf(page) {
  return page.$eval('#status', (el) => ({ ...el.dataset, text: el.textContent }));
}

/** Waits until the newest requested update is done and the page is idle (or errors). */
async function waitForUpdate(page, afterGen = 0, timeout = UPDATE_TIMEOUT) {
  await page.waitForFunction(
    (after) => {
      const s = document.getElementById('status');
      if (s.dataset.state === 'error') return true;
      const req = Number(s.dataset.requested ?? 0);
      return req > after && Number(s.dataset.done ?? 0) === req && s.dataset.state === 'idle';
    },
    afterGen,
    { timeout, polling: 100 },
  );
  const s = await statusOf(page);
  if (s.state === 'error') throw new Error(`the page reports an error: ${s.text}`);
  return s;
}

async function toClient(page, x, y) {
  const box = await page.$eval('#image-canvas', (c) => {
    const r = c.getBoundingClientRect();
    return { left: r.left, top: r.top, sx: r.width / c.width, sy: r.height / c.height };
  });
  return { x: box.left + (x + 0.5) * box.sx, y: box.top + (y + 0.5) * box.sy };
}

async function stroke(page, path) {
  const a = await toClient(page, path.x0, path.y);
  const b = await toClient(page, path.x1, path.y);
  await page.mouse.move(a.x, a.y);
  await page.mouse.down();
  await page.mouse.move(b.x, b.y, { steps: 12 });
  await page.mouse.up();
}

async function downloadTo(page, buttonSelector, name) {
  const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.click(buttonSelector)]);
  const path = join(outDir, name);
  await dl.saveAs(path);
  return path;
}

async function setBrush(page) {
  await page.$eval('#brush', (el, v) => {
    el.value = String(v);
    el.dispatchEvent(new Event('input'));
  }, BRUSH);
}

async function selectClass(page, index) {
  await page.click(`#classes li:nth-child(${index}) input[type=radio]`);
}

/** Fresh page, the sample, `fe` features, one stroke per class: the update times of classes 2–4. */
async function perStrokeTimes(page, base, paths, fe, modelPrefix, prepare, offer = null) {
  await page.goto(base);
  await page.waitForFunction(() => document.getElementById('device-line').textContent.startsWith('WebGPU'), null, { timeout: 60_000 });
  await page.click('#sample');
  await page.waitForFunction(() => document.getElementById('image-canvas').width === 512, null, { timeout: 30_000 });
  // Features offered only once something is given (dinov2: its weights) are made available first.
  if (offer) await offer();
  await page.selectOption('#fe', fe);
  if (prepare) await prepare();
  await page.waitForFunction((p) => document.getElementById('model-line').textContent.startsWith(p), modelPrefix, { timeout: 120_000 });
  while ((await page.$$('#classes li')).length < 4) await page.click('#add-class');
  await setBrush(page);
  return oneStrokePerClass(page, paths, fe, Number((await statusOf(page)).requested ?? 0));
}

/**
 * One stroke per class (the first path of each), waiting for each update: the per-stroke times of
 * classes 2–4 (the first stroke has one class, nothing to train) and the last generation.
 */
async function oneStrokePerClass(page, paths, what, afterGen) {
  const out = { perStrokeMs: [], workerMs: [], stages: [], gen: afterGen };
  for (let c = 0; c < 4; c++) {
    await selectClass(page, c + 1);
    const t0 = Date.now();
    await stroke(page, paths[c][0]);
    const s = await waitForUpdate(page, out.gen);
    out.gen = Number(s.requested);
    if (c >= 1) {
      out.perStrokeMs.push(Date.now() - t0);
      out.workerMs.push(Number(s.updateMs));
      const m = /train ([\d.]+) s · segment ([\d.]+) s/.exec(s.text);
      if (m) out.stages.push({ train: Number(m[1]), segment: Number(m[2]) });
    }
    console.log(`    ${what} stroke class ${c + 1}: ${((Date.now() - t0) / 1000).toFixed(1)} s — ${s.text}`);
  }
  return out;
}

/** The sample tiled into a BIG×BIG RGB PNG (with its truth tiled the same way). */
function tiledSamplePng(size) {
  const img = decodePng(readFileSync(join(root, 'sample', '0000_img.png')));
  const data = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    const row = (y % img.height) * img.width;
    for (let x = 0; x < size; x++) {
      const from = (row + (x % img.width)) * img.channels;
      const to = (y * size + x) * 3;
      data[to] = img.data[from];
      data[to + 1] = img.data[from + 1];
      data[to + 2] = img.data[from + 2];
    }
  }
  return encodePng({ width: size, height: size, data, channels: 3, depth: 8 });
}

/** The image pixels on screen, from the canvas's on-screen box and the viewport's. */
async function visibleImageRegion(page) {
  return page.evaluate(() => {
    const c = document.getElementById('image-canvas');
    const r = c.getBoundingClientRect();
    const v = document.getElementById('viewport').getBoundingClientRect();
    const s = r.width / c.width;
    const x0 = Math.max(0, Math.floor((v.left - r.left) / s));
    const y0 = Math.max(0, Math.floor((v.top - r.top) / s));
    const x1 = Math.min(c.width, Math.ceil((v.right - r.left) / s));
    const y1 = Math.min(c.height, Math.ceil((v.bottom - r.top) / s));
    return { y: y0, x: x0, height: y1 - y0, width: x1 - x0, scale: s };
  });
}

/**
 * A BIG² image with a trained model: the visible region first, within the bound of the whole
 * sample; the rest in the background; strokes painted meanwhile drawn at once and picked up.
 */
async function largeImageChecks(page, base, bundlePath) {
  const bigPath = join(outDir, `tiled-${BIG}.png`);
  writeFileSync(bigPath, tiledSamplePng(BIG));
  // The bound: this model loaded onto the whole sample in a fresh page (request → overlay, timed
  // by the page; the sample fits the view, so all of it is "visible").
  await page.goto(base);
  await page.waitForFunction(() => document.getElementById('device-line').textContent.startsWith('WebGPU'), null, { timeout: 60_000 });
  await page.click('#sample');
  await page.waitForFunction(() => /Paint scribbles/.test(document.getElementById('status').textContent), null, { timeout: 60_000 });
  await page.setInputFiles('#load-model', bundlePath);
  const sampleMs = Number((await waitForUpdate(page, 0)).updateMs);

  // The large image in a fresh page, zoomed in until the view shows about as many image pixels
  // as the sample has, then the same model loaded: the view's region comes first.
  await page.goto(base);
  await page.waitForFunction(() => document.getElementById('device-line').textContent.startsWith('WebGPU'), null, { timeout: 60_000 });
  await page.setInputFiles('#open-file', bigPath);
  await page.waitForFunction((b) => document.getElementById('image-canvas').width === b, BIG, { timeout: 120_000 });
  const box = await page.$eval('#viewport', (v) => {
    const r = v.getBoundingClientRect();
    return { x: r.left + r.width / 2, y: r.top + r.height / 2 };
  });
  await page.mouse.move(box.x, box.y);
  for (let i = 0; i < 40; i++) {
    const r = await visibleImageRegion(page);
    if (r.height * r.width <= 512 * 384) break;
    await page.mouse.wheel(0, -120);
  }
  const region = await visibleImageRegion(page);
  await page.setInputFiles('#load-model', bundlePath);
  await page.waitForFunction(() => Number(document.getElementById('status').dataset.visibleGen ?? 0) > 0, null, { timeout: UPDATE_TIMEOUT, polling: 100 });
  const first = await statusOf(page);
  const visibleMs = Number(first.visibleMs);
  timings.large = { size: BIG, region: `${region.width}×${region.height}`, sampleMs, visibleMs };
  await page.screenshot({ path: join(outDir, `large-${BIG}-visible-first.png`) });
  check(
    `${BIG}² image: the visible region (${region.width}×${region.height} px) is updated within 1.5× the whole sample's update`,
    visibleMs <= 1.5 * sampleMs && first.state === 'busy' && Number(first.done ?? 0) < Number(first.visibleGen),
    `visible ${(visibleMs / 1000).toFixed(1)} s (zoom ${region.scale.toFixed(2)}), the whole 512×384 sample ${(sampleMs / 1000).toFixed(1)} s; then: ${first.text}`,
  );

  // A pan while the rest is computed: the work in flight is cut short, the new view comes first.
  const beforePan = Number(first.requested);
  const supersededBefore = Number(first.superseded ?? 0);
  await page.mouse.move(box.x, box.y);
  await page.mouse.down({ button: 'right' });
  await page.mouse.move(box.x - 150, box.y - 100, { steps: 8 });
  await page.mouse.up({ button: 'right' });
  const tPan = Date.now();
  await page.waitForFunction((g) => Number(document.getElementById('status').dataset.visibleGen ?? 0) > g, beforePan, { timeout: UPDATE_TIMEOUT, polling: 100 });
  timings.large.panMs = Date.now() - tPan;
  const panned = await statusOf(page);
  check(`${BIG}² image: a pan during background work supersedes it and segments the new view first`, Number(panned.superseded ?? 0) > supersededBefore && Number(panned.requested) > beforePan, `new view in ${(timings.large.panMs / 1000).toFixed(1)} s after the pan (the tile in flight finishes first); ${panned.text}`);
  const view = await visibleImageRegion(page);

  // While the rest of the image is being segmented: one stroke per class in the view, each drawn
  // at once; the last update must include all of them.
  await setBrush(page);
  while ((await page.$$('#classes li')).length < 4) await page.click('#add-class');
  const truth = readLabels(join(root, 'sample', '0000_ground_truth.png'));
  const inView = pathsInView(truth, view);
  let drawnAtOnce = true;
  const busyWhilePainting = [];
  for (let c = 0; c < 4; c++) {
    await selectClass(page, c + 1);
    busyWhilePainting.push((await statusOf(page)).state);
    const path = inView[c];
    await stroke(page, path);
    const mid = Math.round((path.x0 + path.x1) / 2);
    const alpha = await page.$eval('#annotation-canvas', (cv, p) => cv.getContext('2d').getImageData(p.x, p.y, 1, 1).data[3], { x: mid, y: path.y });
    drawnAtOnce &&= alpha > 0;
  }
  const lastGen = Number((await statusOf(page)).requested);
  const t0 = Date.now();
  await page.waitForFunction((g) => Number(document.getElementById('status').dataset.visibleGen ?? 0) >= g, lastGen, { timeout: UPDATE_TIMEOUT, polling: 100 });
  timings.large.lastStrokeToViewMs = Date.now() - t0;
  // The whole 4096² image: about 85 samples' worth of work on a software driver.
  const done = await waitForUpdate(page, lastGen - 1, 900_000);
  timings.large.lastStrokeToWholeMs = Date.now() - t0;
  check(`${BIG}² image: strokes painted during background work are drawn at once`, drawnAtOnce && busyWhilePainting[0] === 'busy', `page state while painting: ${busyWhilePainting.join(', ')}`);
  const annotations = readLabels(await downloadTo(page, '#dl-annot', `large-${BIG}-annotations.png`));
  const painted = annotations.data.reduce((n, v) => n + (v > 0 ? 1 : 0), 0);
  const rows = Number(/([\d,]+) scribbled px/.exec(done.text)?.[1].replaceAll(',', '') ?? -1);
  const superseded = Number(done.superseded ?? 0);
  check(`${BIG}² image: the last update trained on every stroke and segmented the whole image`, Number(done.done) === lastGen && rows === painted && new Set(annotations.data).size === 5 && superseded >= 1, `${rows} rows for ${painted} painted px; ${superseded} updates superseded; ${done.text}`);
  await page.screenshot({ path: join(outDir, `large-${BIG}-after-strokes.png`) });
}

/** One stroke per class inside `region` of the tiled image: from the tiled truth's window there. */
function pathsInView(sample, region) {
  const m = 8;
  const [h, w] = [region.height - 2 * m, region.width - 2 * m];
  const window = new Uint8Array(h * w);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) window[y * w + x] = sample.data[((region.y + m + y) % sample.height) * sample.width + ((region.x + m + x) % sample.width)];
  }
  return strokePaths(window, w, h, Math.ceil(BRUSH / 2) + 3, 1).map(([p]) => ({ y: p.y + region.y + m, x0: p.x0 + region.x + m, x1: p.x1 + region.x + m }));
}

// ---------------------------------------------------------------- the run

async function main() {
  if (!existsSync(join(dist, 'index.html'))) {
    check('built page present', false, 'web/dist/index.html missing: run `npm run web:build` first');
    return;
  }
  if (!existsSync(CHROMIUM)) {
    check('chromium present', false, `${CHROMIUM} missing: install Debian's chromium (scripts/setup-gpu.sh does)`);
    return;
  }
  const truth = readLabels(join(root, 'sample', '0000_ground_truth.png'));
  const paths = strokePaths(truth.data, truth.width, truth.height, Math.ceil(BRUSH / 2) + 3);
  const server = await serve(dist);
  const base = `http://127.0.0.1:${server.address().port}/`;
  const profile = mkdtempSync(join(tmpdir(), 'convpaint-web-'));
  const started = Date.now();
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: BROWSER_ARGS,
    acceptDownloads: true,
    viewport: { width: 1280, height: 800 },
  });
  const problems = [];
  try {
    const page = browser.pages()[0] ?? (await browser.newPage());
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
    });
    page.on('response', (r) => {
      if (r.status() >= 400) problems.push(`HTTP ${r.status()} for ${r.url()}`);
    });

    // A WebGPU adapter must exist before anything else means something.
    await page.goto(base);
    const adapter = await page.evaluate(async () => {
      if (!navigator.gpu) return null;
      const a = await navigator.gpu.requestAdapter();
      return a ? `${a.info?.vendor ?? ''} ${a.info?.architecture ?? ''}`.trim() || 'adapter' : null;
    });
    if (!check('headless Chromium has a WebGPU adapter (SwiftShader)', adapter !== null, adapter ?? 'navigator.gpu.requestAdapter() gave nothing: is SwiftShader (/usr/lib/chromium/libvk_swiftshader.so) installed?')) return;

    await page.goto(base);
    await page.waitForFunction(() => document.getElementById('device-line').textContent !== 'starting…', null, { timeout: 60_000 });
    const deviceLine = await page.textContent('#device-line');
    check('page starts on WebGPU', deviceLine.startsWith('WebGPU'), deviceLine);

    // Open the sample, switch to gaussian features (cheap on a software GPU), four classes.
    await page.click('#sample');
    await page.waitForFunction(() => document.getElementById('image-canvas').width === 512, null, { timeout: 30_000 });
    // VGG needs weights the page does not have: it must ask for them, not fail.
    await page.selectOption('#fe', 'vgg');
    await page.waitForSelector('#messages .message[data-key="weights"]', { timeout: 60_000 });
    check('choosing VGG asks for the weights file', await page.isVisible('#weights-row'), (await page.textContent('#messages')).slice(0, 100));
    await page.selectOption('#fe', 'gaussian');
    await page.waitForFunction(() => document.getElementById('model-line').textContent.startsWith('gaussian_features'), null, { timeout: 60_000 });
    await page.click('#add-class');
    await page.click('#add-class');
    check('four classes in the list', (await page.$$('#classes li')).length === 4);
    await setBrush(page);
    await page.screenshot({ path: join(outDir, 'before-painting.png') });


    // One stroke per class, waiting for each update: these are the per-stroke times.
    const strokes = await oneStrokePerClass(page, paths, 'gaussian', 0);
    timings.perStrokeMs.push(...strokes.perStrokeMs);
    timings.workerMs.push(...strokes.workerMs);
    timings.stages.push(...strokes.stages);
    let gen = strokes.gen;
    // Then a second stroke per class in quick succession: updates pile up and get superseded.
    const t1 = Date.now();
    for (let c = 0; c < 4; c++) {
      await selectClass(page, c + 1);
      await stroke(page, paths[c][1]);
    }
    const burst = await waitForUpdate(page, gen);
    const burstGen = Number(burst.requested);
    const superseded = Number(burst.superseded ?? 0);
    check('four quick strokes: stale updates superseded, one up-to-date overlay', burstGen === gen + 4 && Number(burst.done) === burstGen && superseded >= 1, `${((Date.now() - t1) / 1000).toFixed(1)} s, ${superseded} of 4 updates superseded; ${burst.text}`);
    gen = burstGen;
    await page.screenshot({ path: join(outDir, 'after-painting.png') });

    const segPath = await downloadTo(page, '#dl-seg', 'page-segmentation.png');
    const annPath = await downloadTo(page, '#dl-annot', 'page-annotations.png');
    const seg = readLabels(segPath);
    const ann = readLabels(annPath);
    const painted = ann.data.reduce((n, v) => n + (v > 0 ? 1 : 0), 0);
    check('scribbles of all four classes were painted', new Set(ann.data).size === 5, `${painted} px`);
    const pageAcc = accuracy(seg.data, truth.data, ann.data);

    // The same scribbles through ConvpaintModel directly (Node, CPU engine): the figure to reach.
    const { ConvpaintModel } = await import('../../src/index.ts');
    const img = decodePng(readFileSync(join(root, 'sample', '0000_img.png')));
    const n = img.width * img.height;
    const planar = new Uint8Array(3 * n);
    for (let i = 0; i < n; i++) for (let ch = 0; ch < 3; ch++) planar[ch * n + i] = img.data[i * img.channels + ch];
    const image = { data: planar, shape: [3, img.height, img.width] };
    const direct = await ConvpaintModel.create({ alias: 'gaussian' }, { device: 'cpu', onWarning: () => undefined });
    direct.setParam('channel_mode', 'rgb');
    await direct.train(image, { data: ann.data, shape: [img.height, img.width] });
    const directSeg = await direct.segment(image);
    const directAcc = accuracy(directSeg.data, truth.data, ann.data);
    direct.dispose();
    timings.accuracy = { page: pageAcc, direct: directAcc, scribbledPixels: painted };
    check('page accuracy ≥ ConvpaintModel on the same scribbles − 1 point', pageAcc >= directAcc - 0.01, `page ${(pageAcc * 100).toFixed(2)} %, ConvpaintModel ${(directAcc * 100).toFixed(2)} %`);
    check('page and ConvpaintModel segmentations agree', agreement(seg.data, directSeg.data) >= 0.99, `${(agreement(seg.data, directSeg.data) * 100).toFixed(2)} %`);

    // A parameter change (pyramid scalings 1 → 1,2,4) rebuilds the model and updates the overlay.
    const t2 = Date.now();
    await page.fill('#scalings', '1,2,4');
    await page.press('#scalings', 'Tab'); // commits the field: one 'change' event
    const changed = await waitForUpdate(page, gen);
    gen = Number(changed.requested);
    timings.parameterChangeMs = Date.now() - t2;
    const seg2 = readLabels(await downloadTo(page, '#dl-seg', 'page-segmentation-scalings.png'));
    const acc2 = accuracy(seg2.data, truth.data, ann.data);
    timings.accuracy.scalings124 = acc2;
    check('changing the scalings updates the segmentation', agreement(seg.data, seg2.data) < 1 && (await page.textContent('#model-line')).includes('[1, 2, 4]'), `accuracy now ${(acc2 * 100).toFixed(2)} %, ${changed.text}`);

    // Model download: the bundle and the YAML; both must load outside the page.
    const bundlePath = await downloadTo(page, '#dl-model', 'page-model.safetensors');
    const yamlPath = await downloadTo(page, '#dl-yaml', 'page-model.yml');
    const yamlText = readFileSync(yamlPath, 'utf8');
    const { paramFromYaml } = await import('../../src/index.ts');
    const yamlParam = paramFromYaml(yamlText, yamlPath);
    check('YAML holds the page parameters', yamlParam.fe_name === 'gaussian_features' && JSON.stringify(yamlParam.fe_scalings) === '[1,2,4]' && yamlParam.channel_mode === 'rgb', yamlText.split('\n').filter((l) => /fe_name|fe_scalings|channel_mode/.test(l)).join(' ').replace(/\s+/g, ' '));
    const loaded = await ConvpaintModel.create({ bundle: new Uint8Array(readFileSync(bundlePath)) }, { device: 'cpu', onWarning: () => undefined });
    const nodeSeg = await loaded.segment(image);
    loaded.dispose();
    check('the downloaded bundle segments the same in Node', agreement(nodeSeg.data, seg2.data) >= 0.99, `${(agreement(nodeSeg.data, seg2.data) * 100).toFixed(2)} % agreement`);

    // A fresh page: open the sample, load the model, segment without painting. The page is told
    // the GPU binds at most 16 MiB (?limit-mib=16): this model's 7 MiB of features and their
    // intermediates no longer fit one pass, so the engine tiles.
    await page.goto(`${base}?limit-mib=16`);
    await page.waitForFunction(() => document.getElementById('device-line').textContent.startsWith('WebGPU'), null, { timeout: 60_000 });
    await page.click('#sample');
    await page.waitForFunction(() => /Paint scribbles/.test(document.getElementById('status').textContent), null, { timeout: 60_000 });
    const t3 = Date.now();
    await page.setInputFiles('#load-model', bundlePath);
    await waitForUpdate(page, 0);
    timings.loadAndSegmentMs = Date.now() - t3;
    const seg3 = readLabels(await downloadTo(page, '#dl-seg', 'page-segmentation-reloaded.png'));
    check('a reloaded model segments the new page like before (tiled this time)', agreement(seg3.data, seg2.data) >= 0.999, `${(agreement(seg3.data, seg2.data) * 100).toFixed(3)} % agreement; model line: ${await page.textContent('#model-line')}`);
    const tiledNote = (await page.textContent('#messages')) ?? '';
    check('a too-large feature stack is tiled and the page says so', /processed in \d+ tiles/.test(tiledNote), tiledNote.replace(/\s+/g, ' ').slice(0, 160));
    await page.screenshot({ path: join(outDir, 'reloaded-model.png') });

    // Probability view of the reloaded model (one more prediction pass).
    const before = Number((await statusOf(page)).requested);
    await page.selectOption('#view', 'uncertainty');
    await waitForUpdate(page, before);
    await page.screenshot({ path: join(outDir, 'uncertainty.png') });
    check('uncertainty view drawn', (await statusOf(page)).state === 'idle');

    // "Annotate here next": drawn from the probabilities the page has (no new pass), the most
    // uncertain regions outlined; and the class-area table of the shown segmentation.
    await page.selectOption('#view', 'suggest');
    await page.waitForFunction(() => !!document.getElementById('overlay-canvas').dataset.suggestions, null, { timeout: 30_000 });
    const boxes = JSON.parse(await page.$eval('#overlay-canvas', (c) => c.dataset.suggestions));
    const inside = boxes.every(([y, x, h, w]) => y >= 0 && x >= 0 && h > 0 && w > 0 && y + h <= 384 && x + w <= 512);
    const apart = boxes.every(([y, x, h, w], i) => boxes.every(([y2, x2, h2, w2], j) => i === j || y + h <= y2 || y2 + h2 <= y || x + w <= x2 || x2 + w2 <= x));
    await page.screenshot({ path: join(outDir, 'annotate-here-next.png') });
    check('"annotate here next" outlines up to 5 separate regions inside the image', boxes.length >= 1 && boxes.length <= 5 && inside && apart, JSON.stringify(boxes));
    const areas = await page.$$eval('#areas tbody tr', (rows) => rows.map((r) => ({ value: Number(r.dataset.value), pixels: Number(r.dataset.pixels), text: r.textContent })));
    const counted = new Map();
    for (const v of seg3.data) counted.set(v, (counted.get(v) ?? 0) + 1);
    const areasMatch = areas.length === counted.size && areas.every((a) => counted.get(a.value) === a.pixels);
    await (await page.$('#areas')).screenshot({ path: join(outDir, 'class-areas.png') });
    check('the class-area table counts the shown segmentation', areasMatch && areas.reduce((n, a) => n + a.pixels, 0) === 512 * 384, areas.map((a) => a.text).join(' | '));
    await page.selectOption('#view', 'segmentation');

    // A 16-bit TIFF stack: three planes, a plane slider, contrast-stretched display.
    const tiffPath = join(outDir, 'stack16.tif');
    writeFileSync(tiffPath, tiffStack16(96, 64, 3));
    await page.setInputFiles('#open-file', tiffPath);
    await page.waitForFunction(() => document.getElementById('image-canvas').width === 96, null, { timeout: 30_000 });
    const info = await page.textContent('#image-info');
    await page.$eval('#plane', (el) => {
      el.value = '2';
      el.dispatchEvent(new Event('input'));
    });
    const planeOut = await page.textContent('#plane-out');
    const shown = await page.$eval('#image-canvas', (c) => Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data.filter((_, i) => i % 4 === 0)));
    check('a 16-bit TIFF stack opens with a plane slider', /16-bit, 3 planes/.test(info) && (await page.isVisible('#plane-row')) && planeOut === '3 / 3' && Math.max(...shown) > 200 && Math.min(...shown) < 50, `${info}; plane ${planeOut}`);

    // Per-stroke updates with the two other feature families: ilastik filters and VGG16 (the
    // seeded test weights, given to the page as a user gives it the real ones).
    for (const [fe, prefix, prepare] of [
      ['ilastik', 'ilastik', null],
      ['vgg', 'vgg16', async () => {
        await page.waitForSelector('#weights-row:not([hidden])', { timeout: 60_000 });
        await page.setInputFiles('#weights-file', TEST_WEIGHTS);
      }],
    ]) {
      const ms = await perStrokeTimes(page, base, paths, fe, prefix, prepare);
      timings.byAlias[fe] = ms;
      check(`${fe}: four strokes, four updates`, ms.perStrokeMs.length === 3, `per stroke (classes 2–4): ${ms.perStrokeMs.map((v) => `${(v / 1000).toFixed(1)} s`).join(', ')}`);
    }

    // DINOv2 is offered once its weights are in the browser (the seeded test weights here): the
    // first stroke pays the transformer pass, the others reuse the patch grid.
    await page.goto(base);
    await page.waitForFunction(() => document.getElementById('device-line').textContent.startsWith('WebGPU'), null, { timeout: 60_000 });
    check('dinov2 is not offered before its weights are given', (await page.$('#fe option[value="dinov2"]')) === null);
    const dinoMs = await perStrokeTimes(page, base, paths, 'dinov2', 'dinov2_small-reg', async () => undefined, async () => {
      await page.setInputFiles('#dinov2-file', DINOV2_TEST_WEIGHTS);
      await page.waitForSelector('#fe option[value="dinov2"]', { state: 'attached', timeout: 120_000 });
    });
    timings.byAlias.dinov2 = dinoMs;
    check('dinov2: offered once its weights are stored; four strokes, four updates', dinoMs.perStrokeMs.length === 3, `per stroke (classes 2–4): ${dinoMs.perStrokeMs.map((v) => `${(v / 1000).toFixed(1)} s`).join(', ')}`);

    await largeImageChecks(page, base, bundlePath);

    check('no page or console errors', problems.length === 0, problems.slice(0, 3).join(' | '));
  } finally {
    await browser.close();
    server.close();
    rmSync(profile, { recursive: true, force: true });
  }

  // Without the WebGPU flags, Chromium on Linux offers no adapter: the page says so and offers the CPU.
  const profile2 = mkdtempSync(join(tmpdir(), 'convpaint-web-'));
  const server2 = await serve(dist);
  const plain = await chromium.launchPersistentContext(profile2, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-features=Vulkan', '--disable-gpu'],
  });
  try {
    const page = plain.pages()[0] ?? (await plain.newPage());
    await page.goto(`http://127.0.0.1:${server2.address().port}/`);
    await page.waitForFunction(() => document.getElementById('device-line').textContent !== 'starting…', null, { timeout: 60_000 });
    const line = await page.textContent('#device-line');
    const message = (await page.textContent('#messages')) ?? '';
    if (line === 'no WebGPU') {
      await page.screenshot({ path: join(outDir, 'no-webgpu.png') });
      const offered = /no WebGPU/i.test(message) && (await page.$('#messages button:text("Use the CPU")')) !== null;
      check('without WebGPU the page explains and offers the CPU', offered, message.slice(0, 120));
      if (offered) {
        // Take the offer: the same page on the CPU reference engine, two strokes, an overlay.
        await page.click('#messages button:text("Use the CPU")');
        await page.waitForFunction(() => document.getElementById('device-line').textContent.includes('CPU'), null, { timeout: 30_000 });
        await page.click('#sample');
        await page.selectOption('#fe', 'gaussian');
        await page.waitForFunction(() => document.getElementById('model-line').textContent.startsWith('gaussian_features'), null, { timeout: 60_000 });
        await setBrush(page);
        await stroke(page, paths[0][0]);
        await selectClass(page, 2);
        await stroke(page, paths[1][0]);
        const s = await waitForUpdate(page, 0);
        check('the CPU fallback trains and segments', /Updated in/.test(s.text) && !(await page.isDisabled('#dl-seg')), s.text);
        timings.cpuFallbackMs = Number(s.updateMs);
      }
    } else {
      console.log(`    (this Chromium found a WebGPU adapter even without the flags: ${line}; the no-WebGPU message is not exercised)`);
    }
  } finally {
    await plain.close();
    server2.close();
    rmSync(profile2, { recursive: true, force: true });
  }
  timings.totalSeconds = (Date.now() - started) / 1000;
}

function writeTimings() {
  const device = 'SwiftShader (headless Chromium, software Vulkan on the CPU)';
  const stamp = new Date().toISOString().slice(0, 10);
  writeFileSync(join(outDir, 'timings.json'), JSON.stringify({ date: stamp, device, ...timings }, null, 1));
  const ms = timings.perStrokeMs;
  if (ms.length === 0) return;
  const median = [...ms].sort((a, b) => a - b)[Math.floor(ms.length / 2)];
  console.log(`per-stroke update (stroke → overlay, classes 2–4): ${ms.map((v) => (v / 1000).toFixed(1)).join(', ')} s (median ${(median / 1000).toFixed(1)} s)`);
  if (!record) return;
  const acc = timings.accuracy ?? {};
  const section = [
    '## Web page',
    '',
    `\`npm run test:web -- --record\` on ${stamp}: the browser test (\`web/test/web.e2e.mjs\`) in headless`,
    'Chromium, WebGPU on SwiftShader — a software Vulkan driver on the same 2 CPU cores, so these are CPU',
    `times, not GPU times (load average ${timings.loadAverage.toFixed(1)} when the test started). The bundled sample`,
    '(RGB 512×384), `gaussian` features, GBDT 100 trees of depth 5, memory mode (each stroke extracts only',
    'its new pixels; the classifier is refitted on all remembered ones). Measured, not asserted.',
    '',
    '| measure | time |',
    '| --- | --- |',
    `| per stroke, mouse-up to the new overlay (strokes of classes 2, 3, 4) | ${ms.map((v) => `${(v / 1000).toFixed(1)} s`).join(', ')} (median ${(median / 1000).toFixed(1)} s) |`,
    `| the same, timed by the page (request → overlay drawn) | ${timings.workerMs.map((v) => `${(v / 1000).toFixed(1)} s`).join(', ')} |`,
    timings.stages.length ? `| of which in the worker: train / segment | ${timings.stages.map((t) => `${t.train.toFixed(2)} / ${t.segment.toFixed(2)} s`).join(', ')} |` : '',
    timings.parameterChangeMs ? `| scalings 1 → 1,2,4 (new model: all scribbles extracted again, refit, segment) | ${(timings.parameterChangeMs / 1000).toFixed(1)} s |` : '',
    timings.loadAndSegmentMs ? `| load the downloaded model in a fresh page and segment (binding limit forced to 16 MiB: 48 tiles) | ${(timings.loadAndSegmentMs / 1000).toFixed(1)} s |` : '',
    timings.cpuFallbackMs ? `| one update on the CPU reference engine (the no-WebGPU fallback; 2 classes) | ${(timings.cpuFallbackMs / 1000).toFixed(1)} s |` : '',
    ...Object.entries(timings.byAlias).map(([fe, t]) => `| \`${fe}\` per stroke, mouse-up to the new overlay (classes 2, 3, 4${fe === 'vgg' || fe === 'dinov2' ? '; the seeded test weights' : ''}) — train / segment in the worker | ${t.perStrokeMs.map((v) => `${(v / 1000).toFixed(1)} s`).join(', ')} — ${t.stages.map((x) => `${x.train.toFixed(2)} / ${x.segment.toFixed(2)} s`).join(', ')} |`),
    ...(timings.large
      ? [
          `| ${timings.large.size}² image (the sample tiled), zoomed to a ${timings.large.region} px view: load the model → view segmented | ${(timings.large.visibleMs / 1000).toFixed(1)} s (the whole 512×384 sample: ${(timings.large.sampleMs / 1000).toFixed(1)} s) |`,
          timings.large.panMs ? `| the same, a pan while the rest is computed → new view segmented | ${(timings.large.panMs / 1000).toFixed(1)} s |` : '',
          timings.large.lastStrokeToViewMs ? `| the same, four strokes painted meanwhile: last stroke → view updated / → whole ${timings.large.size}² image | ${(timings.large.lastStrokeToViewMs / 1000).toFixed(1)} s / ${(timings.large.lastStrokeToWholeMs / 1000).toFixed(0)} s |` : '',
        ]
      : []),
    '',
    acc.page !== undefined
      ? `Accuracy on unscribbled pixels (${acc.scribbledPixels} px scribbled with the mouse): page ${(acc.page * 100).toFixed(2)} %, ConvpaintModel on the same scribbles ${(acc.direct * 100).toFixed(2)} %; with scalings 1,2,4 ${(acc.scalings124 * 100).toFixed(2)} %. Whole browser test: ${timings.totalSeconds?.toFixed(0)} s. On SwiftShader the segmentation pass (100 trees over 196,608 pixels) dominates; the CPU engine is faster on this machine. No hardware GPU was available for this measurement.`
      : '',
    '',
  ]
    .filter((line, i, all) => line !== '' || all[i - 1] !== '')
    .join('\n');
  const path = join(root, 'bench', 'RESULTS.md');
  const text = readFileSync(path, 'utf8');
  const start = text.indexOf('## Web page');
  let next = start >= 0 ? text.indexOf('\n## ', start + 1) : -1;
  const updated = start < 0 ? `${text.trimEnd()}\n\n${section}` : `${text.slice(0, start)}${section}${next >= 0 ? text.slice(next) : ''}`;
  writeFileSync(path, updated.endsWith('\n') ? updated : `${updated}\n`);
  console.log('bench/RESULTS.md: "## Web page" section written');
}

main()
  .catch((error) => {
    check('browser test ran to the end', false, error?.stack ?? String(error));
  })
  .finally(() => {
    writeTimings();
    finish();
  });
