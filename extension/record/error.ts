// error.ts — the one error recording raises: something outside the trace
// (make, the trace build, the program) stood in the way; its message says what.

export class RecordError extends Error {
  override readonly name = 'RecordError';
}
