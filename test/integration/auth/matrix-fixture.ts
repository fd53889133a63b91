import { createHash } from 'node:crypto';
import { formatBasicAuthorization } from '../../../src/auth/credentials.ts';
import { hashPassword } from '../../../src/auth/password.ts';
import type { TestBerth } from '../../helpers/berth-server.ts';
import { TEST_ADMIN_PASSWORD } from '../../helpers/berth-server.ts';
import { MATRIX_PROJECTS, PRINCIPALS, REPO_PATHS, type PrincipalSpec, type ProjectKey, type RepoPath } from './matrix-model.ts';

/**
 * The matrix's world, created once through the metadata store (identities) and the registry itself (content):
 * projects pubp (public), privp (private) and other (private, the foreign robot's), the principals of
 * matrix-model.ts, an image with a referrer in every repository, and per principal the sacrificial things a
 * destructive cell consumes (a tag, a manifest, a blob, upload sessions, a mount source, robots, IP rules), so
 * that no cell depends on another having run or not.
 */

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const EMPTY_JSON = '{}';
const PASSWORD = 'matrix-password-1';

export const sha256 = (bytes: string | Buffer): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

export interface RepoFixture {
  name: string;
  manifest: string;
  digest: string;
  layer: string;
  /** Per principal index. */
  deleteTag: string[];
  deleteDigest: string[];
  deleteBlob: string[];
  sessions: { patch: string; put: string; get: string; cancel: string }[];
  /** A blob only in the same path of the other matrix project, to mount from there. */
  mountBlob: string[];
}

export interface MatrixWorld {
  berth: TestBerth;
  adminAuth: string;
  /** The Authorization a principal sends for a cell about `project` (robots are per project); undefined: anonymous. */
  auth(p: PrincipalSpec, project?: ProjectKey): string | undefined;
  repo(project: ProjectKey, path: RepoPath): RepoFixture;
  /** Per project and principal index: a project IP rule to remove. */
  projectRuleIds: Record<ProjectKey, string[]>;
  /** Per principal index: a system IP rule to remove. */
  systemRuleIds: string[];
}

export const userName = (p: PrincipalSpec): string => `m-${p.key}`;
export const robotFullName = (project: string, name: string): string => `robot$${project}+${name}`;

async function ok(res: Response, what: string, status: number): Promise<Response> {
  if (res.status !== status) throw new Error(`fixture ${what}: ${res.status} ${await res.text()}`);
  return res;
}

/** Runs `jobs` at most `width` at a time. */
export async function inBatches<T>(jobs: (() => Promise<T>)[], width = 12): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(width, jobs.length) }, async () => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await jobs[i]!();
    }
  }));
  return results;
}

export async function buildMatrixWorld(berth: TestBerth): Promise<MatrixWorld> {
  const adminAuth = formatBasicAuthorization('admin', TEST_ADMIN_PASSWORD);
  const { meta } = berth;
  const v2 = (path: string, init: RequestInit = {}) => fetch(`${berth.url}/v2/${path}`, { ...init, headers: { authorization: adminAuth, ...(init.headers as Record<string, string>) } });
  const pushBlob = async (repo: string, bytes: string): Promise<string> => {
    const digest = sha256(bytes);
    await ok(await v2(`${repo}/blobs/uploads/?digest=${digest}`, { method: 'POST', body: bytes, headers: { 'content-type': 'application/octet-stream' } }), `blob ${repo}`, 201);
    return digest;
  };
  const putManifest = async (repo: string, ref: string, bytes: string): Promise<void> => {
    await ok(await v2(`${repo}/manifests/${ref}`, { method: 'PUT', body: bytes, headers: { 'content-type': OCI_MANIFEST } }), `manifest ${repo}:${ref}`, 201);
  };
  const startSession = async (repo: string): Promise<string> => {
    const res = await ok(await v2(`${repo}/blobs/uploads/`, { method: 'POST' }), `session ${repo}`, 202);
    return res.headers.get('docker-upload-uuid')!;
  };
  const imageManifest = (config: { digest: string; size: number }, layer: { digest: string; size: number }, extra: Record<string, unknown> = {}) => JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...layer }],
    ...extra,
  });

  // Identities: one argon2 hash shared by every account keeps the set-up quick.
  const hash = await hashPassword(PASSWORD);
  for (const name of ['pubp', 'privp', 'other']) await meta.projects.create({ name, isPublic: name === 'pubp', createdBy: null });
  const secrets = new Map<string, string>();
  const makeRobot = async (project: string, name: string, actions: string[], expiresAt: number | null = null) => {
    const full = robotFullName(project, name);
    await meta.robots.create({ name: full, project, description: '', secretHash: hash, permissions: [{ pattern: `${project}/**`, actions: actions as never }], expiresAt, createdBy: null });
    secrets.set(full, PASSWORD);
  };
  for (const p of PRINCIPALS) {
    if (p.kind === 'user' && !p.isAdmin) {
      const user = await meta.users.create({ username: userName(p), passwordHash: hash, isAdmin: false });
      if (p.key === 'disabled') await meta.users.update(user.id, { isDisabled: true });
      for (const { key } of MATRIX_PROJECTS) if (p.grant) await meta.members.grant({ project: key, subjectKind: 'user', subjectId: user.id, role: p.grant.role, pattern: p.grant.pattern });
    }
    if (p.robot?.ofMatrixProject) {
      for (const { key } of MATRIX_PROJECTS) await makeRobot(key, p.robot.name, [...p.robot.actions], p.isUsable ? null : Date.now() - 60_000);
    }
  }
  await makeRobot('other', 'all', ['pull', 'push', 'delete', 'manage-members', 'manage-settings', 'manage-robots']);
  const spare = await meta.users.create({ username: 'm-spare', passwordHash: hash, isAdmin: false });
  const projectRuleIds = {} as Record<ProjectKey, string[]>;
  for (const { key } of MATRIX_PROJECTS) {
    projectRuleIds[key] = [];
    for (const p of PRINCIPALS) {
      await meta.members.grant({ project: key, subjectKind: 'user', subjectId: spare.id, role: 'guest', pattern: `r${p.index}/**` });
      await makeRobot(key, `s${p.index}`, ['pull']);
      await makeRobot(key, `k${p.index}`, ['pull']);
      projectRuleIds[key].push((await meta.ipRules.add({ scope: 'project', scopeId: key, effect: 'deny', cidr: `192.0.2.${p.index}/32` })).id);
    }
  }
  const systemRuleIds: string[] = [];
  for (const p of PRINCIPALS) systemRuleIds.push((await meta.ipRules.add({ scope: 'system', scopeId: '', effect: 'deny', cidr: `203.0.113.${p.index}/32` })).id);
  berth.auth.access.invalidate();

  // Content: an image and a referrer per repository, then the per-principal sacrificial content.
  const repos = new Map<string, RepoFixture>();
  const emptyDigest = await pushBlob('other/app', EMPTY_JSON);
  for (const project of [...MATRIX_PROJECTS.map((p) => p.key), 'other']) {
    for (const path of project === 'other' ? (['app'] as const) : REPO_PATHS) {
      const name = `${project}/${path}`;
      const configBytes = JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, repo: name });
      const layerBytes = `layer of ${name}`;
      const config = await pushBlob(name, configBytes);
      const layer = await pushBlob(name, layerBytes);
      const manifest = imageManifest({ digest: config, size: configBytes.length }, { digest: layer, size: layerBytes.length });
      await putManifest(name, 'v1', manifest);
      await pushBlob(name, EMPTY_JSON);
      const referrer = JSON.stringify({
        schemaVersion: 2, mediaType: OCI_MANIFEST, artifactType: 'application/vnd.example.signature',
        config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: emptyDigest, size: 2 },
        layers: [{ mediaType: 'application/vnd.oci.empty.v1+json', digest: emptyDigest, size: 2 }],
        subject: { mediaType: OCI_MANIFEST, digest: sha256(manifest), size: manifest.length },
      });
      await putManifest(name, sha256(referrer), referrer);
      repos.set(name, { name, manifest, digest: sha256(manifest), layer, deleteTag: [], deleteDigest: [], deleteBlob: [], sessions: [], mountBlob: [] });
    }
  }
  const other = (project: ProjectKey): ProjectKey => (project === 'pubp' ? 'privp' : 'pubp');
  const jobs: (() => Promise<void>)[] = [];
  for (const { key: project } of MATRIX_PROJECTS) {
    for (const path of REPO_PATHS) {
      const r = repos.get(`${project}/${path}`)!;
      for (const p of PRINCIPALS) {
        const i = p.index;
        r.deleteTag[i] = `d${i}`;
        jobs.push(async () => putManifest(r.name, `d${i}`, r.manifest));
        jobs.push(async () => {
          const configBytes = JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, doomed: `${r.name} ${i}` });
          const config = await pushBlob(r.name, configBytes);
          const manifest = imageManifest({ digest: config, size: configBytes.length }, { digest: r.layer, size: `layer of ${r.name}`.length });
          await putManifest(r.name, sha256(manifest), manifest);
          r.deleteDigest[i] = sha256(manifest);
        });
        jobs.push(async () => {
          r.deleteBlob[i] = await pushBlob(r.name, `doomed blob ${r.name} ${i}`);
        });
        jobs.push(async () => {
          r.mountBlob[i] = await pushBlob(`${other(project)}/${path}`, `mount source for ${r.name} ${i}`);
        });
        jobs.push(async () => {
          r.sessions[i] = { patch: await startSession(r.name), put: await startSession(r.name), get: await startSession(r.name), cancel: await startSession(r.name) };
        });
      }
    }
  }
  await inBatches(jobs.map((job) => job));

  return {
    berth,
    adminAuth,
    auth(p, project = 'privp') {
      if (p.kind === 'anonymous') return undefined;
      if (p.isAdmin) return adminAuth;
      if (p.robot) {
        const name = robotFullName(p.robot.ofMatrixProject ? project : 'other', p.robot.name);
        return formatBasicAuthorization(name, secrets.get(name)!);
      }
      return formatBasicAuthorization(userName(p), PASSWORD);
    },
    repo: (project, path) => repos.get(`${project}/${path}`)!,
    projectRuleIds,
    systemRuleIds,
  };
}
