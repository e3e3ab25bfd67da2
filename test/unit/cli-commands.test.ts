// The CLI's command list (src/cli/commands/index.ts) names each command to find it without loading its file: those
// names must be the ones each file declares, and finding one must not load the others.
import { describe, expect, it } from 'vitest';
import { commands, findCommand, loadCommands } from '../../src/cli/commands/index.js';

describe('the CLI command list', () => {
  it("names every command and alias as the command's own file does", async () => {
    const loaded = await loadCommands();
    expect(loaded.map((command) => command.name)).toEqual(commands.map((entry) => entry.name));
    for (const [index, command] of loaded.entries()) {
      expect(command.aliases ?? [], command.name).toEqual(commands[index].aliases ?? []);
    }
  });

  it('finds a command by name or alias', async () => {
    expect((await findCommand('rm')?.load())?.name).toBe('delete');
    expect((await findCommand('doctor')?.load())?.name).toBe('diagnose');
    expect((await findCommand('us')?.load())?.name).toBe('user-secrets');
    expect(findCommand('nope')).toBeUndefined();
  });
});
