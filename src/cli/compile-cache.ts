/**
 * Node's module compile cache for the executables (Node 22.1 and later; Node 20 has none): V8's compiled code for the
 * modules loaded after this call is kept on disk (`NODE_COMPILE_CACHE`, else `node-compile-cache` in the OS's
 * temporary directory) and reused by the next run, so a command starts without compiling the CLI and the library
 * again. Only the executables turn it on: a library that did would decide it for the whole program that imports it.
 * `NODE_DISABLE_COMPILE_CACHE=1` turns it off, as Node documents.
 */
import module from 'node:module';

/** Turns the compile cache on where Node has one; never throws (Node reports a failure instead of throwing). */
export function useCompileCache(): void {
  (module as { enableCompileCache?: () => unknown }).enableCompileCache?.();
}
