/**
 * Robustness of the parameter-YAML loader and the model-bundle loader: ≥ 1,000 mutated files
 * each, generated here from real files with fixed seeds. Every load must either succeed with a
 * valid object or throw our typed error (ValueError for YAML, ModelFormatError for bundles) —
 * never any other exception, never a hang.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { paramFromYaml } from '../../src/model/param-yaml.js';
import { PARAM_KEYS, validateParam } from '../../src/model/param.js';
import { readBundle } from '../../src/model/bundle.js';
import { ConvpaintModel } from '../../src/model/convpaint-model.js';
import { predictCpu } from '../../src/reference/forest.js';
import { validateForest } from '../../src/core/tree-ensemble.js';
import { ModelFormatError, ValueError } from '../../src/errors.js';
import { sharedPath } from '../helpers/data.js';
import { rng, randomInt } from '../helpers/random.js';
import { squareScene } from '../helpers/synthetic.js';

const YAML_TOKENS = ['null', 'true', '~', '-1', '1e309', '0x10', '[', ']', '{', '}', ':', '- ', '&a', '*a', '!!python/object:os.system', "'", '"', '\t', '\n', '#', '? ', '|', '>', '%YAML 1.1', '---', '...', '9'.repeat(40), 'features.99', 'vgg16', '[1, 2, 0]', '{a: 1}'];

function mutateText(text: string, next: () => number): string {
  const kind = randomInt(next, 6);
  const at = randomInt(next, text.length + 1);
  switch (kind) {
    case 0:
      return text.slice(0, at);
    case 1: {
      const token = YAML_TOKENS[randomInt(next, YAML_TOKENS.length)];
      return text.slice(0, at) + token + text.slice(at);
    }
    case 2: {
      const lines = text.split('\n');
      lines.splice(randomInt(next, lines.length), 1 + randomInt(next, 3));
      return lines.join('\n');
    }
    case 3: {
      const lines = text.split('\n');
      const i = randomInt(next, lines.length);
      const colon = lines[i].indexOf(':');
      if (colon >= 0) lines[i] = `${lines[i].slice(0, colon + 1)} ${YAML_TOKENS[randomInt(next, YAML_TOKENS.length)]}`;
      return lines.join('\n');
    }
    case 4: {
      const chars = [...text];
      for (let k = 0; k < 1 + randomInt(next, 4); k++) chars[randomInt(next, chars.length)] = String.fromCharCode(32 + randomInt(next, 95));
      return chars.join('');
    }
    default:
      return `${'['.repeat(1 + randomInt(next, 200))}${text}`;
  }
}

describe('YAML loader fuzz', () => {
  it('1,200 mutated parameter files: a valid Param or a ValueError', () => {
    const golden = readFileSync(sharedPath('golden/vgg-m-untrained.yml'), 'utf8');
    const next = rng(2024);
    let accepted = 0;
    for (let i = 0; i < 1200; i++) {
      const text = mutateText(golden, next);
      try {
        const p = paramFromYaml(text);
        for (const key of PARAM_KEYS) validateParam(key, p.get(key)); // every accepted value is valid
        accepted++;
      } catch (error) {
        if (!(error instanceof ValueError)) throw new Error(`case ${i}: ${String(error)}\n--- input ---\n${text}`);
      }
    }
    expect(accepted).toBeGreaterThan(50); // the mutations are not all fatal: both paths are exercised
    expect(accepted).toBeLessThan(1150);
  });
});

describe('model bundle loader fuzz', () => {
  it('1,200 mutated bundles: a valid model or a ModelFormatError', async () => {
    const s = squareScene(24, 3);
    const m = await ConvpaintModel.create({ alias: 'gaussian' }, { device: 'cpu' });
    await m.train(s.image, s.annotations, { memoryMode: true, imgIds: 'a' });
    const good = m.toBundle();
    m.dispose();
    const headerLength = Number(new DataView(good.buffer, good.byteOffset).getBigUint64(0, true));
    const headerText = new TextDecoder().decode(good.subarray(8, 8 + headerLength));
    const next = rng(77);
    let accepted = 0;
    for (let i = 0; i < 1200; i++) {
      let bytes: Uint8Array;
      const kind = i % 4;
      if (kind === 0) {
        bytes = good.slice(0, randomInt(next, good.length));
      } else if (kind === 1) {
        bytes = good.slice();
        for (let k = 0; k < 1 + randomInt(next, 8); k++) bytes[8 + randomInt(next, bytes.length - 8)] ^= 1 << randomInt(next, 8);
      } else if (kind === 2) {
        // edit the JSON header (metadata values, offsets, shapes), keeping its length
        const edited = mutateText(headerText, next).padEnd(headerLength, ' ').slice(0, headerLength);
        bytes = good.slice();
        bytes.set(new TextEncoder().encode(edited).subarray(0, headerLength), 8);
      } else {
        // metadata values swapped for hostile ones
        const meta = ['format_version', 'num_features', 'num_trainings', 'memory_images', 'annotation_keys', 'classes', 'param_yaml', 'forest.format_version'];
        const key = meta[randomInt(next, meta.length)];
        const value = ['"9"', '"-1"', '"1e9"', '"[1,"', '"[]"', '"[\\"x\\"]"', '"null"', '"fe_name: [x"'][randomInt(next, 8)];
        const replaced = headerText.replace(new RegExp(`"${key.replace('.', '\\.')}":"(?:[^"\\\\]|\\\\.)*"`), `"${key}":${value}`);
        const enc = new TextEncoder().encode(replaced);
        const header = new Uint8Array(Math.ceil(enc.length / 8) * 8).fill(32);
        header.set(enc);
        bytes = new Uint8Array(8 + header.length + good.length - 8 - headerLength);
        new DataView(bytes.buffer).setBigUint64(0, BigInt(header.length), true);
        bytes.set(header, 8);
        bytes.set(good.subarray(8 + headerLength), 8 + header.length);
      }
      try {
        const b = readBundle(bytes);
        if (b.classifier) {
          validateForest(b.classifier);
          const feats = new Float32Array(b.classifier.nFeatures * 5).fill(0.5);
          expect(predictCpu(b.classifier, feats, 'rows').probas.length).toBe(5 * b.classifier.classes.length);
        }
        accepted++;
      } catch (error) {
        if (!(error instanceof ModelFormatError)) throw new Error(`case ${i} (kind ${kind}): ${String(error)}`);
      }
    }
    expect(accepted).toBeGreaterThan(0);
    expect(accepted).toBeLessThan(1200);
  });
});
