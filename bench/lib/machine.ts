/** What ran the benchmark: machine, load, Node, and the adapter by kind (software or hardware). */
import { cpus, loadavg, totalmem, type } from 'node:os';
import type { GpuContext } from '../../src/gpu/context.js';

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  /** os.loadavg() at the start and the end of the run (1, 5, 15 min). */
  loadStart: number[];
  loadEnd?: number[];
  adapter: { description: string; vendor: string; architecture: string; kind: string } | null;
  timestampQuery: boolean;
}

/** lavapipe, SwiftShader, or "hardware" (anything else). */
export function adapterKind(description: string, vendor: string): string {
  const d = `${description} ${vendor}`.toLowerCase();
  if (d.includes('llvmpipe') || d.includes('lavapipe')) return 'lavapipe (software)';
  if (d.includes('swiftshader')) return 'SwiftShader (software)';
  return 'hardware GPU';
}

export function describeMachine(ctx: GpuContext | null): MachineInfo {
  const c = cpus();
  const a = ctx?.adapter;
  return {
    cpu: c[0]?.model.trim() ?? 'unknown',
    cores: c.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${type()} ${process.arch}`,
    node: process.version,
    loadStart: loadavg().map((l) => Math.round(l * 100) / 100),
    adapter: a ? { description: a.description, vendor: a.vendor, architecture: a.architecture, kind: adapterKind(a.description, a.vendor) } : null,
    timestampQuery: ctx?.device.features.has('timestamp-query') ?? false,
  };
}

/** A file-name slug for the adapter: "llvmpipe", "swiftshader", "nvidia-h100-…". */
export function adapterSlug(info: MachineInfo): string {
  const d = info.adapter?.description.toLowerCase() ?? 'cpu-only';
  if (d.includes('llvmpipe')) return 'lavapipe';
  if (d.includes('swiftshader')) return 'swiftshader';
  return d.replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40) || 'unknown';
}

export const fmtLoad = (l: readonly number[] | undefined): string => (l ? l.map((x) => x.toFixed(1)).join(' / ') : '–');
