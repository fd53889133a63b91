import { fail, ok, type ParseResult } from '../versions/version-scheme.ts';

/**
 * Splits `CVSS:x.y/K:V/K:V...` into its metrics, checking every key and value against `allowed` and that each
 * of `required` is present; duplicates and unknown metrics are refused, as the CVSS specifications require.
 */
export function parseCvssMetrics(vector: string, prefix: string, allowed: Readonly<Record<string, readonly string[]>>, required: readonly string[]): ParseResult<Record<string, string>> {
  const parts = vector.trim().split('/');
  if (parts[0] !== prefix) return fail(`not a ${prefix} vector: ${JSON.stringify(vector.slice(0, 120))}`);
  const metrics: Record<string, string> = {};
  for (const part of parts.slice(1)) {
    const colon = part.indexOf(':');
    const key = colon === -1 ? part : part.slice(0, colon);
    const value = colon === -1 ? '' : part.slice(colon + 1);
    const values = Object.hasOwn(allowed, key) ? allowed[key] : undefined;
    if (!values) return fail(`unknown metric ${JSON.stringify(key)} in ${prefix} vector`);
    if (!values.includes(value)) return fail(`invalid value ${JSON.stringify(value)} for ${key}`);
    if (Object.hasOwn(metrics, key)) return fail(`metric ${key} appears twice`);
    metrics[key] = value;
  }
  const missing = required.filter((k) => !Object.hasOwn(metrics, k));
  if (missing.length > 0) return fail(`missing base metrics ${missing.join(', ')}`);
  return ok(metrics);
}
