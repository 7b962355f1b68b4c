/**
 * What a `--model` / `--continue` / `info` argument names. `convpaint train --out m` writes
 * `m.yml` and `m.safetensors`; users pass back the name they gave, the `.yml` or the bundle, so
 * each of those is accepted:
 *
 * | argument | trained bundle wanted | parameters are enough |
 * | --- | --- | --- |
 * | `m.safetensors` | it | it |
 * | `m.yml` | `m.safetensors` beside it (else an error saying it holds parameters only) | it |
 * | `m` (a stem) | `m.safetensors` | `m.safetensors`, else `m.yml` |
 *
 * A name that matches no file is a `CliError` (exit 3) naming what was looked for.
 */
import { stat } from 'node:fs/promises';
import { CliError, EXIT } from './errors.js';

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** The model file an argument means; `bundle` = a trained .safetensors bundle is required. */
export async function resolveModelFile(arg: string, want: 'bundle' | 'any', option: string): Promise<string> {
  const lower = arg.toLowerCase();
  const stem = arg.replace(/\.(safetensors|yml)$/i, '');
  if (lower.endsWith('.safetensors')) {
    if (await isFile(arg)) return arg;
    throw new CliError(`${option} ${arg}: no such file`, EXIT.input);
  }
  if (lower.endsWith('.yml')) {
    if (want === 'any') {
      if (await isFile(arg)) return arg;
      throw new CliError(`${option} ${arg}: no such file`, EXIT.input);
    }
    if (await isFile(`${stem}.safetensors`)) return `${stem}.safetensors`;
    const why = (await isFile(arg)) ? 'holds parameters only, and there is no trained bundle' : 'does not exist, nor does';
    throw new CliError(`${option} ${arg} ${why} ${stem}.safetensors beside it; train one with \`convpaint train --out ${stem}\``, EXIT.model);
  }
  if (await isFile(`${arg}.safetensors`)) return `${arg}.safetensors`;
  if (want === 'any' && (await isFile(`${arg}.yml`))) return `${arg}.yml`;
  if (await isFile(arg)) throw new CliError(`${option} ${arg}: a model is a .safetensors bundle${want === 'any' ? ' or a .yml parameter file' : ''}`, EXIT.model);
  const tried = want === 'any' ? `${arg}.safetensors or ${arg}.yml` : `${arg}.safetensors`;
  throw new CliError(`${option} ${arg}: no model there (looked for ${tried})`, EXIT.input);
}
