/** Tree ensembles: the shared model representation, the two trainers, and (de)serialisation. */
export * from '../core/tree-ensemble.js';
export { trainGbdt } from './gbdt.js';
export type { GbdtOptions } from './gbdt.js';
export { trainRandomForest } from './random-forest.js';
export type { RandomForestOptions } from './random-forest.js';
export { sortRowsLexicographic, checkTrainingRows } from './rows.js';
export type { TrainProgress, ClassMapping } from './rows.js';
export { greedyLogSumBorders, quantizeRows, MAX_BORDERS } from './quantize.js';
export { serializeForest, deserializeForest, forestToSafetensors, forestFromSafetensors, DEFAULT_FOREST_PREFIX } from './serialize.js';
export type { SerializedForest } from './serialize.js';
export { predictCpu, predictProbaCpu, forestLeavesCpu, forestRawScoresCpu } from '../reference/forest.js';
export type { FeatureLayout, ForestPrediction } from '../reference/forest.js';
