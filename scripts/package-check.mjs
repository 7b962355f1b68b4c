// package-check.mjs — the package as a user installs it (a stage of `npm test`): `npm pack`, then
// in an empty folder `npm install <tarball>`, `npx convpaint demo` and a library import through
// every entry point. Fails on a package that lacks what users need (the demo's sample, dist/) or
// ships what they do not (test weights, tests, sources of the web page).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const work = mkdtempSync(join(tmpdir(), 'convpaint-package-'));
const problems = [];

function run(cmd, args, cwd, what) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false' } });
  if (r.status !== 0) {
    console.error(r.stdout, r.stderr);
    throw new Error(`${what} failed (exit ${r.status})`);
  }
  return r;
}

try {
  console.log('package-check: npm pack (builds dist/)');
  const packed = run('npm', ['pack', '--json', '--pack-destination', work], root, 'npm pack');
  const info = JSON.parse(packed.stdout)[0];
  const files = info.files.map((f) => f.path);
  console.log(`package-check: ${info.filename}, ${files.length} files, ${(info.size / 2 ** 20).toFixed(1)} MiB packed`);
  const need = ['dist/index.js', 'dist/cli/main.js', 'dist/entries/gpu.js', 'dist/entries/node.js', 'dist/entries/reference.js', 'sample/0000_img.png', 'sample/0000_scribbles_all_01500_w3.png', 'sample/0000_ground_truth.png', 'README.md'];
  for (const f of need) if (!files.includes(f)) problems.push(`the package lacks ${f}`);
  for (const f of files) if (/^(weights|test|web|bench|shaders|scripts)\//.test(f) || /\.safetensors$/.test(f)) problems.push(`the package ships ${f}, which users do not need`);

  const app = join(work, 'app');
  run('mkdir', ['-p', app], work, 'mkdir');
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'convpaint-package-check', private: true, type: 'module' }));
  console.log('package-check: npm install of the tarball in an empty folder');
  run('npm', ['install', '--no-save', join(work, info.filename)], app, 'npm install');

  console.log('package-check: npx convpaint demo');
  const demo = run('npx', ['convpaint', 'demo', '--out', join(work, 'demo')], app, 'npx convpaint demo');
  const accuracy = /accuracy[^\d]*([\d.]+) %/i.exec(demo.stdout + demo.stderr);
  if (!accuracy) problems.push(`the demo printed no accuracy:\n${demo.stdout}`);
  else console.log(`package-check: demo accuracy ${accuracy[1]} %`);
  if (/artificially reduced/.test(demo.stderr)) problems.push('the demo printed the driver’s adapter-limit notices');
  if (!readdirSync(join(work, 'demo')).includes('segmentation.png')) problems.push('the demo wrote no segmentation.png');

  console.log('package-check: library import (every entry point)');
  writeFileSync(
    join(app, 'check.mjs'),
    `import { ConvpaintModel, decodeImage, labelsFromProbabilities, VERSION } from 'convpaint-webgpu';
import { GpuContext, reflectPad } from 'convpaint-webgpu/gpu';
import { trainGbdt, reflectPad as reflectPadCpu } from 'convpaint-webgpu/reference';
import { readImageFile } from 'convpaint-webgpu/node';
for (const [name, v] of Object.entries({ ConvpaintModel, decodeImage, labelsFromProbabilities, GpuContext, reflectPad, trainGbdt, reflectPadCpu, readImageFile })) {
  if (typeof v !== 'function') throw new Error(name + ' is not exported');
}
const image = { data: new Uint8Array(32 * 32).map((_, i) => ((i % 32) < 16 ? 40 : 200) + (i % 7)), shape: [32, 32] };
const scribbles = { data: new Uint8Array(32 * 32).map((_, i) => (i % 32 === 4 ? 1 : i % 32 === 28 ? 2 : 0)), shape: [32, 32] };
const model = await ConvpaintModel.create({ alias: 'gaussian' }, { device: 'cpu', onWarning: () => {} });
await model.train(image, scribbles, { useRf: true });
const seg = await model.segment(image);
if (seg.data[3] !== 1 || seg.data[30] !== 2) throw new Error('unexpected labels');
console.log('library ' + VERSION + ': ok');
`,
  );
  console.log(run('node', ['check.mjs'], app, 'the library import').stdout.trim());
} catch (error) {
  problems.push(String(error instanceof Error ? error.message : error));
} finally {
  rmSync(work, { recursive: true, force: true });
}

if (problems.length > 0) {
  console.error(`package-check: ${problems.length} problem(s)\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log('package-check: ok');
