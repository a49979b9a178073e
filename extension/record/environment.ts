// environment.ts — the variables that make a program trace: the preload and
// the runtime's SLABSCOPE_* settings, the same for a run and for an attach.

export interface TraceSettings {
  readonly lossless: boolean;
  /** pointer-level detail (freelist chains, links); operation-level otherwise */
  readonly detail: boolean;
  readonly stackDepth: number;
  readonly ringEvents?: number;
}

/** The variables that make a program trace into `socketPath` (LD_PRELOAD and SLABSCOPE_*). */
export function traceVariables(library: string, socketPath: string, settings: TraceSettings): Record<string, string> {
  const vars: Record<string, string> = {
    LD_PRELOAD: [library, process.env.LD_PRELOAD].filter(Boolean).join(' '),
    SLABSCOPE_SOCKET: socketPath,
    SLABSCOPE_ON_ERROR: 'report',
    SLABSCOPE_STACK_DEPTH: String(settings.stackDepth),
  };
  if (settings.detail) vars.SLABSCOPE_EVENTS = 'all';
  vars.SLABSCOPE_LOSSLESS = settings.lossless ? '1' : '0'; // said either way: the runtime's own default may differ
  if (settings.ringEvents) vars.SLABSCOPE_RING = String(settings.ringEvents);
  return vars;
}
