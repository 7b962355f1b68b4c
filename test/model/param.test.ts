import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { convpaintDefaults, Param, PARAM_KEYS, validateParam } from '../../src/model/param.js';
import { paramFromYaml, paramToYaml, pythonFloat } from '../../src/model/param-yaml.js';
import { ValueError } from '../../src/errors.js';
import { sharedPath } from '../helpers/data.js';

describe('Param', () => {
  it('has the reference dataclass: 19 keys in order, channel_mode "single", the rest null', () => {
    const p = new Param();
    expect(Param.keys()).toEqual([...PARAM_KEYS]);
    expect(p.length).toBe(19);
    expect([...p].filter(([, v]) => v !== null)).toEqual([['channel_mode', 'single']]);
  });

  it('copies lists on get and set', () => {
    const p = new Param({ fe_scalings: [1, 2] });
    const s = p.get('fe_scalings')!;
    s.push(8);
    expect(p.get('fe_scalings')).toEqual([1, 2]);
    expect(p.copy().toObject()).toEqual(p.toObject());
  });

  it('rejects unknown keys and invalid values with a message naming the key and what is allowed', () => {
    expect(() => new Param({ multi_channel_img: true })).toThrow(/unknown parameter "multi_channel_img"/);
    expect(() => validateParam('channel_mode', 'grey')).toThrow(/channel_mode must be one of "single", "multi", "rgb"/);
    expect(() => validateParam('normalize', 4)).toThrow(ValueError);
    expect(() => validateParam('image_downsample', 21)).toThrow(/image_downsample must be an integer in \[-20, 20\]/);
    expect(() => validateParam('seg_smoothening', -1)).toThrow(/\[0, 20\]/);
    expect(() => validateParam('fe_order', 6)).toThrow(/fe_order/);
    expect(() => validateParam('fe_scalings', [])).toThrow(/fe_scalings/);
    expect(() => validateParam('fe_scalings', [1, 0])).toThrow(/positive integers/);
    expect(() => validateParam('clf_depth', 17)).toThrow(/clf_depth must be an integer in \[1, 16\]/);
    expect(() => validateParam('clf_learning_rate', 0)).toThrow(/clf_learning_rate/);
    expect(() => validateParam('clf_iterations', 2.5)).toThrow(/clf_iterations/);
    expect(() => validateParam('tile_image', 'yes')).toThrow(/true or false/);
    expect(() => validateParam('fe_layers', [-1])).toThrow(/fe_layers/);
    for (const key of PARAM_KEYS) expect(() => validateParam(key, null)).not.toThrow();
  });
});

describe('YAML interchange with the reference', () => {
  it('reads the golden vgg-m-untrained.yml and writes it back byte-identical', () => {
    const text = readFileSync(sharedPath('golden/vgg-m-untrained.yml'), 'utf8');
    const param = paramFromYaml(text);
    expect(param.fe_name).toBe('vgg16');
    expect(param.fe_layers).toHaveLength(3);
    expect(param.fe_scalings).toEqual([1, 2, 4]);
    expect(param.clf_learning_rate).toBe(0.1);
    expect(paramToYaml(param)).toBe(text);
  });

  it('writes the default trained model the way §6.1 shows it', () => {
    const p = convpaintDefaults();
    p.set('classifier', 'CatBoost');
    p.set('fe_layers', ['features.0 Conv2d(3, 64, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))']);
    const text = paramToYaml(p);
    expect(text.split('\n').slice(0, 8)).toEqual([
      'channel_mode: single',
      'classifier: CatBoost',
      'clf_depth: 5',
      'clf_iterations: 100',
      'clf_learning_rate: 0.1',
      'clf_use_gpu: null',
      'fe_layers:',
      '- features.0 Conv2d(3, 64, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))',
    ]);
    expect(text).toContain('fe_scalings:\n- 1\n- 2\n- 4\n');
    expect(text.endsWith('use_dask: false\n')).toBe(true);
    expect(paramFromYaml(text).toObject()).toEqual(p.toObject());
  });

  it('formats floats like Python repr through PyYAML', () => {
    expect([0.1, 1, 0.05, 1e-5, 0.0001, 0.3, 1.5e-7, 0.001].map(pythonFloat)).toEqual([
      '0.1', '1.0', '0.05', '1.0e-05', '0.0001', '0.3', '1.5e-07', '0.001',
    ]);
  });

  it('layer indices round-trip as integers', () => {
    const p = convpaintDefaults();
    p.set('fe_layers', [0, 2]);
    const text = paramToYaml(p);
    expect(text).toContain('fe_layers:\n- 0\n- 2\n');
    expect(paramFromYaml(text).fe_layers).toEqual([0, 2]);
  });

  it('unknown keys are an error naming them; the legacy multi_channel_img maps to channel_mode', () => {
    expect(() => paramFromYaml('fe_name: vgg16\nuse_gpu: true\nfoo: 1\n')).toThrow(/unknown parameter key\(s\): use_gpu, foo/);
    expect(paramFromYaml('multi_channel_img: true\nfe_name: vgg16\n').channel_mode).toBe('multi');
    expect(() => paramFromYaml('- a\n- b\n')).toThrow(/mapping/);
    expect(() => paramFromYaml('fe_name: [unclosed\n')).toThrow(/not valid YAML/);
    expect(() => paramFromYaml('normalize: 7\n', 'model.yml')).toThrow(/model.yml: parameter normalize/);
  });
});
