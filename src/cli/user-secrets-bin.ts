#!/usr/bin/env node
// The `user-secrets` executable: `secretstorage user-secrets` under its own name (its errors say `user-secrets:`).
// Loads the rest after turning the compile cache on, as bin.ts does.
import { useCompileCache } from './compile-cache.js';

useCompileCache();
const [{ processIO }, { runCli, runCommand }, { userSecretsCommand }] = await Promise.all([
  import('./io.js'),
  import('./main.js'),
  import('./commands/user-secrets.js'),
]);

const argv = process.argv.slice(2);
const { io, finish } = processIO();
const run =
  argv[0] === '--version' || argv[0] === '-V'
    ? runCli([argv[0]], io)
    : runCommand(userSecretsCommand, argv, io, 'user-secrets', 'user-secrets');
void run.then(finish);
