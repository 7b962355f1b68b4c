/**
 * The entry point of a random-forest worker (bundled by scripts/bundle-workers.mjs, spawned by
 * rf-parallel.ts). On `init` it views the ranked rows in shared memory; on every `grow` it grows
 * one tree (trees are independent: each has its own random stream) and sends it back.
 */
import type { RfReply, RfRequest, RfWorkerInit } from './rf-protocol.js';
import { growRandomTree, scratchFor } from './random-forest.js';
import type { RankedRows, Scratch } from './random-forest.js';
import { workerPort } from './worker-port.js';

function rowsOf(init: RfWorkerInit): RankedRows {
  const flat = new Float32Array(init.values);
  const values = Array.from({ length: init.nFeatures }, (_, f) => flat.subarray(init.valueOffset[f], init.valueOffset[f + 1]));
  return { n: init.n, nFeatures: init.nFeatures, rank: new Uint32Array(init.rank), values, target: new Uint32Array(init.target), nClasses: init.nClasses };
}

const channel = workerPort<RfRequest, RfReply>();
let state: { data: RankedRows; scratch: Scratch; seed: number; mtry: number } | null = null;

channel.listen((message) => {
  if (message.type === 'init') {
    const data = rowsOf(message);
    state = { data, scratch: scratchFor(data), seed: message.seed, mtry: message.mtry };
    return;
  }
  if (!state) throw new Error('random-forest worker: grow before init');
  channel.post({ type: 'tree', index: message.index, tree: growRandomTree(state.data, state.seed, message.index, state.mtry, state.scratch) });
});
