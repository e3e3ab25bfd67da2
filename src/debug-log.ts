/**
 * The opt-in debug log: `dbusInit({ debug: true })`, `debug: (line) => …`, or `DEBUG=secretstorage` in the
 * environment (as the `debug` package spells it). Lines name calls, paths, signatures, timings and errors; they never
 * contain message bodies, so no secret, key or attribute value can reach them.
 */

export type DebugLog = (line: string) => void;

/** The logger for `option`, or undefined when logging is off. */
export function resolveDebugLog(
  option: boolean | DebugLog | undefined,
  env: NodeJS.ProcessEnv = process.env,
): DebugLog | undefined {
  if (typeof option === 'function') return option;
  if (option === false) return undefined;
  const fromEnv =
    env.DEBUG !== undefined &&
    env.DEBUG.split(/[\s,]+/).some((name) => name === 'secretstorage' || name === 'secretstorage:*' || name === '*');
  if (option !== true && !fromEnv) return undefined;
  return (line) => process.stderr.write(`secretstorage ${line}\n`);
}
