// layout.ts — how blocks are laid out, read from the layout description a
// program sends in its handshake (native/build/layout.json). Every offset the
// engine uses comes from here; nothing about a block is a TypeScript constant.

export interface SizeClass {
  readonly cls: number;
  /** the class's nominal block size */
  readonly blockSize: number;
  /** distance between consecutive BASE pointers in a slab */
  readonly stride: number;
  /** bytes the caller may use from USER */
  readonly payload: number;
  /** where the freelist next pointer sits, from BASE */
  readonly nextOffset: number;
  /** blocks per slab */
  readonly capacity: number;
  readonly cacheCap: number;
  readonly refillBatch: number;
}

export interface Layout {
  readonly name: string;
  /** USER = BASE + userOffset */
  readonly userOffset: number;
  /** the header byte's offset from BASE */
  readonly headerOffset: number;
  readonly headerMagic: number;
  readonly headerMagicMask: number;
  readonly headerClassMask: number;
  readonly superslabSize: number;
  readonly slabSize: number;
  readonly slabsPerSuperslab: number;
  readonly firstBlockSlab: number;
  /** the value a remote queue ends with; never a pointer a program may see */
  readonly remoteSentinel: bigint | null;
  readonly classes: readonly SizeClass[];
  /** allocator source files by internal site file id (PROTOCOL §6) */
  readonly siteFiles: readonly string[];
  /** next-read and next-write events carry the link's offset from BASE in their route byte (PROTOCOL §3) */
  readonly linkOffsets: boolean;
  /** the description as sent, for front ends that need more (struct offsets for gdb) */
  readonly raw: Readonly<Record<string, unknown>>;
}

export class LayoutError extends Error {
  override readonly name = 'LayoutError';
}

function field(object: Record<string, unknown>, key: string, where: string): number {
  const value = object[key];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
    throw new LayoutError(`layout description: ${where}${key} must be a non-negative integer, got ${JSON.stringify(value)}`);
  return value;
}

function isPowerOfTwo(n: number): boolean {
  return n > 0 && (n & (n - 1)) === 0;
}

/** A layout description given as JSON text, parsed; an object as it is. */
export function layoutObject(description: unknown): unknown {
  if (typeof description !== 'string') return description;
  try {
    return JSON.parse(description);
  } catch (error) {
    throw new LayoutError(`layout description is not JSON: ${(error as Error).message}`);
  }
}

/** Validates a layout description (an object or its JSON text). Throws LayoutError naming the field. */
export function parseLayout(description: unknown): Layout {
  const object = layoutObject(description);
  if (typeof object !== 'object' || object === null || Array.isArray(object))
    throw new LayoutError('layout description must be a JSON object');
  const raw = object as Record<string, unknown>;
  if (raw.format !== 'slabscope-layout')
    throw new LayoutError(`layout description: format must be "slabscope-layout", got ${JSON.stringify(raw.format)}`);
  if (raw.version !== 1) throw new LayoutError(`layout description: version ${JSON.stringify(raw.version)} is not supported (1 is)`);
  const name = typeof raw.layout === 'string' ? raw.layout : '';
  const superslabSize = field(raw, 'superslabSize', '');
  const slabSize = field(raw, 'slabSize', '');
  if (!isPowerOfTwo(superslabSize) || !isPowerOfTwo(slabSize) || slabSize > superslabSize)
    throw new LayoutError('layout description: superslabSize and slabSize must be powers of two, slab no bigger than superslab');
  const slabsPerSuperslab = field(raw, 'slabsPerSuperslab', '');
  if (slabsPerSuperslab * slabSize !== superslabSize)
    throw new LayoutError('layout description: slabsPerSuperslab × slabSize must equal superslabSize');
  if (!Array.isArray(raw.classes) || raw.classes.length === 0 || raw.classes.length > 254)
    throw new LayoutError('layout description: classes must be a non-empty array');
  const classes = raw.classes.map((entry: unknown, index: number): SizeClass => {
    if (typeof entry !== 'object' || entry === null) throw new LayoutError(`layout description: classes[${index}] must be an object`);
    const object = entry as Record<string, unknown>;
    const where = `classes[${index}].`;
    const sizeClass: SizeClass = {
      cls: field(object, 'class', where),
      blockSize: field(object, 'block', where),
      stride: field(object, 'stride', where),
      payload: field(object, 'payload', where),
      nextOffset: field(object, 'nextOffset', where),
      capacity: field(object, 'capacity', where),
      cacheCap: typeof object.cacheCap === 'number' ? object.cacheCap : 0,
      refillBatch: typeof object.refillBatch === 'number' ? object.refillBatch : 0,
    };
    if (sizeClass.cls !== index) throw new LayoutError(`layout description: classes[${index}].class is ${sizeClass.cls}`);
    if (sizeClass.stride === 0 || sizeClass.stride * sizeClass.capacity > slabSize)
      throw new LayoutError(
        `layout description: class ${index} does not fit its slab (stride ${sizeClass.stride} × capacity ${sizeClass.capacity})`,
      );
    if (sizeClass.nextOffset + 8 > sizeClass.stride)
      throw new LayoutError(
        `layout description: class ${index}'s next pointer at ${sizeClass.nextOffset} runs past its ${sizeClass.stride}-byte stride`,
      );
    return sizeClass;
  });
  let remoteSentinel: bigint | null = null;
  if (typeof raw.remoteSentinel === 'string') {
    if (!/^0x[0-9a-fA-F]{1,16}$/.test(raw.remoteSentinel)) throw new LayoutError('layout description: remoteSentinel must be a hex string');
    remoteSentinel = BigInt(raw.remoteSentinel);
  }
  const siteFiles = Array.isArray(raw.siteFiles) ? raw.siteFiles.map((file) => (typeof file === 'string' ? file : '')) : [];
  return {
    name,
    userOffset: field(raw, 'userOffset', ''),
    headerOffset: field(raw, 'headerOffset', ''),
    headerMagic: field(raw, 'headerMagic', ''),
    headerMagicMask: field(raw, 'headerMagicMask', ''),
    headerClassMask: field(raw, 'headerClassMask', ''),
    superslabSize,
    slabSize,
    slabsPerSuperslab,
    firstBlockSlab: field(raw, 'firstBlockSlab', ''),
    remoteSentinel,
    classes,
    siteFiles,
    linkOffsets: raw.linkOffsets === true,
    raw,
  };
}

/** The header byte a block of class `cls` carries while allocated. */
export function headerFor(layout: Layout, cls: number): number {
  return (layout.headerMagic | cls) & 0xff;
}

/** The class a header byte names, or -1 when it is no header of ours. */
export function headerClass(layout: Layout, header: number): number {
  if ((header & layout.headerMagicMask) !== layout.headerMagic) return -1;
  const cls = header & layout.headerClassMask;
  return cls < layout.classes.length ? cls : -1;
}

/** Whether the next pointer of `cls` covers the header byte (so a free block's header is not checked). */
export function nextCoversHeader(layout: Layout, cls: number): boolean {
  const sizeClass = layout.classes[cls];
  return sizeClass !== undefined && layout.headerOffset >= sizeClass.nextOffset && layout.headerOffset < sizeClass.nextOffset + 8;
}
