import { describe, expect, it } from 'vitest';
import { inspect } from 'node:util';
import * as errors from '../../src/errors.js';

describe('error classes', () => {
  it("recognise another copy's errors with instanceof, by class, and nothing else", async () => {
    // A second instance of the module, as a process gets when some code imports the package and other code requires it.
    const other = (await import('../../src/errors.js?second-copy')) as typeof errors;
    expect(other.LockedException).not.toBe(errors.LockedException);

    const locked = new other.LockedException('locked');
    expect(locked).toBeInstanceOf(errors.LockedException);
    expect(locked).toBeInstanceOf(errors.SecretStorageError);
    expect(locked).not.toBeInstanceOf(errors.ItemNotFoundException);
    expect(locked).not.toBeInstanceOf(errors.NoBackendError);
    expect(locked).toBeInstanceOf(Error);

    const closed = new errors.ConnectionClosedError('closed');
    expect(closed).toBeInstanceOf(other.ConnectionClosedError);
    expect(closed).toBeInstanceOf(other.NoBackendError);
    expect(closed).toBeInstanceOf(other.SecretServiceNotAvailableException);
    expect(closed).toBeInstanceOf(other.SecretStorageError);
    expect(closed).not.toBeInstanceOf(other.TimeoutException);

    const invalid = new other.InvalidArgumentError('attributes', 'must be strings.');
    expect(invalid).toBeInstanceOf(errors.InvalidArgumentError);
    expect(invalid.argument).toBe('attributes');

    for (const value of [new Error('x'), { name: 'LockedException' }, null, undefined, 'LockedException', 42]) {
      expect(value instanceof errors.LockedException).toBe(false);
      expect(value instanceof errors.SecretStorageError).toBe(false);
    }
  });

  it('match by a stable name that a minifier renaming the classes cannot make collide', async () => {
    const other = (await import('../../src/errors.js?minified-copy')) as typeof errors;
    // What terser or esbuild without keepNames does to a bundle that includes this library: short, reused names.
    for (const Class of [other.LockedException, other.ItemNotFoundException, other.SecretStorageError])
      Object.defineProperty(Class, 'name', { value: 'a' });
    const locked = new other.LockedException('locked');
    expect(locked).toBeInstanceOf(errors.LockedException);
    expect(locked).not.toBeInstanceOf(errors.ItemNotFoundException);
    expect(new other.ItemNotFoundException('gone')).not.toBeInstanceOf(other.LockedException);
    // A class of the caller's own is matched by prototype only, whatever it is called.
    class TimeoutException extends errors.SecretStorageError {}
    expect(new errors.TimeoutException('late')).not.toBeInstanceOf(TimeoutException);
    expect(new TimeoutException('late')).toBeInstanceOf(errors.SecretStorageError);
  });

  it('keep the class list out of what is printed or serialised', () => {
    const error = new errors.LockedException('The collection is locked.', {
      dbusName: 'org.freedesktop.Secret.Error.IsLocked',
    });
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      name: 'LockedException',
      dbusName: 'org.freedesktop.Secret.Error.IsLocked',
    });
    expect(inspect(error)).not.toContain('errorClasses');
    expect(error.name).toBe('LockedException');
  });

  it("let a user's subclass work with instanceof as usual", () => {
    class AppLockedError extends errors.LockedException {}
    const error = new AppLockedError('locked');
    expect(error).toBeInstanceOf(AppLockedError);
    expect(error).toBeInstanceOf(errors.LockedException);
    expect(new errors.LockedException('locked')).not.toBeInstanceOf(AppLockedError);
    expect(error.name).toBe('AppLockedError');
  });
});
