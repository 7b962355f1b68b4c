#!/usr/bin/env node
/** The `convpaint` command. Each subcommand lives in its own module; this file only wires them. */
import { Command } from 'commander';
import { gpuInfo } from './gpu-info.js';
import { registerWeightsCommands } from './weights.js';
import { registerImageCommands } from './image-commands.js';
import { ConvpaintError } from '../errors.js';
import { VERSION } from '../version.js';
import { runBehindChatterFilter } from './driver-chatter.js';

const code = await runBehindChatterFilter(process.argv);
if (code !== null) process.exit(code);

const program = new Command();
program
  .name('convpaint')
  .description('Interactive pixel classification (Convpaint) on WebGPU')
  .version(VERSION)
  .option('--verbose', "also show the GPU driver's own notices (Dawn's adapter-limit warnings), which are hidden otherwise");

program
  .command('gpu')
  .description('report the WebGPU adapter and check that a kernel chain matches the CPU reference')
  .option('--json', 'print a machine-readable report')
  .action(async (opts: { json?: boolean }) => {
    const report = await gpuInfo();
    if (opts.json) {
      console.log(JSON.stringify(report, null, 2));
    } else {
      const k = report.kernelCheck;
      console.log(`adapter:      ${report.adapter} (${report.vendor || 'unknown vendor'}, ${report.architecture || 'unknown architecture'})`);
      console.log(`limits:       maxStorageBufferBindingSize ${report.maxStorageBufferBindingSize}, maxBufferSize ${report.maxBufferSize}`);
      console.log(
        `kernel check: pad → block mean → nearest upsample on ${k.elements} pixels: ` +
          `max |gpu − cpu| = ${k.maxAbsDiff} → ${k.ok ? 'OK' : 'MISMATCH'} (${k.seconds.toFixed(3)} s incl. compile)`,
      );
    }
    if (!report.kernelCheck.ok) process.exitCode = 1;
  });

registerWeightsCommands(program);
registerImageCommands(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof ConvpaintError) {
    console.error(`convpaint: ${error.name}: ${error.message}`);
  } else {
    console.error(error);
  }
  process.exit(1);
});
