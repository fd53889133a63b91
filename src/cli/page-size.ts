import { CliError } from './cli-error.ts';
import { EXIT } from './exit-codes.ts';

/** `--page-size`: a positive integer, or undefined to let the registry choose. */
export function parsePageSize(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^[1-9]\d{0,5}$/.test(raw)) throw new CliError(`--page-size must be a positive integer, got ${raw.slice(0, 20)}`, EXIT.CONFIG);
  return Number(raw);
}
