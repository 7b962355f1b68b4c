/**
 * The benchmark harness (`npm run bench`): every stage on its own and end to end, GPU path
 * against the CPU reference, rates against ceilings measured on this machine, peak memory.
 * Writes bench/results/<date>-<adapter>[-quick].json and the report section of bench/RESULTS.md.
 *
 * Usage: npm run bench -- [options]   (or: npx tsx bench/run.ts [options])
 *   --quick            sizes 512² and 1024², up to 3 runs, 15 s per stage and size (< 5 min on 2 cores)
 *   --sizes=512,1024   image sides (default 512,1024,2048,4096; quick 512,1024)
 *   --stages=a,b       any of: ceilings, prepare, gaussian, ilastik, vgg, vgg-m, vgg-l, dinov2, gbdt, rf,
 *                      predict, e2e, stroke (default all)
 *   --runs=N           runs per measurement (default 5; quick 3)
 *   --budget=S         seconds per stage and size (default 240; quick 15); --e2e-budget=S likewise
 *   --drivers=NAME     lavapipe | swiftshader | system (default: whatever Vulkan loader finds)
 *   --out=DIR          where the JSON goes (default bench/results; partial.json.tmp there holds
 *                      the stages measured so far while a run is under way)
 *   --no-results-md    do not touch bench/RESULTS.md
 *   --md=FILE          also write the report section to FILE
 *   --json             print the JSON report on stdout (progress goes to stderr)
 */
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GpuContext } from '../src/gpu/context.js';
import { measureCpuCeilings, measureGpuCeilings } from './lib/ceilings.js';
import type { BenchEnv, StageResult } from './lib/env.js';
import { GpuTimer } from './lib/gpu-timer.js';
import { describeMachine } from './lib/machine.js';
import { markdown, updateResultsMd, writeJson } from './lib/report.js';
import type { BenchReport, Target } from './lib/report.js';
import { SCENE_SOURCE } from './lib/scene.js';
import { forestEvalStage, trainingRows, trainStages } from './stages/classifier.js';
import { composeCpuPath, endToEndStage } from './stages/end-to-end.js';
import type { CpuPerPixel, EndToEnd } from './stages/end-to-end.js';
import { EXTRACTOR_ALIASES, extractorStage, prepareStage } from './stages/features.js';
import { strokeStage } from './stages/stroke.js';
import { dinov2Stage } from './stages/dinov2.js';
import type { StrokeResult } from './stages/stroke.js';

const ALL_STAGES = ['ceilings', 'prepare', ...EXTRACTOR_ALIASES, 'dinov2', 'gbdt', 'rf', 'predict', 'e2e', 'stroke'];

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(`--${name}`);
const option = (name: string): string | undefined => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const unknown = args.filter((a) => !/^--(quick|json|no-results-md|(sizes|stages|runs|budget|e2e-budget|drivers|out|md)=.*)$/.test(a));
if (unknown.length > 0) {
  console.error(`bench: unknown option(s) ${unknown.join(' ')}; see the header of bench/run.ts`);
  process.exit(2);
}

const quick = flag('quick');
const asJson = flag('json');
const sizes = (option('sizes') ?? (quick ? '512,1024' : '512,1024,2048,4096')).split(',').map(Number);
const stages = new Set((option('stages') ?? ALL_STAGES.join(',')).split(','));
for (const s of stages) if (!ALL_STAGES.includes(s)) throw new Error(`unknown stage "${s}" (use ${ALL_STAGES.join(', ')})`);
const runs = Number(option('runs') ?? (quick ? 3 : 5));
const budgetS = Number(option('budget') ?? (quick ? 15 : 240));
const e2eBudgetS = Number(option('e2e-budget') ?? (quick ? 60 : 600));
const outDir = option('out') ?? fileURLToPath(new URL('./results/', import.meta.url));
const log = (m: string) => (asJson ? console.error : console.log)(`[${((performance.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${m}`);
const t0 = performance.now();
mkdirSync(outDir, { recursive: true });

const driver = option('drivers');
if (driver && driver !== 'system') {
  if (driver === 'swiftshader') process.env.VK_ICD_FILENAMES = '/usr/lib/chromium/vk_swiftshader_icd.json';
  else if (driver === 'lavapipe') {
    const dir = '/usr/share/vulkan/icd.d';
    process.env.VK_ICD_FILENAMES = join(dir, (existsSync(dir) ? readdirSync(dir).find((f) => f.startsWith('lvp_icd')) : undefined) ?? 'lvp_icd.json');
  } else throw new Error(`unknown driver "${driver}" (use lavapipe, swiftshader or system)`);
}

const ctx = await GpuContext.create();
const timer = GpuTimer.install(ctx);
const machine = describeMachine(ctx);
log(`adapter: ${machine.adapter?.description} (${machine.adapter?.kind}); timestamps: ${machine.timestampQuery}; load ${machine.loadStart.join(' ')}`);

const env: BenchEnv = {
  ctx,
  timer,
  budgetBytes: Math.min(ctx.pool.maxBufferBytes, 512 * 2 ** 20), // as ConvpaintModel's gpuBudget
  weights: fileURLToPath(new URL('../weights/vgg16-test-random-init.safetensors', import.meta.url)),
  quick,
  runs,
  minRuns: quick ? 1 : Math.min(5, runs),
  budgetS,
  ceilings: { gpu: null, cpu: { copyGBs: NaN, fmaGflops: NaN, histogramUpdatesPerS: NaN } },
  log,
};

/**
 * Fails the run on any uncaptured WebGPU error (a bench must not time broken work); otherwise
 * saves what was measured so far (`…-partial.json`), so an interrupted run still leaves its numbers.
 */
function checkErrors(stage: string): void {
  const errors = ctx.takeUncapturedErrors();
  if (errors.length > 0) throw new Error(`WebGPU errors during ${stage}:\n${errors.join('\n')}`);
  writeFileSync(join(outDir, 'partial.json.tmp'), JSON.stringify({ stage, machine, ceilings: env.ceilings, stages: results, endToEnd, strokes }, null, 2));
}

const results: StageResult[] = [];
let endToEnd: EndToEnd[] = [];
let strokes: StrokeResult[] = [];

env.ceilings = { gpu: await measureGpuCeilings(ctx, timer, quick ? 3 : 5), cpu: measureCpuCeilings(quick ? 3 : 5) };
checkErrors('ceilings');
const c = env.ceilings;
log(`ceilings: GPU copy ${c.gpu!.copyGBs.toFixed(1)} GB/s, copy kernel ${c.gpu!.copyKernelGBs.toFixed(1)}, read ${c.gpu!.readKernelGBs.toFixed(1)}, FMA ${c.gpu!.fmaGflops.toFixed(1)} GFLOP/s; CPU copy ${c.cpu.copyGBs.toFixed(1)} GB/s, ${c.cpu.fmaGflops.toFixed(2)} GFLOP/s`);

// End to end first: its peak memory should be a fresh process's, not what other stages left.
if (stages.has('e2e')) {
  const e2eSizes = quick ? sizes.filter((s) => s === 1024) : sizes;
  const e = await endToEndStage(env, e2eSizes.length > 0 ? e2eSizes : [sizes[0]], e2eBudgetS);
  endToEnd = e.runs;
  results.push(...e.results);
  checkErrors('end to end');
}

if (stages.has('stroke')) {
  strokes = await strokeStage(env);
  checkErrors('one more stroke');
}

if (stages.has('prepare')) results.push(...(await prepareStage(env, sizes)));
checkErrors('prepare');
for (const alias of EXTRACTOR_ALIASES) {
  if (!stages.has(alias)) continue;
  results.push(...(await extractorStage(env, alias, sizes)));
  checkErrors(alias);
}

if (stages.has('dinov2')) {
  results.push(...(await dinov2Stage(env, sizes)));
  checkErrors('dinov2');
}

const trainSizes = sizes.filter((s) => s <= (quick ? 512 : 2048));
const kinds = (['gbdt', 'rf'] as const).filter((k) => stages.has(k) || (k === 'gbdt' && stages.has('predict')));
let models = {};
if (kinds.length > 0 && trainSizes.length > 0) {
  const trained = await trainStages(env, trainSizes, kinds.filter((k) => stages.has(k) || k === 'gbdt'));
  results.push(...trained.results);
  models = trained.models;
  checkErrors('training');
}
if (stages.has('predict')) {
  const rows = await trainingRows(env, 512);
  results.push(...(await forestEvalStage(env, sizes, models, rows)));
  checkErrors('forest eval');
}

if (stages.has('e2e')) composeCpuPath(endToEnd, results, { features: perPixelCpu('features: vgg'), forest: perPixelCpu('GPU predict: GBDT eval') });

/** CPU ms per pixel of a stage at every size, from the measured sizes (nearest measured size, per pixel). */
function perPixelCpu(stage: string): Map<number, number> {
  const measured = results.filter((r) => r.stage === stage && r.status === 'ok' && r.cpu).map((r) => [r.size, r.cpu!.time.medianMs / (r.size * r.size)] as const);
  const map = new Map<number, number>();
  if (measured.length === 0) return map;
  for (const s of sizes) {
    const nearest = measured.reduce((a, b) => (Math.abs(b[0] - s) < Math.abs(a[0] - s) ? b : a));
    map.set(s, nearest[1]);
  }
  return map;
}

timer?.dispose();
ctx.dispose();
machine.loadEnd = loadavg().map((l) => Math.round(l * 100) / 100);

const report: BenchReport = {
  date: new Date().toISOString().slice(0, 10),
  command: `npm run bench${args.length ? ` -- ${args.join(' ')}` : ''}`,
  quick,
  runs,
  budgetS,
  durationS: (performance.now() - t0) / 1000,
  machine,
  ceilings: env.ceilings,
  stages: results,
  endToEnd,
  strokes,
  targets: targets(),
  scene: SCENE_SOURCE,
};

function targets(): Target[] {
  const out: Target[] = [];
  const e = endToEnd.find((x) => x.size === 1024 && x.status === 'ok');
  if (e?.total) {
    const s = e.total.medianMs / 1000;
    out.push({ name: 'train + segment, 1024² grey, ~58k scribbled px, vgg + GBDT 100 × 5', goal: '≤ 3 s (reference ≈ 30 s)', measured: `${s.toFixed(1)} s`, verdict: s <= 3 ? 'met' : `${(s / 3).toFixed(1)}× over (${(s - 3).toFixed(1)} s to cut)` });
    const gb = (e.memory?.rssBytes ?? NaN) / 1e9;
    out.push({ name: 'peak memory of that run (process RSS, GPU buffers included on a software driver)', goal: '≤ 1 GB', measured: `${gb.toFixed(2)} GB (GPU pool ${((e.memory?.gpuPoolBytes ?? NaN) / 1e9).toFixed(2)} GB)`, verdict: gb <= 1 ? `met (${((1 - gb) * 100).toFixed(0)} % headroom)` : `${(gb / 1).toFixed(2)}× over` });
  }
  const f = results.find((r) => r.stage === 'features: vgg' && r.size === 1024 && r.status === 'ok');
  const over = f?.extra?.overBound;
  if (typeof over === 'number') {
    out.push({ name: 'vgg feature pass 1024² vs the memory-bandwidth bound', goal: '≤ 3× the bound', measured: `${over.toFixed(1)}× (${((f!.extra!.movedBytes as number) / 1e9).toFixed(2)} GB must move; bound ${((f!.extra!.bandwidthBoundS as number) * 1000).toFixed(0)} ms)`, verdict: over <= 3 ? 'met' : `${(over / 3).toFixed(1)}× further than allowed` });
  }
  for (const s of strokes) {
    if (!s.referenceS) continue;
    const x = s.referenceS / (s.total.medianMs / 1000);
    out.push({ name: `one more stroke (${s.strokePixels} px), ${s.alias}, RGB 512×384: train(memoryMode) + segment`, goal: `≥ 20× the reference (${s.referenceS} s, quoted)`, measured: `${(s.total.medianMs / 1000).toFixed(2)} s (${x.toFixed(1)}×)`, verdict: x >= 20 ? 'met' : `${(20 / x).toFixed(1)}× short` });
  }
  return out;
}

const file = writeJson(report, outDir);
rmSync(join(outDir, 'partial.json.tmp'), { force: true });
const md = markdown(report);
const mdFile = option('md');
if (mdFile) writeFileSync(mdFile, `${md}\n`);
if (!flag('no-results-md')) updateResultsMd(fileURLToPath(new URL('./RESULTS.md', import.meta.url)), md);
if (asJson) console.log(JSON.stringify(report, null, 2));
else console.log(`\n${md}\nraw numbers: ${file}${flag('no-results-md') ? '' : '; report section written to bench/RESULTS.md'}`);
