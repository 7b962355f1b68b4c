/**
 * `convpaint weights …`: install the VGG16 ImageNet weights the vgg16 extractor needs.
 *   fetch            download torchvision's vgg16-397923af.pth (resumable, checksum-verified), convert, install
 *   convert FILE     the same from a local checkpoint
 *   path             print where the weights are (or would be) installed
 */
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { imagenetWeightsPath } from '../weights/cache-dir.js';
import type { DownloadProgress } from '../weights/download.js';
import { DEFAULT_WEIGHTS_URL, fetchAndInstall, installFromCheckpoint } from '../weights/install.js';
import type { InstallResult } from '../weights/install.js';

const MB = 1024 * 1024;

/** A one-line progress bar on stderr: redrawn in place on a terminal, every 10 % otherwise. */
export function progressBar(label: string, stream: NodeJS.WriteStream = process.stderr): { update(p: DownloadProgress): void; done(): void } {
  const startTime = Date.now();
  let lastDecile = -1;
  let drawn = false;
  return {
    update(p) {
      const pct = p.total ? p.loaded / p.total : null;
      const seconds = (Date.now() - startTime) / 1000;
      const rate = seconds > 0 ? (p.loaded - p.resumedFrom) / MB / seconds : 0;
      const size = `${(p.loaded / MB).toFixed(1)}${p.total ? ` / ${(p.total / MB).toFixed(1)}` : ''} MB`;
      if (stream.isTTY) {
        const width = 30;
        const filled = pct === null ? 0 : Math.round(pct * width);
        const bar = pct === null ? '' : `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(pct * 100).toFixed(0).padStart(3)}% `;
        stream.write(`\r${label} ${bar}${size} ${rate.toFixed(1)} MB/s   `);
        drawn = true;
      } else {
        const decile = pct === null ? Math.floor(p.loaded / (50 * MB)) : Math.floor(pct * 10);
        if (decile !== lastDecile) {
          lastDecile = decile;
          stream.write(`${label} ${pct === null ? '' : `${(pct * 100).toFixed(0)}% `}${size}\n`);
        }
      }
    },
    done() {
      if (drawn) stream.write('\n');
    },
  };
}

function report(result: InstallResult): void {
  for (const w of result.warnings) console.error(`convpaint: warning: ${w}`);
  console.log(`installed ${result.layers} conv layers (${(result.bytes / MB).toFixed(1)} MB) → ${result.path}`);
}

export function registerWeightsCommands(program: Command): void {
  const weights = program.command('weights').description('install the VGG16 ImageNet weights (needed by the vgg16 feature extractor)');

  weights
    .command('fetch')
    .description(`download torchvision's VGG16 checkpoint (528 MB, resumable, SHA-256 checked), convert its conv layers and install them`)
    .option('--url <url>', 'checkpoint URL (or $CONVPAINT_WEIGHTS_URL); its file name must end in -<sha256 prefix>.pth', process.env.CONVPAINT_WEIGHTS_URL || DEFAULT_WEIGHTS_URL)
    .option('--out <file>', 'write the safetensors here instead of the cache directory')
    .option('--keep-checkpoint', 'keep the downloaded .pth next to the installed weights')
    .action(async (opts: { url: string; out?: string; keepCheckpoint?: boolean }) => {
      const bar = progressBar('downloading');
      const result = await fetchAndInstall({
        url: opts.url,
        out: opts.out,
        keepCheckpoint: opts.keepCheckpoint,
        onProgress: (p) => bar.update(p),
        onVerified: () => {
          bar.done();
          console.error('checksum OK, converting…');
        },
      }).finally(() => bar.done());
      report(result);
    });

  weights
    .command('convert <file>')
    .description('convert a local torchvision VGG16 checkpoint (e.g. vgg16-397923af.pth) and install its conv layers')
    .option('--out <file>', 'write the safetensors here instead of the cache directory')
    .action(async (file: string, opts: { out?: string }) => {
      report(await installFromCheckpoint(file, { out: opts.out }));
    });

  weights
    .command('path')
    .description('print where the VGG16 ImageNet weights are installed (exit code 1 if they are not)')
    .action(() => {
      const path = imagenetWeightsPath();
      const there = path !== null && existsSync(path);
      console.log(`${path ?? '(no cache directory: set CONVPAINT_HOME)'}${there ? '' : ' (not installed: run `convpaint weights fetch`)'}`);
      if (!there) process.exitCode = 1;
    });
}
