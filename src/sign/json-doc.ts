/** A JSON object (not null, not an array). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses `bytes` as JSON; returns `<what> is not JSON` instead of throwing. */
export function parseJson(bytes: Uint8Array, what: string): { doc: unknown } | string {
  try {
    return { doc: JSON.parse(Buffer.from(bytes).toString('utf8')) as unknown };
  } catch {
    return `${what} is not JSON`;
  }
}
