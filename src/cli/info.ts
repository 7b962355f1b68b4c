/**
 * `convpaint info MODEL`: what a model file holds — parameters, classes, feature count — read
 * straight from the file, so it needs neither a GPU nor the VGG weights.
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { readBundle } from '../model/bundle.js';
import { paramFromYaml } from '../model/param-yaml.js';
import { PARAM_KEYS } from '../model/param.js';
import { resolveModelFile } from './model-file.js';
import { CliError, EXIT, runAction } from './errors.js';

interface InfoOptions {
  json?: boolean;
}

export function registerInfoCommand(program: Command): void {
  program
    .command('info')
    .description('show a model file: parameters, classes, number of features (no GPU needed)')
    .argument('<model>', 'a trained bundle (.safetensors), a parameter file (.yml), or the name given to `convpaint train --out`')
    .option('--json', 'print the same as JSON')
    .action((path: string, opts: InfoOptions) => runAction(() => info(path, opts)));
}

async function info(arg: string, opts: InfoOptions): Promise<number> {
  const path = await resolveModelFile(arg, 'any', 'info');
  const lower = path.toLowerCase();
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new CliError(`cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)})`, EXIT.input);
  }
  let report: Record<string, unknown>;
  if (lower.endsWith('.safetensors')) {
    const b = readBundle(new Uint8Array(bytes), path);
    report = {
      file: path,
      kind: 'trained bundle',
      trained: b.classifier !== null,
      classifier: b.param.classifier,
      classes: b.classifier ? Array.from(b.classifier.classes) : null,
      num_features: b.numFeatures,
      num_trainings: b.numTrainings,
      memory_rows: b.memory ? b.memory.rows.size : 0,
      param: Object.fromEntries(PARAM_KEYS.map((k) => [k, b.param.get(k)])),
    };
  } else if (lower.endsWith('.yml')) {
    const p = paramFromYaml(bytes.toString('utf8'), path);
    report = { file: path, kind: 'parameters (no classifier)', trained: false, param: Object.fromEntries(PARAM_KEYS.map((k) => [k, p.get(k)])) };
  } else {
    throw new CliError(`${path}: a model is a .safetensors bundle or a .yml parameter file`, EXIT.model);
  }
  if (opts.json) {
    console.log(JSON.stringify(report, null, 2));
    return EXIT.ok;
  }
  const param = report.param as Record<string, unknown>;
  console.log(`${path}: ${report.kind}${report.trained ? '' : ', untrained'}`);
  console.log(`  extractor:    ${param.fe_name} layers ${JSON.stringify(param.fe_layers)} scalings ${JSON.stringify(param.fe_scalings)}`);
  console.log(`  channel mode: ${param.channel_mode}, normalize ${param.normalize}`);
  if (report.trained) {
    console.log(`  classifier:   ${report.classifier}, classes ${(report.classes as number[]).join(', ')}`);
    console.log(`  features:     ${report.num_features} per pixel; trained ${report.num_trainings} time(s)${report.memory_rows ? `, ${report.memory_rows} remembered pixels` : ''}`);
  }
  console.log('  parameters:');
  for (const [k, v] of Object.entries(param)) console.log(`    ${k}: ${JSON.stringify(v)}`);
  return EXIT.ok;
}
