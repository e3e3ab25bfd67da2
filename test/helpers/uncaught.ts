import { expect } from 'vitest';

/**
 * Runs `body`, then fails unless no exception reached the process meanwhile: an error thrown out of a socket's event
 * handler (a hostile peer's bytes in the reader) is uncaught, not a rejection any test would see.
 */
export async function withoutUncaught(body: () => Promise<void>): Promise<void> {
  const uncaught: unknown[] = [];
  const onUncaught = (error: unknown) => uncaught.push(error);
  process.on('uncaughtException', onUncaught);
  try {
    await body();
  } finally {
    process.off('uncaughtException', onUncaught);
  }
  expect(uncaught).toEqual([]);
}
