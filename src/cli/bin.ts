#!/usr/bin/env node
// The `secretstorage` executable. The command line and the library are loaded only after the compile cache is on, so
// that they come from it (a static import would be compiled before any code here runs).
import { useCompileCache } from './compile-cache.js';

useCompileCache();
const [{ ignoreClosedPipe }, { runCli }] = await Promise.all([import('./io.js'), import('./main.js')]);

ignoreClosedPipe(process.stdout);
let signalled: NodeJS.Signals | undefined;
runCli(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  commandSignalled: (signal) => (signalled = signal),
}).then(async (code) => {
  process.exitCode = code;
  if (signalled) (await import('../forward-signals.js')).endLike(signalled);
});
