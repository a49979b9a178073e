// launch.ts — a replay launch: the trace opened for the runtime, or the reason it cannot
// be (said where: the file's own error carries its byte offset), and what the front
// end is told on the way (the program, the damage a trace has, the recording's other
// processes).

import { basename } from 'node:path';
import { TraceFileError } from '../../core';
import type { ReplayLaunchArguments } from './dap-shapes';
import { recordingFiles } from './processes';
import { ReplayRuntime } from './runtime';

export interface LaunchNote {
  readonly text: string;
  readonly category: 'console' | 'important';
}

export async function openReplay(
  args: ReplayLaunchArguments,
  defaultSourceRoot: string,
): Promise<{ runtime: ReplayRuntime; notes: LaunchNote[] } | { refusal: string }> {
  if (!args.trace) return { refusal: 'launch needs "trace": the .hktrace file to replay' };
  let runtime: ReplayRuntime;
  try {
    runtime = await ReplayRuntime.open({
      trace: args.trace,
      pid: args.pid,
      sourceRoot: args.sourceRoot ?? defaultSourceRoot,
      symbolizer: args.symbolizerPath ? { tool: args.symbolizerPath } : undefined,
    });
  } catch (error) {
    return { refusal: error instanceof TraceFileError ? error.message : `cannot replay ${args.trace}: ${(error as Error).message}` };
  }
  const { handshake, damage, path } = runtime.file;
  if (!runtime.eventCount) {
    runtime.close();
    return { refusal: `${args.trace} holds no event to replay${damage ? `: ${damage.message}` : ''}` };
  }
  const notes: LaunchNote[] = [
    {
      text: `replaying ${basename(handshake.executable)} (pid ${handshake.pid}): ${runtime.eventCount} events, ${runtime.threads.length} threads`,
      category: 'console',
    },
  ];
  // a damaged trace replays what it kept; the front end hears what was lost
  if (damage) notes.push({ text: damage.message, category: 'important' });
  const others = recordingFiles(path).filter((file) => file !== path);
  if (others.length)
    notes.push({
      text: `this recording holds ${others.length} more process(es): ${others.map((file) => basename(file)).join(', ')}; launch with "pid" to replay one`,
      category: 'console',
    });
  return { runtime, notes };
}
