#!/usr/bin/env node
// The `user-secrets` executable: `secretstorage user-secrets` under its own name (its errors say `user-secrets:`).
// Loads the rest after turning the compile cache on, as bin.ts does.
import { useCompileCache } from './compile-cache.js';

useCompileCache();
const [{ ignoreClosedPipe }, { runCli, runCommand }, { userSecretsCommand }] = await Promise.all([
  import('./io.js'),
  import('./main.js'),
  import('./commands/user-secrets.js'),
]);

ignoreClosedPipe(process.stdout);
const argv = process.argv.slice(2);
let signalled: NodeJS.Signals | undefined;
const io = {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  commandSignalled: (signal: NodeJS.Signals) => (signalled = signal),
};
const run =
  argv[0] === '--version' || argv[0] === '-V'
    ? runCli([argv[0]], io)
    : runCommand(userSecretsCommand, argv, io, 'user-secrets', 'user-secrets');
run.then(async (code) => {
  process.exitCode = code;
  if (signalled) (await import('../forward-signals.js')).endLike(signalled);
});
