#!/usr/bin/env node
// The `secretstorage` executable.
import { ignoreClosedPipe } from './io.js';
import { runCli } from './main.js';

ignoreClosedPipe(process.stdout);
runCli(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
}).then((code) => {
  process.exitCode = code;
});
