// index.ts — recording, on the engine: run a program on the trace build, or
// listen for programs started elsewhere, and keep one trace per process. Used
// by the command line and the editor; no `vscode` here.
export { traceVariables, type TraceSettings } from './environment';
export { RecordError } from './error';
export { TraceListener, type ListenerOptions, type Progress, type RecordedProcess } from './listener';
export { ensureNativeBuilt, traceLibrary } from './native';
export { record, type RecordOptions, type RecordResult } from './run';
