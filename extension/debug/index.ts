// The debugger room: a stopped process's heap read through DAP, validated. No editor API.
export * from './memory-port';
export * from './structs';
export * from './heap-reader';
export * from './heap-image';
export * from './heap-json';
export * from './dap-port';
export * from './stop';
export * from './gdb-adapter';
export * from './heap-state';
export * from './gdb-session';
export * from './launch-config';
export * from './pointer-label';
export * from './replay';
