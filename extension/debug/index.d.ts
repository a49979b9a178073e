export * from './memory-port';
export * from './structs';
export * from './heap-reader';
export * from './heap-image';
export * from './heap-json';
export * from './dap-port';
export * from './stop';
export * from './gdb-adapter';
