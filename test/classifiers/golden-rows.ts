/** The reference's classifier rows (../shared/golden/classifier_rows_vgg.safetensors), loaded once. */
import { readFileSync } from 'node:fs';
import { readSafetensors } from '../../src/io/safetensors.js';
import { sharedPath } from '../helpers/data.js';

export interface GoldenRows {
  trainX: Float32Array;
  trainY: Int32Array;
  evalX: Float32Array;
  evalY: Int32Array;
  nFeatures: number;
  sklearnAccuracy: number;
}

export function loadClassifierRows(): GoldenRows {
  const file = readSafetensors(readFileSync(sharedPath('golden/classifier_rows_vgg.safetensors')));
  const nFeatures = file.info('train_x').shape[1];
  return {
    trainX: file.getFloat32('train_x'),
    trainY: Int32Array.from(file.get('train_y').data as Int32Array),
    evalX: file.getFloat32('eval_x'),
    evalY: Int32Array.from(file.get('eval_y').data as Int32Array),
    nFeatures,
    sklearnAccuracy: Number(file.metadata.sklearn_rf_eval_accuracy),
  };
}

/** Fraction of predicted labels equal to the truth. */
export function accuracy(predicted: Int32Array, truth: Int32Array): number {
  let ok = 0;
  for (let i = 0; i < truth.length; i++) if (predicted[i] === truth[i]) ok++;
  return ok / truth.length;
}
