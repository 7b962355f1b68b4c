/**
 * `convpaint weights …`: install the network weights the vgg16 and dinov2 extractors need.
 *   fetch [vgg16|dinov2]  download torchvision's vgg16-397923af.pth (checksum-verified) or the DINOv2
 *                         hub's dinov2_vits14_reg4_pretrain.pth (verified by content), convert, install
 *   convert FILE          the same from a local checkpoint (which network is read from its tensors)
 *   path [vgg16|dinov2]   print where the weights are (or would be) installed
 */
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { ValueError } from '../errors.js';
import { installedWeightsPath } from '../weights/cache-dir.js';
import type { DownloadProgress } from '../weights/download.js';
import { fetchAndInstall, installFromCheckpoint, weightsNetwork } from '../weights/install.js';
import type { InstallResult, WeightsNetwork } from '../weights/install.js';

const NETWORK_NAMES: Record<string, WeightsNetwork> = { vgg16: 'vgg16', vgg: 'vgg16', dinov2: 'dinov2', dino: 'dinov2' };

/** The network a command names (`vgg16` by default; `vgg` and `dino` accepted). */
export function networkOf(name: string | undefined): WeightsNetwork {
  const network = NETWORK_NAMES[(name ?? 'vgg16').toLowerCase()];
  if (!network) throw new ValueError(`unknown network "${name}": choose vgg16 or dinov2`);
  return network;
}

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
  const what = result.network === 'dinov2' ? `DINOv2 ViT-S/14-reg4 (${result.layers} blocks)` : `${result.layers} conv layers`;
  console.log(`installed ${what} (${(result.bytes / MB).toFixed(1)} MB) → ${result.path}`);
}

export function registerWeightsCommands(program: Command): void {
  const weights = program.command('weights').description('install network weights: VGG16 ImageNet (vgg aliases) or DINOv2 ViT-S/14-reg4 (dinov2)');

  weights
    .command('fetch [network]')
    .description(`download and install a network's weights: vgg16 (default; torchvision's checkpoint, 528 MB, SHA-256 checked) or dinov2 (the hub's ViT-S/14-reg4, 84 MB, checked tensor by tensor); resumable`)
    .option('--url <url>', 'checkpoint URL (or $CONVPAINT_WEIGHTS_URL); for vgg16 its file name must end in -<sha256 prefix>.pth')
    .option('--out <file>', 'write the safetensors here instead of the cache directory')
    .option('--keep-checkpoint', 'keep the downloaded .pth next to the installed weights')
    .action(async (name: string | undefined, opts: { url?: string; out?: string; keepCheckpoint?: boolean }) => {
      const network = networkOf(name);
      const bar = progressBar('downloading');
      const result = await fetchAndInstall({
        network,
        url: opts.url ?? (process.env.CONVPAINT_WEIGHTS_URL || weightsNetwork(network).url),
        out: opts.out,
        keepCheckpoint: opts.keepCheckpoint,
        onProgress: (p) => bar.update(p),
        onVerified: () => {
          bar.done();
          console.error(network === 'dinov2' ? 'downloaded, converting and checking…' : 'checksum OK, converting…');
        },
      }).finally(() => bar.done());
      report(result);
    });

  weights
    .command('convert <file>')
    .description('convert a local checkpoint and install it: torchvision VGG16 (vgg16-397923af.pth) or DINOv2 (dinov2_vits14_reg4_pretrain.pth)')
    .option('--out <file>', 'write the safetensors here instead of the cache directory')
    .action(async (file: string, opts: { out?: string }) => {
      report(await installFromCheckpoint(file, { out: opts.out }));
    });

  weights
    .command('path [network]')
    .description('print where a network\'s weights (vgg16 by default, or dinov2) are installed (exit code 1 if they are not)')
    .action((name: string | undefined) => {
      const network = networkOf(name);
      const path = installedWeightsPath(weightsNetwork(network).file);
      const there = path !== null && existsSync(path);
      const fetch = network === 'vgg16' ? 'convpaint weights fetch' : 'convpaint weights fetch dinov2';
      console.log(`${path ?? '(no cache directory: set CONVPAINT_HOME)'}${there ? '' : ` (not installed: run \`${fetch}\`)`}`);
      if (!there) process.exitCode = 1;
    });
}
