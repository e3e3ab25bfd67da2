/** The `user-secrets` subcommands, in the order the help lists them. Each is one file in this folder. */
import { clearSubcommand } from './clear.js';
import type { Subcommand } from './context.js';
import { exportSubcommand } from './export.js';
import { getSubcommand } from './get.js';
import { importSubcommand } from './import.js';
import { infoSubcommand } from './info.js';
import { initSubcommand } from './init.js';
import { listSubcommand } from './list.js';
import { removeSubcommand } from './remove.js';
import { runSubcommand } from './run.js';
import { setSubcommand } from './set.js';

export const subcommands: Subcommand[] = [
  initSubcommand,
  setSubcommand,
  getSubcommand,
  listSubcommand,
  removeSubcommand,
  clearSubcommand,
  infoSubcommand,
  runSubcommand,
  importSubcommand,
  exportSubcommand,
];
