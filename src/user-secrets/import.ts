/**
 * Importing secrets from elsewhere (python-env-secrets files, `.env` files, dotnet JSON) into a project: planned
 * first (which keys are new, changed, unchanged, in conflict), then written one by one, then read back and compared.
 * A failure part of the way says exactly which keys were stored and which were not.
 */
import { InvalidArgumentError } from '../errors.js';
import { ImportConflictError, ImportIncompleteError, SecretsFormatError } from './errors.js';
import { assertStorableValue, invalidKeys } from './keys.js';
import type { UserSecretsManager } from './manager.js';

/** What to do with a key that already holds a different value. */
export type ConflictPolicy = 'fail' | 'overwrite' | 'skip';

export interface ImportPlan {
  /** The keys and values that will be written. */
  toWrite: Map<string, string>;
  /** Keys that do not exist yet. */
  added: string[];
  /** Keys whose different value will be replaced (policy `overwrite`). */
  changed: string[];
  /** Keys that already hold the same value (not written again). */
  unchanged: string[];
  /** Keys that hold a different value and are kept (policy `skip`). */
  skipped: string[];
}

/**
 * Works out what importing `entries` would do. Reads the current secrets (unlocking if needed); writes nothing.
 * @throws SecretsFormatError naming keys that are invalid or values an environment variable cannot carry,
 *   ImportConflictError under policy `fail` when keys hold different values, LockedException.
 */
export async function planImport(
  manager: UserSecretsManager,
  entries: ReadonlyMap<string, string>,
  policy: ConflictPolicy = 'fail',
): Promise<ImportPlan> {
  const badKeys = invalidKeys(entries.keys());
  if (badKeys.length) {
    throw new SecretsFormatError(
      `${badKeys.length} key(s) cannot be environment variable names: ${badKeys.map((key) => JSON.stringify(key)).join(', ')}. ` +
        'Keys start with a letter or "_" and continue with letters, digits, "_", "." or "-" (":" separates dotnet ' +
        'sections). Nothing was imported; rename them in the source and try again.',
    );
  }
  const badValues = [...entries].filter(([key, value]) => {
    try {
      assertStorableValue(key, value);
      return false;
    } catch (error) {
      if (error instanceof InvalidArgumentError) return true;
      throw error;
    }
  });
  if (badValues.length) {
    throw new SecretsFormatError(
      `The values of ${badValues.map(([key]) => key).join(', ')} contain a NUL character or invalid text, which an ` +
        'environment variable cannot carry. Nothing was imported.',
    );
  }
  const current = new Map(Object.entries(await manager.getAll()));
  const plan: ImportPlan = { toWrite: new Map(), added: [], changed: [], unchanged: [], skipped: [] };
  const conflicts: string[] = [];
  for (const [key, value] of entries) {
    const existing = current.get(key);
    if (existing === undefined) {
      plan.added.push(key);
      plan.toWrite.set(key, value);
    } else if (existing === value) {
      plan.unchanged.push(key);
    } else if (policy === 'overwrite') {
      plan.changed.push(key);
      plan.toWrite.set(key, value);
    } else if (policy === 'skip') {
      plan.skipped.push(key);
    } else {
      conflicts.push(key);
    }
  }
  if (conflicts.length) throw new ImportConflictError(conflicts);
  return plan;
}

export interface ImportResult {
  /** Keys written. */
  written: string[];
  /** True once every imported key was read back from the keyring with the expected value. */
  verified: true;
}

/**
 * Writes a plan's keys, then reads everything back and compares.
 * @throws ImportIncompleteError (with the stored and the missing keys) when a write fails or the read-back differs.
 */
export async function applyImport(manager: UserSecretsManager, plan: ImportPlan): Promise<ImportResult> {
  const written: string[] = [];
  const pending = [...plan.toWrite.keys()];
  for (const [key, value] of plan.toWrite) {
    try {
      await manager.set(key, value);
    } catch (error) {
      throw new ImportIncompleteError(written, pending.slice(written.length), error);
    }
    written.push(key);
  }
  let stored: Record<string, string>;
  try {
    stored = await manager.getAll();
  } catch (error) {
    throw new ImportIncompleteError(
      written,
      [],
      new Error(`every key was written, but reading them back to verify failed (${(error as Error).message}).`),
    );
  }
  const expected = new Map([...plan.toWrite, ...plan.unchanged.map((key): [string, string] => [key, stored[key]])]);
  const wrong = [...expected].filter(([key, value]) => stored[key] !== value).map(([key]) => key);
  if (wrong.length) {
    throw new ImportIncompleteError(
      written.filter((key) => !wrong.includes(key)),
      wrong,
      new Error('the keyring returned different values for some keys when read back.'),
    );
  }
  return { written, verified: true };
}
