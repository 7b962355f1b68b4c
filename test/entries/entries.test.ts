/**
 * The package's entry points: the small front (`.`) and the sub-paths `./gpu`, `./reference`,
 * `./node`, each mapped in package.json and holding what its header promises.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as front from '../../src/index.js';
import * as gpu from '../../src/entries/gpu.js';
import * as node from '../../src/entries/node.js';
import * as reference from '../../src/entries/reference.js';

describe('entry points', () => {
  it('the front holds the model API, parameters, post-processing, the image decoder and the errors — and not the kernels', () => {
    for (const name of ['ConvpaintModel', 'Param', 'paramFromYaml', 'paramToYaml', 'aliasParam', 'readBundle', 'labelsFromProbabilities', 'decodeImage', 'decodeLabels', 'ConvpaintError', 'ValueError', 'loadWeightsBytes', 'VERSION']) {
      expect(front, name).toHaveProperty(name);
    }
    for (const name of ['GpuContext', 'reflectPad', 'trainGbdt', 'readImageFile']) expect(front, name).not.toHaveProperty(name);
  });

  it('./gpu, ./reference and ./node hold the advanced layers', () => {
    for (const name of ['GpuContext', 'GpuBatch', 'reflectPad', 'resample', 'gatherRows', 'predictForest', 'extractPyramidGpu', 'registerExtractor', 'defaultTileBudget']) expect(gpu, name).toHaveProperty(name);
    for (const name of ['reflectPad', 'upsampleBilinear', 'extractPyramidCpu', 'featureImageCpu', 'trainGbdt', 'trainRandomForest', 'predictCpu']) expect(reference, name).toHaveProperty(name);
    for (const name of ['readImageFile', 'readSafetensorsFile', 'writeFileAtomic', 'fetchAndInstall', 'overlayPicture']) expect(node, name).toHaveProperty(name);
  });

  it('package.json maps every entry to its build output', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { exports: Record<string, { default?: string } | string> };
    const paths = Object.fromEntries(Object.entries(pkg.exports).map(([k, v]) => [k, typeof v === 'string' ? v : v.default]));
    expect(paths).toMatchObject({ '.': './dist/index.js', './gpu': './dist/entries/gpu.js', './reference': './dist/entries/reference.js', './node': './dist/entries/node.js' });
  });
});
