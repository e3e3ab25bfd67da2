/**
 * node:fs for the modules a program loads when it imports this library, without an ES module import of it: Node
 * builds an ES module's view of a built-in module by reading every export, and node:fs's `ReadStream` and
 * `WriteStream` are getters that load Node's file streams, about 3 ms of a cold start that nothing here uses.
 * `process.getBuiltinModule` (Node 20.16+, 22.3+, Bun, Deno) hands over the module as it is; older Node 20 requires it.
 */
import { createRequire } from 'node:module';
import type * as Fs from 'node:fs';

let fs: typeof Fs | undefined;

export function nodeFs(): typeof Fs {
  // A built-in module resolves the same from anywhere, so the base path of createRequire does not matter.
  fs ??=
    (process.getBuiltinModule?.('node:fs') as typeof Fs | undefined) ?? (createRequire('/')('node:fs') as typeof Fs);
  return fs;
}
