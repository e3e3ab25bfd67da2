#!/usr/bin/env node
// The `user-secrets` executable: `secretstorage user-secrets` under its own name.
import { ignoreClosedPipe } from './io.js';
import { runCli } from './main.js';

ignoreClosedPipe(process.stdout);
const argv = process.argv.slice(2);
const forwarded = argv[0] === '--version' || argv[0] === '-V' ? [argv[0]] : ['user-secrets', ...argv];
runCli(forwarded, { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env }).then(
  (code) => {
    process.exitCode = code;
  },
);
