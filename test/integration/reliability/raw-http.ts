import { request, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';

/** What came back for a request: a response, or the error that ended it before one arrived. */
export type Outcome = { kind: 'response'; status: number; headers: IncomingHttpHeaders; body: string } | { kind: 'error'; error: Error };

/**
 * A request whose body the test writes piece by piece (to keep it in flight while the server is killed, or
 * to stop half-way). Uses node:http, not fetch, so an early response to an unfinished body is still seen.
 */
export interface StreamedRequest {
  /** Writes `bytes`; resolves when the socket took them. Never rejects (a dead connection just drops them). */
  write(bytes: Uint8Array): Promise<void>;
  /** Ends the body normally. */
  end(): void;
  /** Tears the connection down mid-body, like a client that crashed. */
  destroy(): void;
  /** Settles once: the response (body read whole) or the connection error. Never rejects. */
  outcome: Promise<Outcome>;
}

export function streamedRequest(base: string, method: string, path: string, headers: Record<string, string | number> = {}): StreamedRequest {
  const url = new URL(path, base);
  const req = request(url, { method, headers: { 'content-type': 'application/octet-stream', ...headers }, agent: false });
  let settle!: (o: Outcome) => void;
  const outcome = new Promise<Outcome>((done) => (settle = done));
  req.on('response', (res) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => settle({ kind: 'response', status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    res.on('error', (error) => settle({ kind: 'error', error }));
  });
  req.on('error', (error) => settle({ kind: 'error', error }));
  req.flushHeaders();
  return {
    write: (bytes) =>
      new Promise((done) => {
        if (req.destroyed || req.writableEnded) return done();
        req.write(bytes, () => done());
      }),
    end: () => req.end(),
    destroy: () => req.destroy(),
    outcome,
  };
}

/** Sends `payload` (all at once) and resolves with what the server answered. Never rejects. */
export async function send(base: string, method: string, path: string, payload: Uint8Array | string = '', headers: Record<string, string | number> = {}): Promise<Outcome> {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const req = streamedRequest(base, method, path, { 'content-length': body.length, ...headers });
  // Not awaited: a server that answers early and stops reading would never call back.
  void req.write(body);
  req.end();
  return req.outcome;
}

/** The response of an outcome, or an assertion-friendly error with what happened instead. */
export function responseOf(outcome: Outcome): Extract<Outcome, { kind: 'response' }> {
  if (outcome.kind !== 'response') throw new Error(`expected an HTTP response, got ${outcome.error.message}`);
  return outcome;
}

/** The OCI error codes of a /v2 error body. */
export function ociCodes(body: string): string[] {
  const parsed = JSON.parse(body) as { errors?: { code: string }[] };
  return (parsed.errors ?? []).map((e) => e.code);
}

/**
 * Writes raw `bytes` to a TCP connection and collects whatever the server sends until it closes the connection
 * (or `timeoutMs` passes, which is reported, not thrown). `halfClose` ends our side after writing.
 */
export function rawExchange(port: number, bytes: Uint8Array | string, opts: { halfClose?: boolean; timeoutMs?: number } = {}): Promise<{ text: string; isClosedByServer: boolean }> {
  return new Promise((done) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let isClosedByServer = false;
    const timer = setTimeout(() => socket.destroy(), opts.timeoutMs ?? 30_000);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', () => (isClosedByServer = true));
    socket.on('error', () => (isClosedByServer = true));
    socket.on('close', () => {
      clearTimeout(timer);
      done({ text: Buffer.concat(chunks).toString('latin1'), isClosedByServer });
    });
    socket.write(bytes, () => {
      if (opts.halfClose) socket.end();
    });
  });
}
