// check-layers.mjs — the import rules of src/, checked (run by `npm test` and `npm run lint:layers`).
//
// The source folders form floors; a module may import its own folder and any folder on a lower
// floor, never one above it, and never a different folder of its own floor. Besides, there must
// be no import cycle among the modules (type-only imports included: a cycle of types still
// means two modules that cannot be understood one without the other). The web page may import
// the library only by its package name (never a path into src/; assets such as the sample are
// fine). Exit status 1 lists every violation.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Top floor first. Folders on one line are peers: they may not import one another. */
export const FLOORS = [
  ['cli', 'entries', 'index.ts'],
  ['model'],
  ['engine'],
  ['postprocess'],
  ['prepare'],
  ['features', 'classifiers'],
  ['weights'],
  ['ops'],
  ['gpu', 'io', 'reference'],
  ['core'],
  ['errors.ts', 'version.ts', 'types'],
];

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s*['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

function roomOf(file) {
  const top = relative(src, file).split(sep)[0];
  return top;
}

const floorOf = new Map(FLOORS.flatMap((rooms, i) => rooms.map((r) => [r, i])));

function importsOf(file) {
  const text = readFileSync(file, 'utf8');
  const out = [];
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[1] ?? m[2];
    out.push(resolve(dirname(file), spec).replace(/\.js$/, '.ts'));
  }
  return out;
}

const problems = [];
const files = walk(src).filter((f) => !f.endsWith('shaders.generated.ts'));
const graph = new Map();
for (const file of files) {
  const from = roomOf(file);
  const fromFloor = floorOf.get(from);
  if (fromFloor === undefined) {
    problems.push(`${relative(root, file)}: folder "${from}" has no floor in scripts/check-layers.mjs`);
    continue;
  }
  const targets = importsOf(file).filter((t) => t.startsWith(src + sep));
  graph.set(file, targets);
  for (const target of targets) {
    const to = roomOf(target);
    if (to === from) continue;
    const toFloor = floorOf.get(to);
    if (toFloor === undefined) continue; // generated files and the like: reported by their own folder
    if (toFloor < fromFloor) problems.push(`${relative(root, file)} imports ${relative(root, target)}: "${from}" may not import "${to}", which is above it`);
    else if (toFloor === fromFloor) problems.push(`${relative(root, file)} imports ${relative(root, target)}: "${from}" and "${to}" are peers and may not import each other`);
  }
}

// Cycles between modules (depth-first search, reporting each cycle once).
const state = new Map();
const stack = [];
function visit(file) {
  state.set(file, 'open');
  stack.push(file);
  for (const next of graph.get(file) ?? []) {
    if (!graph.has(next)) continue;
    if (state.get(next) === 'open') {
      const cycle = stack.slice(stack.indexOf(next)).concat(next);
      problems.push(`import cycle: ${cycle.map((f) => relative(root, f)).join(' → ')}`);
    } else if (!state.has(next)) visit(next);
  }
  stack.pop();
  state.set(file, 'done');
}
for (const file of graph.keys()) if (!state.has(file)) visit(file);

// The web page is a third-party user: the package name only, never a path into src/.
const webSrc = join(root, 'web', 'src');
for (const file of walk(webSrc)) {
  for (const target of importsOf(file)) {
    if (target.startsWith(src + sep)) problems.push(`${relative(root, file)} imports ${relative(root, target)}: the web page uses the library by its package name only`);
  }
}

if (problems.length > 0) {
  console.error(`check-layers: ${problems.length} problem(s)\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`check-layers: ${files.length} modules, ${FLOORS.length} floors, no upward import, no cycle`);
