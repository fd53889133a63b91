import { CliError } from './cli-error.ts';
import { EXIT, type ExitCode } from './exit-codes.ts';

/** The most of an error body read to describe it; registries answer errors with small JSON. */
const MAX_ERROR_BODY_BYTES = 64 * 1024;

function exitCodeForStatus(status: number): ExitCode {
  if (status === 401 || status === 403) return EXIT.DENIED;
  if (status === 404) return EXIT.NOT_FOUND;
  if (status === 502 || status === 503 || status === 504) return EXIT.UNAVAILABLE;
  return EXIT.FAILURE;
}

/** `CODE: message` from an OCI error envelope `{"errors":[{code,message,detail}]}`, or undefined. */
function envelopeMessage(text: string): string | undefined {
  try {
    const body = JSON.parse(text) as { errors?: Array<{ code?: unknown; message?: unknown }> };
    if (!Array.isArray(body.errors) || body.errors.length === 0) return undefined;
    return body.errors
      .map((e) => [typeof e.code === 'string' ? e.code : undefined, typeof e.message === 'string' && e.message ? e.message : undefined].filter(Boolean).join(': '))
      .filter(Boolean)
      .join('; ');
  } catch {
    return undefined;
  }
}

/**
 * Turns a failed registry response into a CliError: `<what>: <OCI code>: <message> (HTTP <status>)`, exit code
 * by status (401/403 denied, 404 not found, 502/503/504 unavailable, else failure). Consumes the body.
 */
export async function responseError(res: Response, what: string, hint?: string): Promise<CliError> {
  let text = '';
  try {
    text = (await res.text()).slice(0, MAX_ERROR_BODY_BYTES);
  } catch {
    // The status alone still says what happened.
  }
  const fromEnvelope = envelopeMessage(text);
  const plain = text.trim().split('\n')[0]!.slice(0, 200);
  const reason = fromEnvelope ?? (plain && !plain.startsWith('<') ? plain : res.statusText || 'request failed');
  const status = res.status;
  const suffix = status === 401 && hint ? ` (${hint})` : '';
  return new CliError(`${what}: ${reason} (HTTP ${status})${suffix}`, exitCodeForStatus(status));
}

/** A fetch that failed before any response: connection refused, DNS, TLS. Exit UNAVAILABLE. */
export function networkError(err: unknown, host: string): CliError {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  const reason = cause?.code ?? cause?.message ?? (err as Error).message;
  return new CliError(`cannot reach ${host}: ${reason}`, EXIT.UNAVAILABLE, { cause: err });
}
