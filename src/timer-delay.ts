/**
 * The longest delay a Node timer takes is 2^31-1 ms (about 24.8 days); a longer one fires after 1 ms. Every deadline
 * is set through {@link timerDelay}, so that one beyond that (or Infinity) waits as good as forever instead.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** `ms` capped at what a timer can hold. */
export function timerDelay(ms: number): number {
  return Math.min(ms, MAX_TIMER_MS);
}
