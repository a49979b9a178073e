// structs.ts — the allocator's structures as layout.json describes them: every
// offset and size the heap reader uses comes from there (generated from the C
// definitions by native/tools/layout_json.c), none is a TypeScript constant.
import { LayoutError, layoutObject, parseLayout, type Layout } from '../core';

export interface FieldSpec {
  readonly offset: number;
  readonly size: number;
}

export class StructSpec {
  constructor(
    readonly name: string,
    readonly size: number,
    private readonly fields: Readonly<Record<string, FieldSpec>>,
    readonly extra: Readonly<Record<string, unknown>>,
  ) {}

  field(name: string): FieldSpec {
    const spec = this.fields[name];
    if (!spec) throw new LayoutError(`layout description: struct ${this.name} has no field ${name}`);
    return spec;
  }
}

/** One layout's description: the engine's Layout and the structures a debugger walks. */
export interface LayoutStructs {
  readonly layout: Layout;
  readonly root: StructSpec;
  readonly superslab: StructSpec;
  readonly slab: StructSpec;
  readonly tcache: StructSpec;
  /** the allocator's global state (its list heads and check key), when the description has it */
  readonly global: StructSpec | null;
  /** the trace build's runtime (its pid and ring list) and one ring, when the description has them */
  readonly traceRuntime: StructSpec | null;
  readonly traceRing: StructSpec | null;
  /** the check build's check word: its offset from BASE, and the first class that has one */
  readonly checkWordOffset: number;
  readonly checkWordMinClass: number;
  readonly superslabMagic: bigint;
  readonly rootMagic: number;
  readonly rootVersion: number;
}

function structSpec(structs: Record<string, unknown>, name: string): StructSpec {
  const entry = structs[name];
  if (typeof entry !== 'object' || entry === null) throw new LayoutError(`layout description: structs.${name} is missing`);
  const object = entry as Record<string, unknown>;
  const fields = object.fields;
  if (typeof object.size !== 'number' || typeof fields !== 'object' || fields === null)
    throw new LayoutError(`layout description: structs.${name} needs a size and fields`);
  for (const [field, spec] of Object.entries(fields as Record<string, unknown>)) {
    const { offset, size } = (spec ?? {}) as Record<string, unknown>;
    if (typeof offset !== 'number' || typeof size !== 'number' || offset + size > object.size)
      throw new LayoutError(`layout description: structs.${name}.fields.${field} must have an offset and size inside the struct`);
  }
  return new StructSpec(name, object.size, fields as Record<string, FieldSpec>, object);
}

export function layoutStructs(description: unknown): LayoutStructs {
  const layout = parseLayout(description);
  const structs = layout.raw.structs;
  if (typeof structs !== 'object' || structs === null) throw new LayoutError('layout description: structs is missing');
  const table = structs as Record<string, unknown>;
  const root = structSpec(table, 'slabscope_debug_root');
  const superslab = structSpec(table, 'ss_superslab');
  const magic = superslab.extra.magic;
  if (typeof magic !== 'string' || !/^0x[0-9a-f]{1,16}$/i.test(magic))
    throw new LayoutError('layout description: structs.ss_superslab.magic must be a hex string');
  if (typeof root.extra.magic !== 'number' || typeof root.extra.version !== 'number')
    throw new LayoutError('layout description: structs.slabscope_debug_root needs its magic and version');
  return {
    layout,
    root,
    superslab,
    slab: structSpec(table, 'ss_slab'),
    tcache: structSpec(table, 'ss_tcache'),
    global: table.ss_global ? structSpec(table, 'ss_global') : null,
    traceRuntime: table.ssp_runtime ? structSpec(table, 'ssp_runtime') : null,
    traceRing: table.ssp_ring ? structSpec(table, 'ssp_ring') : null,
    checkWordOffset: typeof layout.raw.checkWordOffset === 'number' ? layout.raw.checkWordOffset : -1,
    checkWordMinClass: typeof layout.raw.checkWordMinClass === 'number' ? layout.raw.checkWordMinClass : layout.classes.length,
    superslabMagic: BigInt(magic),
    rootMagic: root.extra.magic,
    rootVersion: root.extra.version,
  };
}

/**
 * The layouts a build tree describes: native/build/layout.json names every layout
 * ("slabscope-layouts"); build/<layout>/layout.json is one ("slabscope-layout").
 */
export function layoutsOf(description: unknown): Map<string, LayoutStructs> {
  const object = layoutObject(description);
  const raw = (object ?? {}) as Record<string, unknown>;
  const found = new Map<string, LayoutStructs>();
  if (raw.format === 'slabscope-layouts') {
    if (typeof raw.layouts !== 'object' || raw.layouts === null) throw new LayoutError('layout descriptions: layouts is missing');
    for (const [name, entry] of Object.entries(raw.layouts as Record<string, unknown>)) found.set(name, layoutStructs(entry));
  } else {
    const one = layoutStructs(raw);
    found.set(one.layout.name, one);
  }
  if (!found.size) throw new LayoutError('layout descriptions: no layout described');
  return found;
}

/** Little-endian reads of a structure held in `bytes` at `base`. */
export class StructBytes {
  private readonly view: DataView;

  constructor(
    readonly bytes: Uint8Array,
    private readonly base: number,
    readonly spec: StructSpec,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** An unsigned field (1, 2, 4 or 8 bytes; 8 as bigint), or element `index` of an array field of `width`-byte entries. */
  u(field: string, index = 0, width?: number): number {
    const value = this.read(field, index, width);
    return typeof value === 'bigint' ? Number(value) : value;
  }

  u64(field: string, index = 0): bigint {
    const value = this.read(field, index, 8);
    return typeof value === 'bigint' ? value : BigInt(value);
  }

  i8(field: string): number {
    return this.view.getInt8(this.base + this.spec.field(field).offset);
  }

  private read(field: string, index: number, width?: number): number | bigint {
    const spec = this.spec.field(field);
    const size = width ?? spec.size;
    if ((index + 1) * size > spec.size)
      throw new LayoutError(`${this.spec.name}.${field}[${index}] is past the field's ${spec.size} bytes`);
    const at = this.base + spec.offset + index * size;
    switch (size) {
      case 1:
        return this.view.getUint8(at);
      case 2:
        return this.view.getUint16(at, true);
      case 4:
        return this.view.getUint32(at, true);
      case 8:
        return this.view.getBigUint64(at, true);
      default:
        throw new LayoutError(`${this.spec.name}.${field} is ${size} bytes: no integer`);
    }
  }
}
