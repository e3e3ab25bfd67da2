#!/usr/bin/env node
// The `secretstorage` executable. The command line and the library are loaded only after the compile cache is on, so
// that they come from it (a static import would be compiled before any code here runs).
import { useCompileCache } from './compile-cache.js';

useCompileCache();
const [{ processIO }, { runCli }] = await Promise.all([import('./io.js'), import('./main.js')]);

const { io, finish } = processIO();
void runCli(process.argv.slice(2), io).then(finish);
