// Files bundled into the executable: Lua sources imported as text, and
// wasmoon's WebAssembly module imported as a file path.

declare module "*.lua" {
  const source: string;
  export default source;
}

declare module "wasmoon/dist/glue.wasm" {
  const path: string;
  export default path;
}
