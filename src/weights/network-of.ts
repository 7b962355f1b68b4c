/**
 * Which network a weights file (safetensors) is for, from its tensor names alone: the page stores
 * a file the user picks under the right key, and a file of neither kind is refused there, before
 * an extractor tries it. Browser-safe.
 */
import { readSafetensors } from '../io/safetensors.js';

export function weightsNetworkOf(bytes: Uint8Array | ArrayBuffer): 'vgg16' | 'dinov2' | null {
  let names: string[];
  try {
    names = readSafetensors(bytes).names();
  } catch {
    return null;
  }
  if (names.includes('blocks.0.attn.qkv.weight') && names.includes('patch_embed.proj.weight')) return 'dinov2';
  if (names.includes('features.0.weight')) return 'vgg16';
  return null;
}
