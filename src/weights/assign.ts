/**
 * Which given weights file goes to which network. `ConvpaintModel.create({ weights })` takes one
 * source or a list: an extractor with one network (vgg16, dinov2) uses a single source as it is
 * (its reader refuses a wrong file); a list, or an extractor with two networks
 * (`combo_dino_vgg`), has each file read and sent to the network its tensor names say it is for
 * (network-of.ts). A network without a file uses its installed copy (resolveWeightsBytes says how
 * to install it); a file for a network the extractor does not use, or two files for one network,
 * is an error — nothing is dropped silently.
 */
import { ValueError } from '../errors.js';
import { weightsNetworkOf } from './network-of.js';
import { resolveWeightsBytes } from './source.js';
import type { WeightsKind, WeightsSource } from './source.js';

export type WeightsNetwork = 'vgg16' | 'dinov2';

/** One weights source, or one per network. */
export type WeightsOption = WeightsSource | readonly WeightsSource[];

const GIVEN: WeightsKind = { what: 'Weights', extractor: 'given', file: '', installHelp: '' };

/** The source for each of `networks` (undefined: the installed copy). */
export async function assignWeights(option: WeightsOption | undefined, networks: readonly WeightsNetwork[], extractor: string): Promise<Partial<Record<WeightsNetwork, WeightsSource>>> {
  if (option === undefined) return {};
  const list = Array.isArray(option) ? (option as readonly WeightsSource[]) : [option as WeightsSource];
  if (networks.length === 1 && list.length === 1) return { [networks[0]]: list[0] };
  const out: Partial<Record<WeightsNetwork, WeightsSource>> = {};
  const from: Partial<Record<WeightsNetwork, string>> = {};
  for (const source of list) {
    const { bytes, source: name } = await resolveWeightsBytes(source, GIVEN);
    const network = weightsNetworkOf(bytes);
    if (network === null || !networks.includes(network)) {
      throw new ValueError(`${extractor} uses ${networks.join(' and ')} weights; ${name} ${network ? `holds ${network} weights` : 'is not a weights file of a known network'}`);
    }
    if (out[network] !== undefined) throw new ValueError(`${extractor}: two weights files for ${network} (${from[network]} and ${name})`);
    out[network] = bytes;
    from[network] = name;
  }
  return out;
}
