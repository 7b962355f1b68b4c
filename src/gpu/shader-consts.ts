/**
 * Constants that shape a shader's code but that TypeScript must also know (tile widths, channels
 * per invocation, outputs per dispatch): written once, as a `const NAME: u32 = …u;` line in the
 * WGSL, and read from the bundled source here — never copied by hand into TypeScript.
 */
import { KernelDescriptorError } from '../errors.js';
import { SHADER_SOURCES } from './shaders.generated.js';
import type { ShaderName } from './shaders.generated.js';

const cache = new Map<string, number>();

/** The value of `const NAME: u32 = <n>u;` in `shaders/<shader>.wgsl`. */
export function shaderConst(shader: ShaderName, name: string): number {
  const key = `${shader}:${name}`;
  let value = cache.get(key);
  if (value === undefined) {
    const m = new RegExp(`const\\s+${name}\\s*:\\s*u32\\s*=\\s*(\\d+)u\\s*;`).exec(SHADER_SOURCES[shader]);
    if (!m) throw new KernelDescriptorError(`${shader}.wgsl: no \`const ${name}: u32 = …u;\` line to read`);
    value = Number(m[1]);
    cache.set(key, value);
  }
  return value;
}
