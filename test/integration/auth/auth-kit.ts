import { hashPassword, generateSecret } from '../../../src/auth/password.ts';
import type { RobotPermission } from '../../../src/auth/authorizer.ts';
import type { Role } from '../../../src/auth/policy.ts';
import { formatBasicAuthorization } from '../../../src/auth/credentials.ts';
import type { UserRecord } from '../../../src/meta/identity-store.ts';
import { sha256 } from '../../helpers/oci-client.ts';
import type { TestBerth } from '../../helpers/berth-server.ts';

/** Identity fixtures written straight into the test Berth's metadata store, then its caches dropped. */

export const basic = formatBasicAuthorization;

export async function createUser(berth: TestBerth, username: string, password: string, opts: { isAdmin?: boolean } = {}): Promise<UserRecord> {
  const user = await berth.meta.users.create({ username, passwordHash: await hashPassword(password), isAdmin: opts.isAdmin ?? false });
  berth.auth.access.invalidate();
  return user;
}

export async function createProject(berth: TestBerth, name: string, isPublic: boolean): Promise<void> {
  await berth.meta.projects.create({ name, isPublic, createdBy: null });
  berth.auth.access.invalidate();
}

export async function grant(berth: TestBerth, project: string, user: UserRecord, role: Role, pattern = '**'): Promise<void> {
  await berth.meta.members.grant({ project, subjectKind: 'user', subjectId: user.id, role, pattern });
  berth.auth.access.invalidate();
}

/** Creates a robot; returns its full name and secret. */
export async function createRobot(berth: TestBerth, opts: { name: string; project: string | null; permissions: RobotPermission[]; expiresAt?: number | null }): Promise<{ name: string; secret: string; id: string }> {
  const name = opts.project === null ? `robot$${opts.name}` : `robot$${opts.project}+${opts.name}`;
  const secret = generateSecret();
  const robot = await berth.meta.robots.create({
    name, project: opts.project, description: '', secretHash: await hashPassword(secret), permissions: opts.permissions, expiresAt: opts.expiresAt ?? null, createdBy: null,
  });
  berth.auth.access.invalidate();
  return { name, secret, id: robot.id };
}

export interface TokenBody {
  token: string;
  access_token: string;
  expires_in: number;
  issued_at: string;
  refresh_token?: string;
}

/** GET /auth/token with optional Basic credentials; throws unless 200. */
export async function getToken(berth: TestBerth, scopes: string[], authorization?: string, extra: Record<string, string> = {}): Promise<TokenBody> {
  const url = new URL('/auth/token', berth.url);
  url.searchParams.set('service', 'berth');
  for (const s of scopes) url.searchParams.append('scope', s);
  for (const [k, v] of Object.entries(extra)) url.searchParams.set(k, v);
  const res = await fetch(url, { headers: authorization ? { authorization } : {} });
  if (res.status !== 200) throw new Error(`token: ${res.status} ${await res.text()}`);
  return (await res.json()) as TokenBody;
}

/** The `access` claim of a token (decoded, not verified: the server's answers are what the tests check). */
export function accessOf(token: string): unknown {
  return (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as { access: unknown }).access;
}

async function pushBlobAs(base: string, repo: string, bytes: string, authorization: string): Promise<string> {
  const digest = sha256(bytes);
  const res = await fetch(`${base}/v2/${repo}/blobs/uploads/?digest=${digest}`, {
    method: 'POST', body: bytes, headers: { authorization, 'content-type': 'application/octet-stream' },
  });
  if (res.status !== 201) throw new Error(`POST blob ${repo}: ${res.status} ${await res.text()}`);
  return digest;
}

/** Pushes a one-layer OCI image with the given Authorization; returns the manifest digest. Throws unless 201s. */
export async function pushImageAs(base: string, repo: string, tag: string, authorization: string, layer = `layer of ${repo}:${tag}`): Promise<string> {
  const configBytes = JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, tag });
  const config = await pushBlobAs(base, repo, configBytes, authorization);
  const layerDigest = await pushBlobAs(base, repo, layer, authorization);
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config, size: Buffer.byteLength(configBytes) },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: layerDigest, size: Buffer.byteLength(layer) }],
  });
  const res = await fetch(`${base}/v2/${repo}/manifests/${tag}`, {
    method: 'PUT', body: manifest, headers: { authorization, 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
  });
  if (res.status !== 201) throw new Error(`PUT manifest ${repo}:${tag}: ${res.status} ${await res.text()}`);
  return sha256(manifest);
}
