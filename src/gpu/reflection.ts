/**
 * What a compute entry point needs from TypeScript, read from the WGSL itself with wgsl_reflect:
 * its bindings (name, slot, buffer kind), the layout of its uniform struct (member offsets and
 * types) and its override constants. Nothing here is written by hand twice: bind-group layouts
 * and uniform packing are derived from this.
 */
import { ResourceType, WgslReflect } from 'wgsl_reflect/wgsl_reflect.module.js';
import type { MemberInfo } from 'wgsl_reflect';
import { KernelDescriptorError } from '../errors.js';

export type BufferBindingKind = 'uniform' | 'read-only-storage' | 'storage';

export interface UniformField {
  name: string;
  offset: number;
  /** WGSL scalar type of each component. */
  scalar: 'u32' | 'i32' | 'f32';
  /** Number of components: 1 for scalars, 2–4 for vectors. */
  components: number;
}

export interface UniformLayout {
  /** Struct size in bytes, rounded up to 16 as uniform buffers require. */
  size: number;
  fields: UniformField[];
}

export interface BindingInfo {
  name: string;
  binding: number;
  kind: BufferBindingKind;
  /** Present for the uniform binding. */
  uniform?: UniformLayout;
}

export interface EntryPointInfo {
  shader: string;
  entryPoint: string;
  bindings: BindingInfo[];
  overrides: string[];
}

const SCALAR_OF_TYPE: Record<string, UniformField['scalar']> = {
  u32: 'u32',
  i32: 'i32',
  f32: 'f32',
};

function uniformField(member: MemberInfo, shader: string): UniformField {
  const typeName = member.type.name;
  const scalarName = SCALAR_OF_TYPE[typeName];
  if (scalarName) return { name: member.name, offset: member.offset, scalar: scalarName, components: 1 };
  const vec = /^vec([234])(?:<(u32|i32|f32)>|([uif]))$/.exec(member.type.getTypeName());
  if (vec) {
    const scalar = (vec[2] ?? { u: 'u32', i: 'i32', f: 'f32' }[vec[3] as 'u' | 'i' | 'f']) as UniformField['scalar'];
    return { name: member.name, offset: member.offset, scalar, components: Number(vec[1]) };
  }
  throw new KernelDescriptorError(
    `${shader}: uniform member "${member.name}" has type ${member.type.getTypeName()}; ` +
      'only u32, i32, f32 and their vectors are supported in uniform structs',
  );
}

/** Reflects every compute entry point of one WGSL source. */
export function reflectShader(shader: string, source: string): Map<string, EntryPointInfo> {
  const reflect = new WgslReflect(source);
  const result = new Map<string, EntryPointInfo>();
  for (const fn of reflect.entry.compute) {
    const bindings: BindingInfo[] = fn.resources.map((res) => {
      if (res.group !== 0) {
        throw new KernelDescriptorError(`${shader}/${fn.name}: binding "${res.name}" is in group ${res.group}; kernels use group 0 only`);
      }
      if (res.resourceType === ResourceType.Uniform) {
        if (!res.type.isStruct || !res.members) {
          throw new KernelDescriptorError(`${shader}/${fn.name}: uniform "${res.name}" must be a struct`);
        }
        const size = Math.ceil(res.size / 16) * 16;
        return {
          name: res.name,
          binding: res.binding,
          kind: 'uniform' as const,
          uniform: { size, fields: res.members.map((m) => uniformField(m, `${shader}/${fn.name}`)) },
        };
      }
      if (res.resourceType === ResourceType.Storage) {
        const kind: BufferBindingKind = res.access === 'read_write' ? 'storage' : 'read-only-storage';
        return { name: res.name, binding: res.binding, kind };
      }
      throw new KernelDescriptorError(`${shader}/${fn.name}: binding "${res.name}" is not a buffer; kernels use buffers only`);
    });
    bindings.sort((a, b) => a.binding - b.binding);
    result.set(fn.name, {
      shader,
      entryPoint: fn.name,
      bindings,
      overrides: [...new Set(fn.overrides.map((o) => o.name))],
    });
  }
  return result;
}

/**
 * Packs named values into the byte layout of a reflected uniform struct. Every field must be
 * given and no unknown names are accepted, so a renamed WGSL member cannot silently read zero.
 */
export function packUniforms(layout: UniformLayout, values: Record<string, number | readonly number[]>, where: string): ArrayBuffer {
  const buffer = new ArrayBuffer(layout.size);
  const view = new DataView(buffer);
  const known = new Set(layout.fields.map((f) => f.name));
  for (const key of Object.keys(values)) {
    if (!known.has(key)) {
      throw new KernelDescriptorError(`${where}: uniform value "${key}" is not a member of the shader's struct (members: ${[...known].join(', ')})`);
    }
  }
  for (const field of layout.fields) {
    const raw = values[field.name];
    if (raw === undefined) {
      throw new KernelDescriptorError(`${where}: uniform member "${field.name}" was not given a value`);
    }
    const comps = typeof raw === 'number' ? [raw] : raw;
    if (comps.length !== field.components) {
      throw new KernelDescriptorError(`${where}: uniform member "${field.name}" needs ${field.components} component(s), got ${comps.length}`);
    }
    comps.forEach((v, i) => {
      const at = field.offset + 4 * i;
      if (field.scalar === 'f32') {
        view.setFloat32(at, v, true);
      } else if (!Number.isInteger(v) || (field.scalar === 'u32' ? v < 0 || v > 0xffffffff : v < -0x80000000 || v > 0x7fffffff)) {
        throw new KernelDescriptorError(`${where}: uniform member "${field.name}" (${field.scalar}) cannot hold ${v}`);
      } else if (field.scalar === 'u32') {
        view.setUint32(at, v, true);
      } else {
        view.setInt32(at, v, true);
      }
    });
  }
  return buffer;
}
