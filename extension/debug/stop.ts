// stop.ts — one stop of a DAP session read whole: the stopped thread's top
// frame (where the findings were found, and the frame expressions need), then
// the heap through the memory port, then its validated image.
import { DapMemoryPort, type DapRequest } from './dap-port';
import { heapImage, type HeapImage, type StopLocation } from './heap-image';
import { readHeap, type HeapMemory, type ReadHeapOptions } from './heap-reader';
import type { LayoutStructs } from './structs';

export interface StopContext {
  readonly frameId: number;
  readonly stoppedAt: StopLocation;
}

interface FrameBody {
  readonly id: number;
  readonly name?: string;
  readonly line?: number;
  readonly source?: { readonly path?: string; readonly name?: string };
}

/** The top frame of `threadId` (or of the first thread when none is named). */
export async function stopContext(request: DapRequest, threadId?: number): Promise<StopContext> {
  let thread = threadId;
  if (thread === undefined) {
    const { threads } = (await request('threads', {})) as { threads?: { id: number }[] };
    if (!threads?.length) throw new Error('the stopped process has no threads');
    thread = threads[0]!.id;
  }
  const { stackFrames } = (await request('stackTrace', { threadId: thread, startFrame: 0, levels: 1 })) as { stackFrames?: FrameBody[] };
  const top = stackFrames?.[0];
  if (!top || typeof top.id !== 'number') throw new Error(`thread ${thread} has no stack frame`);
  return {
    frameId: top.id,
    stoppedAt: {
      file: top.source?.path ?? top.source?.name ?? null,
      line: typeof top.line === 'number' && top.line > 0 ? top.line : null,
      function: top.name ?? null,
    },
  };
}

export interface InspectOptions extends ReadHeapOptions {
  readonly threadId?: number;
  readonly expressionPrefix?: string;
}

/** Reads the heap of a session that is stopped now: the bytes, and their validated image. */
export async function readStop(
  request: DapRequest,
  layouts: ReadonlyMap<string, LayoutStructs>,
  options: InspectOptions = {},
): Promise<{ memory: HeapMemory; image: HeapImage }> {
  const context = await stopContext(request, options.threadId);
  const port = new DapMemoryPort(request, { frameId: context.frameId, expressionPrefix: options.expressionPrefix });
  const memory = await readHeap(port, layouts, options);
  return { memory, image: heapImage(memory, context.stoppedAt) };
}

/** Reads and validates the heap of a session that is stopped now. */
export async function inspectStop(
  request: DapRequest,
  layouts: ReadonlyMap<string, LayoutStructs>,
  options: InspectOptions = {},
): Promise<HeapImage> {
  return (await readStop(request, layouts, options)).image;
}
