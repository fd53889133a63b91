import { spawnSync } from 'node:child_process';
import { createSign, randomUUID, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';

/**
 * A Docker token issuer (the "Bearer realm" of the distribution token spec) for tests: checks Basic
 * credentials against one user and signs an RS256 JWT granting the requested scopes, with its certificate in
 * `x5c` so Distribution verifies it against `rootcertbundle`. Anonymous callers get a token with no access.
 * `requests` records what was asked (never the password), so tests can see the flow happened.
 */
export interface TokenIssuer {
  realm: string;
  service: string;
  issuer: string;
  certPath: string;
  requests: Array<{ user: string | undefined; scopes: string[] }>;
  stop(): Promise<void>;
}

function b64url(data: string | Buffer): string {
  return Buffer.from(data).toString('base64url');
}

export async function startTokenIssuer(dir: string, opts: { service: string; user: { username: string; password: string } }): Promise<TokenIssuer> {
  const keyPath = join(dir, 'token-key.pem');
  const certPath = join(dir, 'token-cert.pem');
  const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyPath, '-out', certPath, '-days', '2', '-subj', '/CN=berth-cli-test-token'], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`openssl could not make the token certificate: ${made.stderr}`);
  const key = await readFile(keyPath, 'utf8');
  const certDer = new X509Certificate(await readFile(certPath)).raw;
  const issuerName = 'berth-cli-test-issuer';
  const requests: TokenIssuer['requests'] = [];

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const header = req.headers.authorization ?? '';
    let user: string | undefined;
    if (header.startsWith('Basic ')) {
      const [name, ...rest] = Buffer.from(header.slice(6), 'base64').toString('utf8').split(':');
      if (name !== opts.user.username || rest.join(':') !== opts.user.password) {
        res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'invalid username or password' }] }));
        return;
      }
      user = name;
    }
    const scopes = url.searchParams.getAll('scope');
    requests.push({ user, scopes });
    const access = user
      ? scopes.map((scope) => {
          const [type, ...middle] = scope.split(':');
          const actions = middle.pop()!;
          return { type, name: middle.join(':'), actions: actions.split(',').filter((a) => a !== '') };
        })
      : [];
    const now = Math.floor(Date.now() / 1000);
    const claims = { iss: issuerName, sub: user ?? '', aud: url.searchParams.get('service') ?? '', exp: now + 600, nbf: now - 10, iat: now, jti: randomUUID(), access };
    const signingInput = `${b64url(JSON.stringify({ typ: 'JWT', alg: 'RS256', x5c: [certDer.toString('base64')] }))}.${b64url(JSON.stringify(claims))}`;
    const signature = createSign('RSA-SHA256').update(signingInput).sign(key);
    const token = `${signingInput}.${b64url(signature)}`;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token, expires_in: 600 }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    service: opts.service,
    issuer: issuerName,
    certPath,
    requests,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
