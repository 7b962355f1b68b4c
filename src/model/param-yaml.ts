/**
 * `Param` ⇄ YAML, interchangeable with the reference tool (REFERENCE.md §6): we write exactly what
 * PyYAML's `yaml.dump(dataclasses.asdict(param))` writes — the 19 keys sorted, block style, list
 * items at the key's indentation, `null`/`true`/`false`, floats in Python's repr with a `.0` where
 * PyYAML adds one — and we read any YAML mapping of those keys. Unknown keys are an error naming
 * them, except the legacy `multi_channel_img`, which maps to `channel_mode` as the reference's
 * older versions meant it.
 */
import yaml from 'js-yaml';
import { ValueError } from '../errors.js';
import { LEGACY_EXTRACTOR_NAMES } from '../features/registry.js';
import { Param, PARAM_KEYS } from './param.js';
import type { ParamKey } from './param.js';

/** Python's `repr(float)` as PyYAML emits it (`0.1`, `1.0`, `1.0e-05`, `.inf`, `.nan`). */
export function pythonFloat(x: number): string {
  if (Number.isNaN(x)) return '.nan';
  if (!Number.isFinite(x)) return x > 0 ? '.inf' : '-.inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  // Shortest round-trip digits, then Python's layout: fixed for 1e-4 ≤ |x| < 1e16.
  const [mantissa, expText] = x.toExponential().split('e');
  const exp = Number(expText);
  const sign = mantissa.startsWith('-') ? '-' : '';
  const digits = mantissa.replace('-', '').replace('.', '');
  let text: string;
  if (exp >= -4 && exp < 16) {
    if (exp >= digits.length - 1) text = digits + '0'.repeat(exp - digits.length + 1) + '.0';
    else if (exp >= 0) text = `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
    else text = `0.${'0'.repeat(-exp - 1)}${digits}`;
  } else {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : `${digits}.0`;
    text = `${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  return sign + text;
}

/** The YAML text the reference would write for this Param. */
export function paramToYaml(param: Param): string {
  const values = param.toObject() as unknown as Record<string, unknown>;
  const sorted = [...PARAM_KEYS].sort();
  let out = '';
  for (const key of sorted) {
    const value = values[key];
    if (key === 'clf_learning_rate' && typeof value === 'number') {
      out += `${key}: ${pythonFloat(value)}\n`;
    } else {
      // js-yaml with PyYAML's layout: sorted keys, list items not indented, no line folding.
      out += yaml.dump({ [key]: value }, { noArrayIndent: true, lineWidth: -1, quotingType: "'" });
    }
  }
  return out;
}

/**
 * Parses YAML text into a Param. Missing keys stay null (the caller overlays defaults, as the
 * reference's loader does); unknown keys throw `ValueError` naming them.
 */
export function paramFromYaml(text: string, source = 'YAML'): Param {
  let doc: unknown;
  try {
    doc = yaml.load(text, { schema: yaml.CORE_SCHEMA });
  } catch (error) {
    throw new ValueError(`${source} is not valid YAML: ${(error as Error).message}`, { cause: error });
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new ValueError(`${source} must hold a mapping of parameter names to values`);
  }
  const entries = { ...(doc as Record<string, unknown>) };
  if ('multi_channel_img' in entries) {
    const legacy = entries.multi_channel_img;
    delete entries.multi_channel_img;
    if (entries.channel_mode === undefined || entries.channel_mode === null) entries.channel_mode = legacy ? 'multi' : 'single';
  }
  // The reference's FE names before v1.1.0 (REFERENCE.md §3.2) read as today's.
  if (typeof entries.fe_name === 'string' && entries.fe_name in LEGACY_EXTRACTOR_NAMES) entries.fe_name = LEGACY_EXTRACTOR_NAMES[entries.fe_name];
  const unknown = Object.keys(entries).filter((k) => !(PARAM_KEYS as readonly string[]).includes(k));
  if (unknown.length > 0) {
    throw new ValueError(`${source} has unknown parameter key(s): ${unknown.join(', ')} (allowed: ${PARAM_KEYS.join(', ')})`);
  }
  const param = new Param();
  for (const key of PARAM_KEYS) {
    if (key in entries) {
      try {
        param.set(key as ParamKey, entries[key] as never);
      } catch (error) {
        throw new ValueError(`${source}: ${(error as Error).message}`, { cause: error });
      }
    } else if (key === 'channel_mode') {
      param.set('channel_mode', null);
    }
  }
  return param;
}
