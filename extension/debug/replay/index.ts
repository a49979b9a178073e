// A trace replayed as a debug session: the runtime (positions, moves, breakpoints) and its DAP session.
export * from './condition';
export * from './breakpoints';
export * from './breakpoint-book';
export * from './event-fields';
export * from './timeline';
export * from './stack';
export * from './targets';
export * from './processes';
export * from './runtime';
export * from './known-bytes';
export * from './variables';
export * from './dap-shapes';
export * from './launch';
export * from './session';
export * from './requests';
