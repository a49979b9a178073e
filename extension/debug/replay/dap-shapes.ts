// dap-shapes.ts — the replay adapter's DAP vocabulary: its launch attributes, its
// capabilities and exception filters (one per finding kind, corruption on by
// default), and the bodies its answers carry, built from the runtime's terms.

import { basename } from 'node:path';
import { Source, StackFrame, StoppedEvent } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { FINDING_KINDS, hex, severityOf, type Finding, type TraceEvent } from '../../core';
import type { PlacedBreakpoint } from './breakpoints';
import type { ReplayStop } from './runtime';
import type { ReplayFrame } from './stack';
import { dataIdOf, type DataTarget } from './targets';

export interface ReplayLaunchArguments extends DebugProtocol.LaunchRequestArguments {
  /** the `.hktrace` file to replay */
  trace?: string;
  /** the process to replay, in a recording of several */
  pid?: number;
  /** where the allocator's source paths (`native/src/…`) are relative to */
  sourceRoot?: string;
  /** stop at the trace's first event, rather than run to the first breakpoint */
  stopOnEntry?: boolean;
  /** the llvm-symbolizer to use */
  symbolizerPath?: string;
  /** stop first at this event (a finding's "Debug from Here") */
  startAt?: number;
}

export const EXCEPTION_FILTERS: DebugProtocol.ExceptionBreakpointsFilter[] = FINDING_KINDS.map((kind) => ({
  filter: kind,
  label: kind,
  description: `stop at the event where a ${kind} finding arises`,
  default: severityOf(kind) === 'error',
}));

export const CAPABILITIES: DebugProtocol.Capabilities = {
  supportsConfigurationDoneRequest: true,
  supportsStepBack: true,
  supportsGotoTargetsRequest: true,
  supportsConditionalBreakpoints: true,
  supportsHitConditionalBreakpoints: true,
  supportsFunctionBreakpoints: true,
  exceptionBreakpointFilters: EXCEPTION_FILTERS,
  supportsExceptionInfoRequest: true,
  supportsDataBreakpoints: true,
  supportsDataBreakpointBytes: true,
  supportsReadMemoryRequest: true,
  supportsEvaluateForHovers: false,
  supportsTerminateRequest: true,
};

export function exceptionInfoOf(finding: Finding): NonNullable<DebugProtocol.ExceptionInfoResponse['body']> {
  return {
    exceptionId: finding.kind,
    description: finding.message,
    breakMode: 'always',
    details: {
      message: finding.message,
      typeName: finding.kind,
      stackTrace: finding.internalSite ? `${finding.internalSite.file}:${finding.internalSite.line}` : undefined,
    },
  };
}

/** What a data breakpoint on `target` would watch; `name` is what was asked about when there is none. */
export function dataInfoOf(target: DataTarget | undefined, name: string): DebugProtocol.DataBreakpointInfoResponse['body'] {
  if (!target) return { dataId: null, description: `${name} is not a block, a link or a header byte` };
  return {
    dataId: dataIdOf(target),
    description: target.kind === 'block' ? `the block at ${hex(target.address)}` : `${target.length} bytes at ${hex(target.address)}`,
    accessTypes: ['read', 'write', 'readWrite'],
    canPersist: true,
  };
}

export function breakpointOf(placed: PlacedBreakpoint): DebugProtocol.Breakpoint {
  return { id: placed.id, verified: placed.verified, ...(placed.message ? { message: placed.message } : {}) };
}

/** A frame of an event's stack; the allocator's own line is shown subtle. */
export function stackFrameOf(frame: ReplayFrame, id: number): DebugProtocol.StackFrame {
  const name = `${frame.name}${frame.inlined ? ' (inlined)' : ''}`;
  const source = frame.file ? new Source(basename(frame.file), frame.file) : undefined;
  const stackFrame: DebugProtocol.StackFrame = new StackFrame(id, name, source, frame.line ?? 0, frame.column ?? 0);
  if (frame.pc) stackFrame.instructionPointerReference = hex(frame.pc);
  // VS Code opens the top frame at a breakpoint or a step (the allocator's line the event
  // arose on), and the first frame that is not subtle at any other stop (an exception, a goto)
  if (frame.allocator) stackFrame.presentationHint = 'subtle';
  return stackFrame;
}

/** The stopped event of a stop at `event` (`stop` null: the position moved by a request that says no more). */
export function stoppedEventOf(stop: ReplayStop | null, event: TraceEvent): DebugProtocol.StoppedEvent {
  const stopped: DebugProtocol.StoppedEvent = new StoppedEvent(stop?.reason ?? 'goto', event.thread);
  stopped.body.description = stop?.description ?? `event ${event.index}`;
  stopped.body.allThreadsStopped = true;
  if (stop?.findings.length) stopped.body.text = stop.findings.map((finding) => finding.message).join('; ');
  if (stop?.breakpointIds.length) stopped.body.hitBreakpointIds = [...stop.breakpointIds];
  return stopped;
}
