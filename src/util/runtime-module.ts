// Modules loaded by path at run time (a Worker's entry point, a module a
// worker imports) rather than by a static import.
//
// Each of them must also be an entry point of `bun build --compile` (the
// "build" script in package.json). Inside the compiled executable the
// bundled modules live under /$bunfs/root/ at their path relative to src/,
// and import.meta.url of a bundled module is the executable's own, so a
// path relative to the importing file would name a file that is not there.

const BUNDLE_ROOT = "/$bunfs/root/";
const compiled = import.meta.url.startsWith(`file://${BUNDLE_ROOT}`);

/**
 * The path to load the module at `srcPath` (relative to src/) from: the
 * bundled copy in the compiled executable, the source file otherwise.
 */
export function runtimeModulePath(srcPath: string): string {
  return compiled ? BUNDLE_ROOT + srcPath : new URL(`../${srcPath}`, import.meta.url).pathname;
}
