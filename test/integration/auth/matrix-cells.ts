import type { MatrixWorld } from './matrix-fixture.ts';
import { OCI_MANIFEST, sha256 } from './matrix-fixture.ts';
import {
  ABSENT_PATH, ABSENT_PROJECT, isMember, isVisible, MATRIX_PROJECTS, mayProject, mayRepo, REPO_PATHS, visibleProjects,
  type PrincipalSpec, type ProjectKey, type RepoAction, type RepoPath,
} from './matrix-model.ts';

/** One cell of the matrix: a principal, a request, the expected answer; generated, never written by hand. */

export interface HttpRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  text: string;
}

export interface Expectation {
  status: number;
  /** The error code in the body (`errors[0].code` under /v2, `code` under /api). */
  code?: string;
  /** Further checks on a success; returns what is wrong, or undefined. */
  check?: (res: HttpAnswer) => string | undefined;
}

export interface Cell {
  principal: PrincipalSpec;
  /** Which project's credentials a robot uses (robots are per project). */
  project?: ProjectKey;
  label: string;
  request: HttpRequest;
  expect: Expectation;
  /**
   * For a denied read of something private: the same read of something that does not exist, with the names to
   * map back before comparing byte for byte; `viaAdmin` also compares with the endpoint's own not-found answer.
   */
  absent?: { request: HttpRequest; substitutions: [string, string][]; viaAdmin: boolean };
}

const UNAUTHORIZED: Expectation = { status: 401, code: 'UNAUTHORIZED' };
const DENIED: Expectation = { status: 403, code: 'DENIED' };
const json = (res: HttpAnswer): any => JSON.parse(res.text);
const expectField = (what: string, actual: unknown, wanted: unknown) => (JSON.stringify(actual) === JSON.stringify(wanted) ? undefined : `${what}: ${JSON.stringify(actual)} != ${JSON.stringify(wanted)}`);

/** The registry's answer for `may`: allowed, refused credentials, an anonymous challenge, hidden (reads) or DENIED. */
function registryOutcome(p: PrincipalSpec, may: boolean | 'unauthenticated', allowed: Expectation, hidden?: Expectation): Expectation {
  if (may === 'unauthenticated') return UNAUTHORIZED;
  if (may) return allowed;
  if (p.kind === 'anonymous') return UNAUTHORIZED;
  return hidden ?? DENIED;
}

export function registryCells(world: MatrixWorld, p: PrincipalSpec, project: ProjectKey, path: RepoPath): Cell[] {
  const r = world.repo(project, path);
  const i = p.index;
  const may = (action: RepoAction) => mayRepo(p, project, path, action);
  const sourceProject: ProjectKey = project === 'pubp' ? 'privp' : 'pubp';
  const source = `${sourceProject}/${path}`;
  const cells: Cell[] = [];
  const add = (label: string, action: RepoAction, request: (name: string) => HttpRequest, allowed: Expectation, hidden?: Expectation) => {
    const expect = registryOutcome(p, may(action), allowed, hidden);
    const isDeniedPrivateRead = hidden !== undefined && project === 'privp' && may(action) === false;
    const absentName = `${project}/${ABSENT_PATH[path]}`;
    cells.push({
      principal: p, project, label: `${r.name} ${label}`, request: request(r.name), expect,
      ...(isDeniedPrivateRead ? { absent: { request: request(absentName), substitutions: [[absentName, r.name]], viaAdmin: p.kind !== 'anonymous' } } : {}),
    });
  };
  const manifestOk = (withBody: boolean): Expectation => ({
    status: 200,
    check: (res) => expectField('digest', res.headers['docker-content-digest'], r.digest) ?? (withBody ? expectField('body', res.text, r.manifest) : undefined),
  });
  const accept = { accept: OCI_MANIFEST };

  add('tags list', 'pull', (n) => ({ method: 'GET', path: `/v2/${n}/tags/list` }),
    { status: 200, check: (res) => (json(res).tags.includes('v1') ? undefined : `tags ${res.text}`) }, { status: 404, code: 'NAME_UNKNOWN' });
  for (const [how, ref] of [['tag', 'v1'], ['digest', r.digest]] as const) {
    add(`manifest GET by ${how}`, 'pull', (n) => ({ method: 'GET', path: `/v2/${n}/manifests/${ref}`, headers: accept }), manifestOk(true), { status: 404, code: 'MANIFEST_UNKNOWN' });
    add(`manifest HEAD by ${how}`, 'pull', (n) => ({ method: 'HEAD', path: `/v2/${n}/manifests/${ref}`, headers: accept }), manifestOk(false), { status: 404 });
    add(`manifest PUT by ${how}`, 'push', (n) => ({ method: 'PUT', path: `/v2/${n}/manifests/${ref}`, headers: { 'content-type': OCI_MANIFEST }, body: r.manifest }),
      { status: 201, check: (res) => expectField('digest', res.headers['docker-content-digest'], r.digest) });
  }
  add('manifest DELETE by tag', 'delete', (n) => ({ method: 'DELETE', path: `/v2/${n}/manifests/${r.deleteTag[i]}` }), { status: 202 });
  add('manifest DELETE by digest', 'delete', (n) => ({ method: 'DELETE', path: `/v2/${n}/manifests/${r.deleteDigest[i]}` }), { status: 202 });
  add('blob GET', 'pull', (n) => ({ method: 'GET', path: `/v2/${n}/blobs/${r.layer}` }),
    { status: 200, check: (res) => expectField('blob', res.text, `layer of ${r.name}`) }, { status: 404, code: 'BLOB_UNKNOWN' });
  add('blob HEAD', 'pull', (n) => ({ method: 'HEAD', path: `/v2/${n}/blobs/${r.layer}` }),
    { status: 200, check: (res) => expectField('length', res.headers['content-length'], String(`layer of ${r.name}`.length)) }, { status: 404 });
  add('blob DELETE', 'delete', (n) => ({ method: 'DELETE', path: `/v2/${n}/blobs/${r.deleteBlob[i]}` }), { status: 202 });
  add('upload POST', 'push', (n) => ({ method: 'POST', path: `/v2/${n}/blobs/uploads/` }),
    { status: 202, check: (res) => (res.headers['docker-upload-uuid'] ? undefined : 'no upload id') });
  const s = r.sessions[i]!;
  const finish = `finished upload ${r.name} ${i}`;
  const octets = { 'content-type': 'application/octet-stream' };
  add('upload PATCH', 'push', (n) => ({ method: 'PATCH', path: `/v2/${n}/blobs/uploads/${s.patch}`, headers: octets, body: 'a chunk' }),
    { status: 202, check: (res) => expectField('range', res.headers.range, '0-6') });
  add('upload PUT', 'push', (n) => ({ method: 'PUT', path: `/v2/${n}/blobs/uploads/${s.put}?digest=${sha256(finish)}`, headers: octets, body: finish }),
    { status: 201, check: (res) => expectField('digest', res.headers['docker-content-digest'], sha256(finish)) });
  add('upload GET', 'push', (n) => ({ method: 'GET', path: `/v2/${n}/blobs/uploads/${s.get}` }), { status: 204 });
  add('upload DELETE', 'push', (n) => ({ method: 'DELETE', path: `/v2/${n}/blobs/uploads/${s.cancel}` }), { status: 204 });
  // A mount from the other matrix project happens only when the caller may also pull there; else a new session.
  const mountsFromSource = mayRepo(p, sourceProject, path, 'pull', project) === true;
  add(`mount from ${source}`, 'push', (n) => ({ method: 'POST', path: `/v2/${n}/blobs/uploads/?mount=${r.mountBlob[i]}&from=${source}` }),
    mountsFromSource ? { status: 201, check: (res) => expectField('digest', res.headers['docker-content-digest'], r.mountBlob[i]) } : { status: 202 });
  const referrers = (count: number): Expectation => ({ status: 200, check: (res) => expectField('referrers', json(res).manifests.length, count) });
  add('referrers', 'pull', (n) => ({ method: 'GET', path: `/v2/${n}/referrers/${r.digest}` }), referrers(1), referrers(0));
  return cells;
}

/** The answer of a project route: 401 without usable credentials, 404 when invisible, else allowed or 403. */
function projectOutcome(p: PrincipalSpec, project: ProjectKey, allowed: boolean, success: Expectation): Expectation {
  if (!p.isUsable || p.kind === 'anonymous') return UNAUTHORIZED;
  if (!isVisible(p, project)) return { status: 404, code: 'RESOURCE_UNKNOWN' };
  return allowed ? success : DENIED;
}

export function apiProjectCells(world: MatrixWorld, p: PrincipalSpec, project: ProjectKey): Cell[] {
  const i = p.index;
  const isPublic = MATRIX_PROJECTS.find((m) => m.key === project)!.isPublic;
  const robot = (proj: string, name: string) => encodeURIComponent(`robot$${proj}+${name}`);
  const cells: Cell[] = [];
  const add = (label: string, allowed: boolean, success: Expectation, request: (proj: string) => HttpRequest) => {
    const expect = projectOutcome(p, project, allowed, success);
    const isHidden = expect.status === 404 && project === 'privp';
    cells.push({
      principal: p, project, label: `${project} ${label}`, request: request(project), expect,
      ...(isHidden ? { absent: { request: request(ABSENT_PROJECT), substitutions: [[ABSENT_PROJECT, project]], viaAdmin: false } } : {}),
    });
  };
  const body = (value: unknown) => ({ headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) });
  const api = (method: string, path: string, value?: unknown): HttpRequest => ({ method, path: `/api/v1${path}`, ...(value !== undefined ? body(value) : {}) });

  add('project read', true, { status: 200, check: (res) => expectField('name', json(res).name, project) }, (j) => api('GET', `/projects/${j}`));
  add('project update', mayProject(p, project, 'settings'), { status: 200 }, (j) => api('PATCH', `/projects/${j}`, { isPublic }));
  add('members read', isMember(p, project), { status: 200, check: (res) => (json(res).items.length > 0 ? undefined : 'no members listed') }, (j) => api('GET', `/projects/${j}/members`));
  add('members grant', mayProject(p, project, 'members'), { status: 201 }, (j) => api('POST', `/projects/${j}/members`, { user: 'm-guest', role: 'guest', pattern: '**' }));
  add('members revoke', mayProject(p, project, 'members'), { status: 204 }, (j) => api('DELETE', `/projects/${j}/members/user/m-spare?pattern=${encodeURIComponent(`r${i}/**`)}`));
  add('robots list', mayProject(p, project, 'robots'), { status: 200 }, (j) => api('GET', `/projects/${j}/robots`));
  add('robots create', mayProject(p, project, 'robots'), { status: 201, check: (res) => expectField('name', json(res).name, `robot$${project}+m${i}`) },
    (j) => api('POST', `/projects/${j}/robots`, { name: `m${i}`, permissions: [{ pattern: `${j}/**`, actions: ['pull'] }] }));
  add('robot update', mayProject(p, project, 'robots'), { status: 200 }, (j) => api('PATCH', `/robots/${robot(j, 'pull')}`, { description: 'matrix' }));
  add('robot secret', mayProject(p, project, 'robots'), { status: 200, check: (res) => (json(res).secret ? undefined : 'no secret') }, (j) => api('POST', `/robots/${robot(j, `k${i}`)}/secret`));
  add('robot delete', mayProject(p, project, 'robots'), { status: 204 }, (j) => api('DELETE', `/robots/${robot(j, `s${i}`)}`));
  add('robot ip-rules read', mayProject(p, project, 'robots'), { status: 200 }, (j) => api('GET', `/robots/${robot(j, 'pull')}/ip-rules`));
  add('ip-rules read', mayProject(p, project, 'settings'), { status: 200 }, (j) => api('GET', `/projects/${j}/ip-rules`));
  add('ip-rules add', mayProject(p, project, 'settings'), { status: 201 }, (j) => api('POST', `/projects/${j}/ip-rules`, { effect: 'deny', cidr: `198.51.100.${i}/32` }));
  add('ip-rules remove', mayProject(p, project, 'settings'), { status: 204 }, (j) => api('DELETE', `/projects/${j}/ip-rules/${world.projectRuleIds[project][i]}`));
  add('audit read', mayProject(p, project, 'members'), {
    status: 200,
    check: (res) => (json(res).items.every((e: { project: string }) => e.project === project) ? undefined : 'events of another project'),
  }, (j) => api('GET', `/audit?project=${j}`));
  // Deleting a project is an admin route: everyone else is refused the same way, visible project or not.
  const deletion = !p.isUsable || p.kind === 'anonymous' ? UNAUTHORIZED : p.isAdmin ? { status: 409, code: 'CONFLICT' } : DENIED;
  cells.push({ principal: p, project, label: `${project} project delete`, request: api('DELETE', `/projects/${project}`), expect: deletion });
  return cells;
}

/** Endpoints about no project: /v2/, the catalog, and the API's system routes. */
export function systemCells(world: MatrixWorld, p: PrincipalSpec): Cell[] {
  const i = p.index;
  const signedIn = p.isUsable && p.kind !== 'anonymous';
  const adminOnly = (success: Expectation): Expectation => (!signedIn ? UNAUTHORIZED : p.isAdmin ? success : DENIED);
  const api = (method: string, path: string, value?: unknown): HttpRequest => ({
    method, path: `/api/v1${path}`, ...(value !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) } : {}),
  });
  const cell = (label: string, request: HttpRequest, expect: Expectation): Cell => ({ principal: p, label, request, expect });
  return [
    cell('/v2/ base', { method: 'GET', path: '/v2/' }, signedIn ? { status: 200 } : UNAUTHORIZED),
    cell('/v2/_catalog', { method: 'GET', path: '/v2/_catalog' },
      adminOnly({ status: 200, check: (res) => (json(res).repositories.includes('privp/app') ? undefined : res.text) })),
    cell('openapi.json', api('GET', '/openapi.json'), { status: 200 }),
    cell('me', api('GET', '/me'), signedIn ? { status: 200, check: (res) => (json(res).name.includes(p.key === 'admin' ? 'admin' : p.robot?.name ?? p.key) ? undefined : res.text) } : UNAUTHORIZED),
    cell('projects list', api('GET', '/projects'), signedIn
      ? { status: 200, check: (res) => expectField('projects', json(res).items.map((x: { name: string }) => x.name), visibleProjects(p)) }
      : UNAUTHORIZED),
    cell('users list', api('GET', '/users'), adminOnly({ status: 200 })),
    cell('teams list', api('GET', '/teams'), adminOnly({ status: 200 })),
    cell('system robots list', api('GET', '/robots'), adminOnly({ status: 200 })),
    cell('system robot create', api('POST', '/robots', { name: `sys${i}`, permissions: [{ pattern: '**', actions: ['pull'] }] }), adminOnly({ status: 201 })),
    cell('system ip-rules read', api('GET', '/ip-rules'), adminOnly({ status: 200 })),
    cell('system ip-rules add', api('POST', '/ip-rules', { effect: 'deny', cidr: `203.0.113.${100 + i}/32` }), adminOnly({ status: 201 })),
    cell('system ip-rules remove', api('DELETE', `/ip-rules/${world.systemRuleIds[i]}`), adminOnly({ status: 204 })),
    cell('audit (all)', api('GET', '/audit'), adminOnly({ status: 200 })),
    cell('audit verify', api('GET', '/audit/verify'), adminOnly({ status: 200 })),
    cell('alerts', api('GET', '/alerts'), adminOnly({ status: 200 })),
  ];
}

/** Every cell of one principal. */
export function cellsOf(world: MatrixWorld, p: PrincipalSpec): Cell[] {
  const cells = systemCells(world, p);
  for (const { key } of MATRIX_PROJECTS) {
    for (const path of REPO_PATHS) cells.push(...registryCells(world, p, key, path));
    cells.push(...apiProjectCells(world, p, key));
  }
  return cells;
}
