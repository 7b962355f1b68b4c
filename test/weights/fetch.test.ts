/**
 * `convpaint weights fetch` against a local HTTP server on 127.0.0.1 serving the tiny fixture
 * checkpoint under a torchvision-style name (name-<sha256 prefix>.pth): install, resume after an
 * interrupted transfer, corrupted bytes, HTTP errors; and the CLI commands end to end.
 */
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DownloadError } from '../../src/errors.js';
import { readSafetensors } from '../../src/io/safetensors.js';
import { hashPrefixOf } from '../../src/weights/download.js';
import { fetchAndInstall } from '../../src/weights/install.js';
import { IMAGENET_WEIGHTS_FILE } from '../../src/weights/vgg16-weights.js';
import { DINOV2_WEIGHTS_FILE } from '../../src/weights/dinov2-weights.js';
import { DINOV2_TEST_WEIGHTS } from '../features/dinov2-golden.js';
import { writeTorchCheckpoint } from '../helpers/torch-checkpoint.js';
import { FIXTURES, fixture } from './fixtures.js';

const body = fixture('vgg16-tiny.pth');
const sha = createHash('sha256').update(body).digest('hex');
const GOOD = `/models/vgg16tiny-${sha.slice(0, 8)}.pth`;

interface Behaviour {
  bytes: Uint8Array;
  /** Destroy the connection after this many body bytes (once). */
  cutAfter?: number;
  status?: number;
}
let behaviour: Behaviour = { bytes: body };
const requests: Array<{ url: string; range: string | undefined }> = [];
let server: Server;
let base = '';
let home = '';

function handle(req: IncomingMessage, res: ServerResponse): void {
  requests.push({ url: req.url ?? '', range: req.headers.range });
  const b = behaviour;
  if (b.status) {
    res.writeHead(b.status).end('nope');
    return;
  }
  let start = 0;
  const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  if (m) {
    start = Number(m[1]);
    if (start >= b.bytes.length) {
      res.writeHead(416, { 'Content-Range': `bytes */${b.bytes.length}` }).end();
      return;
    }
    res.writeHead(206, { 'Content-Length': b.bytes.length - start, 'Content-Range': `bytes ${start}-${b.bytes.length - 1}/${b.bytes.length}` });
  } else {
    res.writeHead(200, { 'Content-Length': b.bytes.length });
  }
  const rest = b.bytes.subarray(start);
  if (b.cutAfter !== undefined) {
    const cut = b.cutAfter;
    behaviour = { ...b, cutAfter: undefined };
    res.write(rest.subarray(0, cut), () => setTimeout(() => res.destroy(), 20));
    return;
  }
  res.end(rest);
}

beforeAll(async () => {
  server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
afterEach(() => {
  if (home) rmSync(home, { recursive: true, force: true });
  home = '';
  requests.length = 0;
  behaviour = { bytes: body };
});
function freshHome(): string {
  home = mkdtempSync(join(tmpdir(), 'convpaint-home-'));
  return home;
}

describe('weights fetch (local server)', () => {
  it('downloads, verifies the SHA-256 prefix, converts and installs; the .pth is removed', async () => {
    const dir = freshHome();
    const seen: number[] = [];
    const result = await fetchAndInstall({ url: base + GOOD, home: dir, onProgress: (p) => seen.push(p.loaded) });
    expect(result.path).toBe(join(dir, IMAGENET_WEIGHTS_FILE));
    expect(result.layers).toBe(13);
    expect(result.matchesVgg16).toBe(false);
    expect(result.warnings.join()).toMatch(/not VGG16's 13 layers/);
    expect(readdirSync(dir)).toEqual([IMAGENET_WEIGHTS_FILE]);
    const file = readSafetensors(readFileSync(result.path));
    expect(file.names()).toHaveLength(26);
    expect(file.metadata.source_sha256).toBe(sha);
    expect(seen[seen.length - 1]).toBe(body.length);
    expect(requests).toEqual([{ url: GOOD, range: undefined }]);
  });

  it('resumes an interrupted download with a Range request', async () => {
    const dir = freshHome();
    behaviour = { bytes: body, cutAfter: 10_000 };
    await expect(fetchAndInstall({ url: base + GOOD, home: dir })).rejects.toThrow(DownloadError);
    const part = readdirSync(dir).find((f) => f.endsWith('.part'));
    expect(part).toBeDefined();
    const kept = readFileSync(join(dir, part!)).length;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(body.length);
    const result = await fetchAndInstall({ url: base + GOOD, home: dir, keepCheckpoint: true });
    expect(requests[1].range).toBe(`bytes=${kept}-`);
    expect(readFileSync(result.checkpoint!)).toEqual(Buffer.from(body));
    expect(existsSync(result.path)).toBe(true);
  });

  it('a corrupted download is deleted and nothing is installed', async () => {
    const dir = freshHome();
    const corrupted = body.slice();
    corrupted[corrupted.length >> 1] ^= 0xff;
    behaviour = { bytes: corrupted };
    const attempt = fetchAndInstall({ url: base + GOOD, home: dir });
    await expect(attempt).rejects.toThrow(DownloadError);
    await expect(attempt).rejects.toThrow(new RegExp(`does not start with ${sha.slice(0, 8)}`));
    expect(readdirSync(dir)).toEqual([]);
  });

  it('HTTP errors and names without a checksum are DownloadErrors', async () => {
    const dir = freshHome();
    behaviour = { bytes: body, status: 404 };
    await expect(fetchAndInstall({ url: base + GOOD, home: dir })).rejects.toThrow(/HTTP 404/);
    await expect(fetchAndInstall({ url: `${base}/models/vgg16.pth`, home: dir })).rejects.toThrow(/carries no SHA-256 prefix/);
    expect(hashPrefixOf('vgg16-397923af.pth')).toBe('397923af');
    expect(hashPrefixOf('vgg16.pth')).toBeNull();
  });
});

describe('weights fetch dinov2 (local server)', () => {
  // The hub publishes no checksum for its DINOv2 file: it is checked by content instead.
  const dinov2 = writeTorchCheckpoint(
    (() => {
      const g = readSafetensors(readFileSync(DINOV2_TEST_WEIGHTS));
      return g.names().map((name) => ({ name, dtype: 'float16' as const, shape: [...g.info(name).shape], bytes: g.raw(name) }));
    })(),
  );

  it('installs the hub file (no hash in its name), verified by its tensors', async () => {
    const dir = freshHome();
    behaviour = { bytes: dinov2 };
    const result = await fetchAndInstall({ network: 'dinov2', url: `${base}/dinov2/dinov2_vits14_reg4_pretrain.pth`, home: dir });
    expect(result.network).toBe('dinov2');
    expect(readdirSync(dir)).toEqual([DINOV2_WEIGHTS_FILE]);
  });

  it('refuses a file that is not DINOv2, installing nothing', async () => {
    const dir = freshHome();
    behaviour = { bytes: body };
    await expect(fetchAndInstall({ network: 'dinov2', url: `${base}/dinov2/dinov2_vits14_reg4_pretrain.pth`, home: dir })).rejects.toThrow(/holds vgg16 weights, not dinov2/);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('convpaint weights (CLI, child process)', () => {
  const run = promisify(execFile);
  const cli = (args: string[], env: Record<string, string>) =>
    run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'weights', ...args], {
      cwd: join(FIXTURES, '../../..'),
      env: { ...process.env, ...env },
    });

  it('convert FILE installs into $CONVPAINT_HOME; fetch honours $CONVPAINT_WEIGHTS_URL; path reports it', async () => {
    const dir = freshHome();
    const converted = await cli(['convert', join(FIXTURES, 'vgg16-tiny-legacy.pth')], { CONVPAINT_HOME: dir });
    expect(converted.stdout).toMatch(/installed 13 conv layers/);
    expect(converted.stderr).toMatch(/warning: .*not VGG16/);
    expect(existsSync(join(dir, IMAGENET_WEIGHTS_FILE))).toBe(true);
    rmSync(join(dir, IMAGENET_WEIGHTS_FILE));

    const fetched = await cli(['fetch'], { CONVPAINT_HOME: dir, CONVPAINT_WEIGHTS_URL: base + GOOD });
    expect(fetched.stdout).toMatch(new RegExp(`installed 13 conv layers .* → ${dir}`));
    expect(requests.map((r) => r.url)).toEqual([GOOD]);
    const where = await cli(['path'], { CONVPAINT_HOME: dir });
    expect(where.stdout.trim()).toBe(join(dir, IMAGENET_WEIGHTS_FILE));
  });

  it('path and fetch take a network: dinov2 reports where its weights go; an unknown network is refused', async () => {
    const dir = freshHome();
    await expect(cli(['path', 'dinov2'], { CONVPAINT_HOME: dir })).rejects.toMatchObject({
      code: 1,
      stdout: expect.stringContaining(`${join(dir, DINOV2_WEIGHTS_FILE)} (not installed: run \`convpaint weights fetch dinov2\`)`),
    });
    await expect(cli(['fetch', 'resnet'], { CONVPAINT_HOME: dir })).rejects.toMatchObject({ stderr: expect.stringMatching(/unknown network "resnet": choose vgg16 or dinov2/) });
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a bad checkpoint fails with exit code 1 and a typed message', async () => {
    const dir = freshHome();
    writeFileSync(join(dir, 'bad.pth'), 'not a checkpoint');
    await expect(cli(['convert', join(dir, 'bad.pth')], { CONVPAINT_HOME: dir })).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/CheckpointFormatError: not a PyTorch checkpoint/),
    });
  });
});
