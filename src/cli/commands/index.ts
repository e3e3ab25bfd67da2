/** Every CLI command, in the order `--help` lists them. Each command is one file in this folder. */
import type { Command } from '../command.js';

export const commands: Command[] = [];
