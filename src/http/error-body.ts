import { BerthError, isStorageFull } from '../errors/berth-error.ts';
import { ERROR_CATALOGUE } from '../errors/catalogue.ts';

export interface ErrorResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
  contentType: string;
  /** Unexpected errors are logged in full; expected ones are the client's business. */
  isUnexpected: boolean;
}

/** Turns anything thrown into a BerthError: known conditions keep their code, the rest become INTERNAL. */
export function toBerthError(err: unknown): BerthError {
  if (err instanceof BerthError) return err;
  if (isStorageFull(err)) return new BerthError('STORAGE_FULL', { cause: err });
  const fastifyCode = (err as { code?: string } | undefined)?.code;
  if (fastifyCode === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || fastifyCode === 'FST_ERR_BAD_URL' || fastifyCode === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
    return new BerthError('BAD_REQUEST', { message: (err as Error).message, cause: err });
  }
  return new BerthError('INTERNAL', { cause: err });
}

/**
 * One serializer for every error. Under /v2 the OCI envelope `{"errors":[{code,message,detail}]}`; elsewhere
 * an RFC 9457 problem body. An INTERNAL error never shows its cause to the client.
 */
export function errorResponse(err: unknown, isRegistryApi: boolean): ErrorResponse {
  const berth = toBerthError(err);
  const isUnexpected = berth.code === 'INTERNAL';
  const message = isUnexpected ? ERROR_CATALOGUE.INTERNAL.message : berth.message;
  const headers = { ...(berth.headers ?? {}) };
  if (isRegistryApi) {
    return {
      status: berth.status,
      headers,
      contentType: 'application/json; charset=utf-8',
      body: { errors: [{ code: berth.ociCode, message, ...(berth.detail && !isUnexpected ? { detail: berth.detail } : {}) }] },
      isUnexpected,
    };
  }
  return {
    status: berth.status,
    headers,
    contentType: 'application/problem+json; charset=utf-8',
    body: { type: 'about:blank', title: ERROR_CATALOGUE[berth.code].message, status: berth.status, detail: message, code: berth.code, ...(berth.detail && !isUnexpected ? { context: berth.detail } : {}) },
    isUnexpected,
  };
}

/** A raw HTTP response for errors raised before Fastify has a request (oversized headers, broken framing). */
export function rawErrorResponse(code: 'HEADERS_TOO_LARGE' | 'BAD_REQUEST'): string {
  const { status, message, oci } = ERROR_CATALOGUE[code];
  const body = JSON.stringify({ errors: [{ code: oci, message }] });
  const reason = code === 'HEADERS_TOO_LARGE' ? 'Request Header Fields Too Large' : 'Bad Request';
  return `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
}
