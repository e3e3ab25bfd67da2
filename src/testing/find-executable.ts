/** Finding a command on PATH the way execvp does, to report a missing command before anything is started. */
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

const DEFAULT_PATH = '/usr/local/bin:/usr/bin:/bin';

async function check(file: string): Promise<'ok' | 'ENOENT' | 'EACCES'> {
  try {
    if (!(await stat(file)).isFile()) return 'EACCES';
    await access(file, constants.X_OK);
    return 'ok';
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EACCES' ? 'EACCES' : 'ENOENT';
  }
}

/**
 * Whether `command` can be executed: as a path when it contains a slash, else from the first PATH directory that has
 * it executable. 'EACCES' when it exists somewhere but cannot be executed, 'ENOENT' when it is nowhere.
 */
export async function findExecutable(command: string, path: string | undefined): Promise<'ok' | 'ENOENT' | 'EACCES'> {
  if (command.includes('/')) return check(command);
  let result: 'ENOENT' | 'EACCES' = 'ENOENT';
  for (const directory of (path ?? DEFAULT_PATH).split(delimiter)) {
    const outcome = await check(join(directory || '.', command));
    if (outcome === 'ok') return 'ok';
    if (outcome === 'EACCES') result = 'EACCES';
  }
  return result;
}
