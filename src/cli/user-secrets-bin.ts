#!/usr/bin/env node
// The `user-secrets` executable: `secretstorage user-secrets` under its own name (its errors say `user-secrets:`).
import type { CliIO } from './command.js';
import { userSecretsCommand } from './commands/user-secrets.js';
import { ignoreClosedPipe } from './io.js';
import { runCli, runCommand } from './main.js';

ignoreClosedPipe(process.stdout);
const argv = process.argv.slice(2);
const io: CliIO = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env };
const run =
  argv[0] === '--version' || argv[0] === '-V'
    ? runCli([argv[0]], io)
    : runCommand(userSecretsCommand, argv, io, 'user-secrets', 'user-secrets');
run.then((code) => {
  process.exitCode = code;
});
