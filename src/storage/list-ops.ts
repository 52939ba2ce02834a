// List primitives of a DbStore (see engine.ts). Implemented by each engine.

// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface ListOps {}
