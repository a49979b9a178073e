// processes.ts — the processes of one recording. `slabscope run` writes the first
// process that connects to FILE.hktrace and each later one (a child it forked or
// executed) to FILE.1.hktrace, FILE.2.hktrace, …; a replay debugs one process, named
// by the file or by its pid among these siblings.

import { readdirSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { TraceFile } from '../../core';

/** The recording's files: FILE.hktrace first, then its numbered siblings in order. */
export function recordingFiles(trace: string): string[] {
  const extension = extname(trace) || '.hktrace';
  const stem = basename(trace, extension).replace(/\.\d+$/, '');
  const directory = dirname(trace);
  const numbered = readdirSync(directory)
    .map((name) => new RegExp(`^${escape(stem)}\\.(\\d+)${escape(extension)}$`).exec(name))
    .filter((match): match is RegExpExecArray => match !== null)
    .sort((a, b) => Number(a[1]) - Number(b[1]))
    .map((match) => join(directory, match[0]));
  return [join(directory, `${stem}${extension}`), ...numbered];
}

/** The file of process `pid` in the recording `trace` belongs to; `trace` itself when no pid is asked. */
export function processTrace(trace: string, pid: number | undefined): string {
  if (pid === undefined) return trace;
  const seen: string[] = [];
  for (const file of recordingFiles(trace)) {
    let opened: TraceFile;
    try {
      opened = TraceFile.open(file);
    } catch {
      continue;
    }
    const found = opened.handshake.pid;
    opened.close();
    if (found === pid) return file;
    seen.push(`${found} (${basename(file)})`);
  }
  throw new Error(`process ${pid} is not in the recording ${trace}; its processes: ${seen.join(', ') || 'none'}`);
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
