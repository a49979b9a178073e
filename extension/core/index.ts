// The engine: pure TypeScript, no editor API, shared by every front end.
export * from './protocol';
export * from './layout';
export * from './pointers';
export * from './decoder';
export * from './events';
export * from './findings';
export * from './model';
export * from './session';
export * from './checkpoint';
export * from './bytes';
export * from './tracefile';
export * from './symbols';
export * from './report';
export * from './order';
export * from './writers';
export * from './follow';
