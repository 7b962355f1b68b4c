/**
 * The harness's output: the raw JSON (bench/results/<date>-<adapter>[-quick].json) and a readable
 * markdown report, printed and written into bench/RESULTS.md between two marker comments (the
 * topic sections below them are left alone).
 */
import type { StrokeResult } from '../stages/stroke.js';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Ceilings } from './ceilings.js';
import type { Rate, StageResult } from './env.js';
import type { MachineInfo } from './machine.js';
import { adapterSlug, fmtLoad } from './machine.js';
import { mib } from './memory.js';
import { fmtMs, fmtTiming } from './timing.js';
import type { EndToEnd } from '../stages/end-to-end.js';
import { E2E_PIECES } from '../stages/end-to-end.js';

export interface Target {
  name: string;
  goal: string;
  measured: string;
  verdict: string;
}

export interface BenchReport {
  date: string;
  command: string;
  quick: boolean;
  runs: number;
  budgetS: number;
  durationS: number;
  machine: MachineInfo;
  ceilings: Ceilings;
  stages: StageResult[];
  endToEnd: EndToEnd[];
  /** One more stroke on the sample (bench/stages/stroke.ts). */
  strokes: StrokeResult[];
  targets: Target[];
  scene: string;
}

export const RESULTS_START = '<!-- bench-harness:start (written by `npm run bench`; do not edit by hand) -->';
export const RESULTS_END = '<!-- bench-harness:end -->';

export function writeJson(report: BenchReport, dir: string): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${report.date}-${adapterSlug(report.machine)}${report.quick ? '-quick' : ''}.json`);
  writeFileSync(file, JSON.stringify(report, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) + '\n');
  return file;
}

const pct = (x: number) => (x >= 0.095 ? `${(x * 100).toFixed(0)} %` : `${(x * 100).toFixed(1)} %`);

function fmtRate(r: Rate): string {
  const v = r.value >= 100 ? r.value.toFixed(0) : r.value >= 10 ? r.value.toFixed(1) : r.value.toFixed(2);
  const of = r.ceiling ? ` (${pct(r.value / r.ceiling)} of ceiling)` : '';
  return `${r.what} ${v} ${r.unit}${of}`;
}

function memoryCell(s: StageResult): string {
  const g = s.memory?.gpuPath;
  const c = s.memory?.cpuPath;
  const parts: string[] = [];
  if (g) parts.push(`GPU path: RSS ${mib(g.rssBytes)} (from ${mib(g.startRssBytes)}), pool ${mib(g.gpuPoolBytes)}`);
  if (c) parts.push(`CPU path: RSS ${mib(c.rssBytes)} (from ${mib(c.startRssBytes)})`);
  return parts.join('; ') || '–';
}

function stageRow(s: StageResult): string {
  if (s.status === 'skipped') return `| ${s.stage} | ${s.size}² | skipped: ${s.note} | | | | | | | |`;
  const gpu = s.gpu ? fmtTiming(s.gpu.wall) : '–';
  const kernel = s.gpu?.kernel ? fmtTiming(s.gpu.kernel) : '–';
  const warm = s.gpu && Number.isFinite(s.gpu.warmupMs) ? `${fmtMs(s.gpu.warmupMs)} at ${s.gpu.warmupSide}²${s.gpu.pipelinesCompiled ? `, ${s.gpu.pipelinesCompiled} pipelines` : ''}` : '–';
  const cpu = s.cpu ? `${fmtTiming(s.cpu.time)}${s.cpu.scaled ? ` (from ${s.cpu.measuredOn})` : s.cpu.measuredOn.includes('rows') ? ` (${s.cpu.measuredOn})` : ''}` : '–';
  const ratio = s.gpuOverCpu !== undefined ? `${s.gpuOverCpu.toFixed(2)}` : 'n/a';
  const rates = [...s.rates.map(fmtRate)];
  const over = s.extra?.overBound;
  if (typeof over === 'number' && Number.isFinite(over)) rates.push(`${over.toFixed(1)}× the bandwidth bound`);
  const runs = s.gpu ? s.gpu.wall.runs : (s.cpu?.time.runs ?? 0);
  return `| ${s.stage} | ${s.size}² | ${gpu} | ${kernel} | ${warm} | ${cpu} | ${ratio} | ${rates.join('; ')} | ${memoryCell(s)} | ${runs} |`;
}

export function markdown(r: BenchReport): string {
  const m = r.machine;
  const g = r.ceilings.gpu;
  const lines: string[] = [];
  lines.push(`## Harness: \`${r.command}\` — ${r.date}, ${m.adapter?.kind ?? 'no GPU'}`);
  lines.push('');
  lines.push(`- **Machine**: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}.`);
  lines.push(`- **Adapter**: ${m.adapter ? `${m.adapter.description} (${m.adapter.vendor || '?'}; ${m.adapter.kind})` : 'none'}; timestamp queries: ${m.timestampQuery ? 'yes (kernel times below)' : 'no (wall times only)'}.`);
  lines.push(`- **Load average** (1/5/15 min): ${fmtLoad(m.loadStart)} at the start, ${fmtLoad(m.loadEnd)} at the end, on ${m.cores} cores.`);
  lines.push(`- **Mode**: ${r.quick ? 'quick' : 'full'}; up to ${r.runs} runs per measurement after a warm-up, GPU and CPU reference alternated; ${r.budgetS} s budget per stage and size (sizes that would overrun it are skipped, see the table). Whole run: ${(r.durationS / 60).toFixed(1)} min.`);
  lines.push(`- **Input**: ${r.scene}.`);
  lines.push('');
  lines.push('### Ceilings measured on this machine');
  lines.push('');
  lines.push('| ceiling | GPU (adapter) | CPU (one thread) |');
  lines.push('| --- | --- | --- |');
  if (g) {
    lines.push(`| memory bandwidth, copy (read + write) | ${g.copyGBs.toFixed(1)} GB/s copyBufferToBuffer; ${g.copyKernelGBs.toFixed(1)} GB/s vec4 copy kernel (${mib(g.bufferBytes)} buffers) | ${r.ceilings.cpu.copyGBs.toFixed(1)} GB/s \`TypedArray.set\` |`);
    lines.push(`| memory bandwidth, streaming read | ${g.readKernelGBs.toFixed(1)} GB/s | – |`);
    lines.push(`| arithmetic | ${g.fmaGflops.toFixed(1)} GFLOP/s (FMA-chain kernel) | ${r.ceilings.cpu.fmaGflops.toFixed(2)} GFLOP/s (scalar multiply-add loop) |`);
    lines.push(`| histogram updates (4 statistics at random bins) | ${(g.histogramUpdatesPerS / 1e6).toFixed(0)} M/s (vec4 scatter-add kernel, 48 owners) | ${(r.ceilings.cpu.histogramUpdatesPerS / 1e6).toFixed(0)} M/s (Float64Array) |`);
  } else {
    lines.push(`| memory bandwidth, copy | – | ${r.ceilings.cpu.copyGBs.toFixed(1)} GB/s |`);
    lines.push(`| arithmetic | – | ${r.ceilings.cpu.fmaGflops.toFixed(2)} GFLOP/s |`);
    lines.push(`| histogram updates | – | ${(r.ceilings.cpu.histogramUpdatesPerS / 1e6).toFixed(0)} M/s |`);
  }
  lines.push('');
  lines.push('"% of ceiling" uses the best GPU bandwidth above for passes (bytes counted from each dispatch: every pass reads its input region and writes its output once), the FMA kernel for conv FLOPs, and for trees the rate at which every pixel\'s features could be read once. "× the bandwidth bound" = feature-pass kernel time / (bytes that must move ÷ best GPU bandwidth).');
  lines.push('');
  lines.push('### Stages');
  lines.push('');
  lines.push('| stage | size | GPU wall, median (min–max) | GPU kernels (timestamps) | warm-up (compilation) | CPU reference | GPU / CPU | achieved | peak memory | runs |');
  lines.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  const last = (s: StageResult) => (s.stage.startsWith('end to end') ? 1 : 0);
  for (const s of [...r.stages].sort((a, b) => last(a) - last(b))) lines.push(stageRow(s));
  lines.push('');
  lines.push('Peak memory: the process\'s peak RSS during the stage\'s first run of each path (Linux VmHWM, reset before it; "from" = RSS when it began, i.e. what earlier stages left) and our GPU buffer pool\'s high-water mark. On a software driver the GPU buffers live in the process, so RSS includes them. The end-to-end run goes first, right after the ceilings, so its peak is close to a fresh process\'s.');
  lines.push('');
  lines.push('GPU / CPU: median over rounds of (GPU time ÷ CPU reference time) measured in the same round (kernel time when timestamps exist, else wall); < 1 means the GPU path is faster. CPU times "from N²" ran on a top-left crop and are scaled by the pixels the CPU engine tile plan would process (halos included) at the full size.');
  lines.push('');
  lines.push('### End to end: default model (`vgg`, GBDT 100 × depth 5), train + segment');
  lines.push('');
  lines.push(`| size | scribbled px → rows | total, median (min–max) | ${E2E_PIECES.join(' | ')} | peak RSS | GPU pool peak | CPU path (composed) | runs |`);
  lines.push(`| --- | --- | --- | ${E2E_PIECES.map(() => '---').join(' | ')} | --- | --- | --- | --- |`);
  for (const e of r.endToEnd) {
    if (e.status === 'skipped' || !e.total || !e.pieces) {
      lines.push(`| ${e.size}² | ${e.scribbled.toLocaleString('en')} | skipped: ${e.note} | ${E2E_PIECES.map(() => '').join(' | ')} | | | | |`);
      continue;
    }
    const total = e.total.medianMs;
    const cells = E2E_PIECES.map((p) => `${fmtMs(e.pieces![p].medianMs)} (${pct(e.pieces![p].medianMs / total)})`);
    const cpu = e.cpuComposed ? `${fmtMs(e.cpuComposed.totalMs)} (GPU path ${(e.cpuComposed.totalMs / total).toFixed(1)}× faster)` : '–';
    lines.push(`| ${e.size}² | ${e.scribbled.toLocaleString('en')} → ${(e.rows ?? 0).toLocaleString('en')} | ${fmtTiming(e.total)} | ${cells.join(' | ')} | ${mib(e.memory?.rssBytes ?? null)} (from ${mib(e.memory?.startRssBytes ?? null)}) | ${mib(e.memory?.gpuPoolBytes ?? null)} | ${cpu} | ${e.total.runs} |`);
  }
  const warm = r.endToEnd.find((e) => e.warmup)?.warmup;
  lines.push('');
  lines.push(`Pieces are timed in the same round (see bench/stages/end-to-end.ts); shares are of the median total.${warm ? ` Warm-up round (pipelines, JIT) at ${warm.side}²: ${fmtMs(warm.ms)}.` : ''} The CPU path's pieces are composed from the stage table's CPU reference times per pixel at the same size (its VGG pass is too slow to run whole here); its classifier time is the GPU path's (on a software adapter both train with the CPU trainer on every core; on a GPU the GPU path trains there, so the composed CPU path is then optimistic).`);
  lines.push('');
  if (r.strokes.length > 0) {
    lines.push('### One more stroke: `train(memoryMode)` + `segment`, RGB sample 512×384 (issue 17)');
    lines.push('');
    lines.push('| alias | stroke → rows | total, median (min–max) | train | segment | the step before (cold: train on the rest + segment) | reference tool | ours vs the reference |');
    lines.push('| --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const s of r.strokes) {
      const x = s.referenceS ? s.referenceS / (s.total.medianMs / 1000) : NaN;
      const ratio = Number.isNaN(x) ? '–' : x >= 1 ? `${x.toFixed(1)}× faster` : `${(1 / x).toFixed(1)}× slower`;
      lines.push(`| ${s.alias} | ${s.strokePixels} px → ${s.rows.toLocaleString('en')} | ${fmtTiming(s.total)} | ${fmtMs(s.train.medianMs)} | ${fmtMs(s.segment.medianMs)} | ${fmtMs(s.first.medianMs)} | ${s.referenceS ? `${s.referenceS} s (quoted)` : '–'} | ${ratio} |`);
    }
    lines.push('');
    lines.push("ConvpaintModel with its defaults (feature cache on: the stroke's rows and the segmentation reuse the tiles the step before computed; trainer `auto`). The reference figures are issue 17's, measured with napari-convpaint on this machine class; the Python tool is not installed here, so they are quoted, not re-measured in this run.");
    lines.push('');
  }
  if (r.targets.length > 0) {
    lines.push('### Targets (issue 8; measured, never asserted in tests)');
    lines.push('');
    lines.push('| target | goal | measured | how far |');
    lines.push('| --- | --- | --- | --- |');
    for (const t of r.targets) lines.push(`| ${t.name} | ${t.goal} | ${t.measured} | ${t.verdict} |`);
    lines.push('');
  }
  return lines.join('\n');
}

/** Replaces the harness section of RESULTS.md (or inserts it after the title). */
export function updateResultsMd(file: string, section: string): void {
  const block = `${RESULTS_START}\n\n${section}\n${RESULTS_END}`;
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmark results\n';
  const a = text.indexOf(RESULTS_START);
  const b = text.indexOf(RESULTS_END);
  let next: string;
  if (a >= 0 && b > a) next = text.slice(0, a) + block + text.slice(b + RESULTS_END.length);
  else {
    const nl = text.indexOf('\n');
    next = `${text.slice(0, nl + 1)}\n${block}\n${text.slice(nl + 1)}`;
  }
  writeFileSync(file, next);
}
