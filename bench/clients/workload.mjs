// @ts-check
/**
 * The data every client works on, so that all of them do the same thing: the attributes and secrets of the
 * sequential workload, and of the items in the generated keyring used for growth and bulk reads.
 */

/** Attributes of the i-th item a client stores in the sequential workload. @param {string} client @param {number} i */
export const sequentialAttributes = (client, i) => ({ service: `bench-${client}`, username: `user${i}` });

/** @param {number} i */
export const sequentialSecret = (i) => `secret-${i}`;

/**
 * The phases of the sequential workload's first pass: each client's process starts fresh, sets, gets and deletes its
 * `n` items once (these phases), then does the same again (`set`, `get`, `delete`: the warmed-up figures). The first
 * pass is what a short-lived program or a CLI meets: lazily loaded code, the JIT still compiling, the session opened
 * by the first call; the second, a long-running program. (The first get follows the first sets, which share the
 * codec and the session with it, as they would in a program that does both.)
 */
export const FIRST_PASS = { set: 'set_first', get: 'get_first', delete: 'delete_first' };

/** The service attribute of every item in the generated keyring. */
export const GROWTH_SERVICE = 'bench-growth';

/** The libsecret schema name the generated items carry, so that libsecret's schema lookups find them. */
export const GROWTH_SCHEMA = 'org.bench.Password';

/** @param {number} i */
export const growthAttributes = (i) => ({ service: GROWTH_SERVICE, username: `user${i}`, 'xdg:schema': GROWTH_SCHEMA });

/** @param {number} i */
export const growthSecret = (i) => `secret-${i}`;

/**
 * The one item each client sets over and over in the generated keyring (the first set creates it, the rest replace
 * it), so that the collection keeps its size; removed after timing.
 * @param {string} client
 */
export const growthSetAttributes = (client) => ({ service: 'bench-growth-set', username: client });

/**
 * Which items a growth stage reads: `gets` timed reads spread over the collection, after untimed warm-up reads from
 * its other end (a fresh process's first calls pay for JIT compilation and lazy loading, whatever the client).
 * @param {number} size @param {number} gets
 */
export const growthReads = (size, gets) => ({
  warmUp: (/** @type {number} */ k) => size - 1 - k,
  timed: (/** @type {number} */ k) => Math.floor((k * size) / gets),
});

/**
 * The item the cold-start processes read. cold-start.mjs, cold-start.cjs and cold-start-napi.mjs write these values
 * out instead of importing them (a module load of the benchmark's own would count as the client's); a mismatch makes
 * them fail, not mismeasure.
 */
export const COLD_ATTRIBUTES = { service: 'bench-cold', username: 'user' };
export const COLD_SECRET = 'cold-secret';
