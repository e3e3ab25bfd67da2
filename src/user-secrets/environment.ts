/**
 * Putting secrets into an environment with the precedence this feature documents: a variable that already exists
 * wins (as with dotenv, dotenvx, `node --env-file` and ASP.NET) unless `override` is set (python-env-secrets'
 * behaviour). Keys with dotnet's `:` are set as `__`.
 */
import { environmentName } from './keys.js';

export type Environment = Record<string, string | undefined>;

export interface ApplySecretsOptions {
  /** Let secrets replace variables that already exist. */
  override?: boolean;
  /** Names that count as "already set" (default: every name set in `env`). */
  existing?: ReadonlySet<string>;
}

export interface ApplySecretsResult {
  /** Variable names set from secrets. */
  applied: string[];
  /** Variable names left alone because they already existed. */
  kept: string[];
  /** Keys not set because their `__` name clashes with another key of that exact name. */
  clashing: string[];
}

/** Sets `secrets` in `env` (mutating it) following the precedence rules above. */
export function applySecrets(
  env: Environment,
  secrets: ReadonlyMap<string, string>,
  options: ApplySecretsOptions = {},
): ApplySecretsResult {
  const existing = options.existing ?? new Set(Object.keys(env).filter((name) => env[name] !== undefined));
  const result: ApplySecretsResult = { applied: [], kept: [], clashing: [] };
  for (const [key, value] of secrets) {
    const name = environmentName(key);
    if (name !== key && secrets.has(name)) {
      result.clashing.push(key);
      continue;
    }
    if (existing.has(name) && !options.override) {
      result.kept.push(name);
      continue;
    }
    env[name] = value;
    result.applied.push(name);
  }
  return result;
}
