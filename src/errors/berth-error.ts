import { ERROR_CATALOGUE, type ErrorCode } from './catalogue.ts';

export type ErrorDetail = Record<string, unknown>;

/** The one error type every layer throws; `http/` serializes it once per API flavour. */
export class BerthError extends Error {
  readonly code: ErrorCode;
  readonly detail: ErrorDetail | undefined;
  /** Headers the response must carry (e.g. `Range` on a 416 so a client can resume). */
  readonly headers: Record<string, string> | undefined;

  constructor(code: ErrorCode, opts: { message?: string; detail?: ErrorDetail; cause?: unknown; headers?: Record<string, string> } = {}) {
    super(opts.message ?? ERROR_CATALOGUE[code].message, { cause: opts.cause });
    this.name = 'BerthError';
    this.code = code;
    this.detail = opts.detail;
    this.headers = opts.headers;
  }

  get status(): number {
    return ERROR_CATALOGUE[this.code].status;
  }

  get ociCode(): string {
    return ERROR_CATALOGUE[this.code].oci;
  }
}

export function isBerthError(err: unknown, code?: ErrorCode): err is BerthError {
  return err instanceof BerthError && (code === undefined || err.code === code);
}

const STORAGE_FULL_CODES = new Set(['ENOSPC', 'EDQUOT', 'SQLITE_FULL', '53100' /* PostgreSQL disk_full */]);

/** A full disk, from the filesystem or a database, anywhere in the cause chain, is one user-facing condition. */
export function isStorageFull(err: unknown): boolean {
  for (let e = err, depth = 0; e && depth < 5; e = (e as Error).cause, depth++) {
    if (STORAGE_FULL_CODES.has(String((e as NodeJS.ErrnoException).code))) return true;
  }
  return false;
}
