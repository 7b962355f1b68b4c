/**
 * Turning command-line inputs into a list of image files, and splitting that list between the
 * jobs of a cluster array (`--shard i/n`).
 *
 * An argument is a file (taken as is, even if it later fails to read — the batch reports it), a
 * folder (its PNG/TIFF files, not recursive, skipping our own outputs) or a glob pattern quoted
 * so the shell leaves it alone (`'data/**\/*.tif'`: `*`, `?`, `[…]`, and `**` for any depth).
 * The result is in argument order, each folder or pattern sorted by name, duplicates removed —
 * so every job of an array computes the same list and the shards partition it.
 */
import { readdirSync, statSync } from 'node:fs';
import { basename, extname, join, relative, resolve, sep } from 'node:path';
import { IMAGE_EXTENSIONS } from '../io/image-read.js';
import { CliError } from './errors.js';

/** Suffixes of files `convpaint segment` writes; a folder input skips them. */
export const OUTPUT_SUFFIXES = ['_segmentation', '_probabilities', '_overlay'];

const GLOB_CHARS = /[*?[]/;

function isImageName(name: string): boolean {
  return IMAGE_EXTENSIONS.includes(extname(name).toLowerCase());
}

function isOutputName(name: string): boolean {
  const stem = name.slice(0, name.length - extname(name).length);
  return OUTPUT_SUFFIXES.some((s) => stem.endsWith(s));
}

export interface ExpandedInputs {
  files: string[];
  /** Patterns or folders that gave no image: worth a warning, not an error. */
  empty: string[];
}

export function expandInputs(args: readonly string[]): ExpandedInputs {
  const files: string[] = [];
  const seen = new Set<string>();
  const empty: string[] = [];
  const add = (path: string) => {
    const key = resolve(path);
    if (!seen.has(key)) {
      seen.add(key);
      files.push(path);
    }
  };
  for (const arg of args) {
    const stat = statOrNull(arg);
    if (stat?.isDirectory()) {
      const found = readdirSync(arg, { withFileTypes: true })
        .filter((e) => e.isFile() && isImageName(e.name) && !isOutputName(e.name))
        .map((e) => join(arg, e.name))
        .sort();
      if (found.length === 0) empty.push(arg);
      found.forEach(add);
    } else if (!stat && GLOB_CHARS.test(arg)) {
      const found = globFiles(arg).filter((f) => !isOutputName(basename(f)));
      if (found.length === 0) empty.push(arg);
      found.forEach(add);
    } else {
      add(arg);
    }
  }
  return { files, empty };
}

function statOrNull(path: string) {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

/** Files matching a glob pattern, sorted. */
export function globFiles(pattern: string): string[] {
  const normalised = pattern.split(sep).join('/');
  const parts = normalised.split('/');
  const firstGlob = parts.findIndex((p) => GLOB_CHARS.test(p));
  const baseParts = parts.slice(0, firstGlob);
  const base = baseParts.length === 0 ? '.' : baseParts.join('/') || '/';
  const rest = parts.slice(firstGlob);
  const regex = globRegex(rest.join('/'));
  const deep = rest.includes('**');
  const maxDepth = deep ? Infinity : rest.length;
  const out: string[] = [];
  const walk = (dir: string, depth: number) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const full = join(dir, e.name);
      if (e.isDirectory() && depth + 1 < maxDepth) walk(full, depth + 1);
      else if (e.isFile() && regex.test(relative(base, full).split(sep).join('/'))) out.push(baseParts.length === 0 ? relative('.', full) : full);
    }
  };
  walk(base, 0);
  return out.sort();
}

/** A glob (relative, '/'-separated) as a regular expression on relative paths. */
export function globRegex(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i];
    if (ch === '*' && glob[i + 1] === '*') {
      // `**/` is zero or more folders; a trailing `**` is anything.
      if (glob[i + 2] === '/') {
        re += '(?:[^/]+/)*';
        i += 2;
      } else {
        re += '.*';
        i += 1;
      }
    } else if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else if (ch === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        const body = glob.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\');
        re += `[${body}]`;
        i = end;
      }
    } else re += ch.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

export interface Shard {
  index: number;
  count: number;
}

/**
 * `i/n` with 0 ≤ i < n: the job takes inputs i, i+n, i+2n, … (0-based, as SLURM_ARRAY_TASK_ID
 * usually is). `--shard $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT` splits a dataset.
 */
export function parseShard(text: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m) throw new CliError(`--shard must look like i/n (e.g. 0/4), got "${text}"`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index >= count) throw new CliError(`--shard ${text}: need 0 ≤ i < n (shards are numbered from 0)`);
  return { index, count };
}

export function applyShard<T>(items: readonly T[], shard: Shard | null): T[] {
  return shard ? items.filter((_, k) => k % shard.count === shard.index) : [...items];
}

/** A file's name without folder and image extension: `a/b/cells.tif` → `cells`. */
export function stemOf(path: string): string {
  const name = basename(path);
  const ext = extname(name);
  return ext ? name.slice(0, -ext.length) : name;
}
