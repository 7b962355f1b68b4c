// run-tests.mjs — the project's test command (`npm test`).
// 0. static checks: the import layering of src/ (scripts/check-layers.mjs) and the type check;
// 1. the CPU project (references, file formats, everything without a GPU) once;
// 2. the GPU project (test/**/*.gpu.test.ts) once per software Vulkan driver: lavapipe (Mesa)
//    and SwiftShader (from Debian's chromium), selected with VK_ICD_FILENAMES; then the `big`
//    project (test/**/*.big.test.ts: the 8192² image, minutes on software Vulkan) once, on the
//    first driver whose adapter was found.
// 3. the package check (scripts/package-check.mjs): npm pack, install in an empty folder,
//    `npx convpaint demo` and a library import;
// 4. the browser test (web/test/web.e2e.mjs): builds the web page, then drives it in Debian's
//    headless Chromium with WebGPU on SwiftShader; its checks count like tests.
// Each GPU run first prints the adapter it got; a missing driver or adapter fails the run (GPU
// tests never skip). Ends with one summary line "N passed, N failed".
//
// Options: --drivers=lavapipe,swiftshader (default both; `system` = no VK_ICD_FILENAMES, e.g. a
// real GPU); --no-web skips the browser test, --web runs it even with a file filter; any other
// arguments are passed to vitest (e.g. a test file filter, which skips the browser test).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const resultsDir = join(root, 'test-results');
mkdirSync(resultsDir, { recursive: true });

const args = process.argv.slice(2);
const driverArg = args.find((a) => a.startsWith('--drivers='));
const drivers = (driverArg ? driverArg.slice('--drivers='.length) : 'lavapipe,swiftshader').split(',').filter(Boolean);
const passThrough = args.filter((a) => !a.startsWith('--drivers=') && a !== '--web' && a !== '--no-web');
const runWeb = args.includes('--web') || (!args.includes('--no-web') && passThrough.length === 0);
const onlyGpu = passThrough.length > 0 && passThrough.every((a) => a.includes('.gpu.') || a.includes('.big.'));
const onlyCpu = passThrough.length > 0 && passThrough.every((a) => !a.startsWith('-') && !a.includes('.gpu.') && !a.includes('.big.'));
// A file filter that names only gpu or only big test files runs only that project.
const wantGpuProject = passThrough.length === 0 || !passThrough.every((a) => a.includes('.big.'));
const wantBigProject = passThrough.length === 0 || passThrough.some((a) => a.startsWith('-') || a.includes('.big.'));

function icdFor(driver) {
  if (driver === 'system') return null;
  if (driver === 'swiftshader') return '/usr/lib/chromium/vk_swiftshader_icd.json';
  if (driver === 'lavapipe') {
    const dir = '/usr/share/vulkan/icd.d';
    const found = existsSync(dir) ? readdirSync(dir).find((f) => f.startsWith('lvp_icd')) : undefined;
    return found ? join(dir, found) : join(dir, 'lvp_icd.json');
  }
  throw new Error(`unknown driver "${driver}" (use lavapipe, swiftshader or system)`);
}

const totals = { passed: 0, failed: 0, skipped: 0 };
let ok = true;

function runVitest(name, project, env) {
  const out = join(resultsDir, `${name}.json`);
  const res = spawnSync(
    'npx',
    ['vitest', 'run', '--project', project, '--reporter=default', '--reporter=json', `--outputFile.json=${out}`, ...passThrough],
    { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } },
  );
  let counted = false;
  if (existsSync(out)) {
    const report = JSON.parse(readFileSync(out, 'utf8'));
    totals.passed += report.numPassedTests ?? 0;
    totals.failed += report.numFailedTests ?? 0;
    totals.skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
    counted = true;
  }
  if (res.status !== 0) {
    ok = false;
    if (!counted) totals.failed += 1;
    console.error(`run-tests: ${name} failed (exit ${res.status})`);
  }
}

if (passThrough.length === 0) {
  // Static checks, counted like tests: the import layering (scripts/check-layers.mjs) and the
  // type check of src/, test/ and bench/ (vitest strips types without checking them).
  console.log('\n=== Static checks: layering, types ===');
  for (const [name, cmd, cmdArgs] of [
    ['layering', 'node', ['scripts/check-layers.mjs']],
    ['types', 'npx', ['tsc', '-p', 'tsconfig.json', '--noEmit']],
  ]) {
    const res = spawnSync(cmd, cmdArgs, { cwd: root, stdio: 'inherit' });
    if (res.status === 0) totals.passed += 1;
    else {
      ok = false;
      totals.failed += 1;
      console.error(`run-tests: the ${name} check failed`);
    }
  }
}

if (!onlyGpu) {
  console.log('\n=== CPU tests ===');
  runVitest('cpu', 'cpu', {});
}

let bigDriverEnv = null;
if (!onlyCpu) {
  for (const driver of drivers) {
    const icd = icdFor(driver);
    console.log(`\n=== GPU tests on ${driver}${icd ? ` (VK_ICD_FILENAMES=${icd})` : ''} ===`);
    if (icd && !existsSync(icd)) {
      console.error(`run-tests: the ${driver} Vulkan driver is not installed (${icd} missing). Run: sudo bash scripts/setup-gpu.sh`);
      ok = false;
      totals.failed += 1;
      continue;
    }
    const env = icd ? { VK_ICD_FILENAMES: icd } : {};
    const check = spawnSync('node', ['scripts/gpu-check.mjs'], { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
    if (check.status !== 0) {
      console.error(`run-tests: no WebGPU adapter on ${driver}; GPU tests cannot run (they never skip). Run: sudo bash scripts/setup-gpu.sh`);
      ok = false;
      totals.failed += 1;
      continue;
    }
    bigDriverEnv ??= { driver, env };
    if (wantGpuProject) runVitest(`gpu-${driver}`, 'gpu', env);
  }
  if (wantBigProject && bigDriverEnv) {
    console.log(`\n=== Big-image GPU tests on ${bigDriverEnv.driver} (once: minutes on software Vulkan) ===`);
    runVitest(`big-${bigDriverEnv.driver}`, 'big', bigDriverEnv.env);
  }
}

if (passThrough.length === 0) {
  // The package as a user installs it: npm pack, install in an empty folder, npx convpaint demo.
  console.log('\n=== Package: npm pack, install, npx convpaint demo, library import ===');
  const res = spawnSync('node', ['scripts/package-check.mjs'], { cwd: root, stdio: 'inherit' });
  if (res.status === 0) totals.passed += 1;
  else {
    ok = false;
    totals.failed += 1;
    console.error('run-tests: the package check failed');
  }
}

if (runWeb) {
  console.log('\n=== Browser test: the web page in headless Chromium (WebGPU on SwiftShader) ===');
  const report = join(resultsDir, 'web.json');
  rmSync(report, { force: true });
  const build = spawnSync('npm', ['run', '--silent', 'web:build'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) {
    console.error('run-tests: the web page does not build (npm run web:build)');
    ok = false;
    totals.failed += 1;
  } else {
    const res = spawnSync('node', ['--import', 'tsx', 'web/test/web.e2e.mjs'], { cwd: root, stdio: 'inherit' });
    if (existsSync(report)) {
      const counts = JSON.parse(readFileSync(report, 'utf8'));
      totals.passed += counts.passed ?? 0;
      totals.failed += counts.failed ?? 0;
    } else {
      totals.failed += 1;
    }
    if (res.status !== 0) {
      ok = false;
      console.error(`run-tests: the browser test failed (exit ${res.status})`);
    }
  }
}

console.log(`\n${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}`);
process.exit(ok && totals.failed === 0 ? 0 : 1);
