import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RepoName } from '../oci/names.ts';
import type { PolicyAction, ProjectAction, RepositoryAction, RobotPermission, RobotPrincipal, UserPrincipal } from './authorizer.ts';
import { ANONYMOUS } from './authorizer.ts';
import { allowedActions, decide, pathInProject, projectOf, type DecisionFacts, type DecisionRequest, type Grant, type ProjectFacts, type Role } from './policy.ts';

const NOW = Date.UTC(2030, 0, 1);
const REPO = 'acme/frontend/web' as RepoName;
const anonymous = ANONYMOUS;

const user = (over: Partial<UserPrincipal> = {}): UserPrincipal => ({ kind: 'user', id: 'u1', name: 'alice', isAdmin: false, isDisabled: false, ...over });
const robot = (permissions: RobotPermission[], over: Partial<RobotPrincipal> = {}): RobotPrincipal => ({
  kind: 'robot', id: 'r1', name: 'robot$acme+ci', project: 'acme', permissions, expiresAt: null, isDisabled: false, ...over,
});
const project = (over: Partial<ProjectFacts> = {}): ProjectFacts => ({ name: 'acme', exists: true, isPublic: false, ...over });
const facts = (over: Partial<DecisionFacts> = {}): DecisionFacts => ({ project: project(), grants: [], nowMs: NOW, ...over });

const REPOSITORY_ACTIONS: RepositoryAction[] = ['pull', 'push', 'delete'];
const PROJECT_ACTIONS: ProjectAction[] = ['manage-tag-rules', 'manage-retention', 'manage-members', 'manage-settings', 'manage-robots'];
const ALL_ACTIONS: PolicyAction[] = [...REPOSITORY_ACTIONS, ...PROJECT_ACTIONS, 'catalog'];

function request(action: PolicyAction, repo: RepoName = REPO): DecisionRequest {
  if (action === 'catalog') return { action };
  if ((REPOSITORY_ACTIONS as string[]).includes(action)) return { action: action as RepositoryAction, repo };
  return { action: action as ProjectAction, project: projectOf(repo) };
}

// The role table of docs/design/identity.md, written out independently of ROLE_ACTIONS.
const ROLE_MAY: Record<Role, string[]> = {
  guest: ['pull'],
  developer: ['pull', 'push'],
  maintainer: ['pull', 'push', 'delete', 'manage-tag-rules', 'manage-retention'],
  owner: ['pull', 'push', 'delete', 'manage-tag-rules', 'manage-retention', 'manage-members', 'manage-settings', 'manage-robots'],
};

describe('decide: every role x action x visibility x pattern', () => {
  for (const role of Object.keys(ROLE_MAY) as Role[]) {
    for (const action of [...REPOSITORY_ACTIONS, ...PROJECT_ACTIONS]) {
      for (const isPublic of [false, true]) {
        for (const matches of [true, false]) {
          // Repository actions: `frontend/*` matches acme/frontend/web, `backend/*` does not. Project actions need
          // a whole-project grant: `**` counts, `frontend/*` does not.
          const isProjectAction = (PROJECT_ACTIONS as string[]).includes(action);
          const pattern = isProjectAction ? (matches ? '**' : 'frontend/*') : (matches ? 'frontend/*' : 'backend/*');
          const expected = (action === 'pull' && isPublic) || (matches && ROLE_MAY[role].includes(action));
          it(`${role} ${action} on a ${isPublic ? 'public' : 'private'} project, grant ${pattern}: ${expected ? 'allowed' : 'denied'}`, () => {
            const grants: Grant[] = [{ project: 'acme', role, pattern }];
            const decision = decide(user(), request(action), facts({ project: project({ isPublic }), grants }));
            assert.equal(decision.allowed, expected);
            const reason = expected ? (action === 'pull' && isPublic ? 'public-pull' : 'grant') : 'no-permission';
            assert.equal(decision.reason, reason);
          });
        }
      }
    }
  }
});

describe('decide: anonymous callers', () => {
  it('may pull from a public project and nothing else', () => {
    for (const action of ALL_ACTIONS) {
      const decision = decide(anonymous, request(action), facts({ project: project({ isPublic: true }) }));
      assert.equal(decision.allowed, action === 'pull', action);
    }
  });

  it('may do nothing in a private project', () => {
    for (const action of [...REPOSITORY_ACTIONS, ...PROJECT_ACTIONS]) {
      assert.deepEqual(decide(anonymous, request(action), facts()), { allowed: false, reason: 'anonymous' }, action);
    }
    assert.deepEqual(decide(anonymous, { action: 'catalog' }, facts()), { allowed: false, reason: 'catalog-restricted' });
  });
});

describe('decide: system admins and disabled accounts', () => {
  it('lets an admin do everything, in projects that exist or not, without grants', () => {
    for (const action of ALL_ACTIONS) {
      for (const p of [project(), project({ exists: false }), undefined]) {
        assert.deepEqual(decide(user({ isAdmin: true }), request(action), { grants: [], nowMs: NOW, ...(p ? { project: p } : {}) }), { allowed: true, reason: 'admin' }, action);
      }
    }
  });

  it('lets a disabled account do nothing, not even pull from a public project or act as admin', () => {
    const owner: Grant[] = [{ project: 'acme', role: 'owner', pattern: '**' }];
    for (const principal of [user({ isDisabled: true }), user({ isDisabled: true, isAdmin: true })]) {
      for (const action of ALL_ACTIONS) {
        assert.deepEqual(decide(principal, request(action), facts({ project: project({ isPublic: true }), grants: owner })), { allowed: false, reason: 'disabled' }, action);
      }
    }
  });
});

describe('decide: users and grants', () => {
  it('needs a grant in the project itself; grants elsewhere count for nothing', () => {
    const elsewhere: Grant[] = [{ project: 'other', role: 'owner', pattern: '**' }];
    assert.deepEqual(decide(user(), request('pull'), facts({ grants: elsewhere })), { allowed: false, reason: 'no-grant' });
    assert.deepEqual(decide(user(), request('pull'), facts({ project: project({ isPublic: true }), grants: elsewhere })), { allowed: true, reason: 'public-pull' });
  });

  it('combines several grants (direct and through teams): the widest matching one counts', () => {
    const grants: Grant[] = [{ project: 'acme', role: 'guest', pattern: '**' }, { project: 'acme', role: 'developer', pattern: 'frontend/*' }];
    assert.equal(decide(user(), request('push'), facts({ grants })).allowed, true);
    assert.equal(decide(user(), request('push', 'acme/backend/api' as RepoName), facts({ grants })).allowed, false);
    assert.equal(decide(user(), request('pull', 'acme/backend/api' as RepoName), facts({ grants })).allowed, true);
    assert.equal(decide(user(), request('delete'), facts({ grants })).allowed, false);
  });

  it('matches the pattern against the path inside the project, including the project-named repository', () => {
    const grants: Grant[] = [{ project: 'acme', role: 'developer', pattern: '**' }];
    assert.equal(decide(user(), request('push', 'acme' as RepoName), facts({ grants })).allowed, true);
    const star: Grant[] = [{ project: 'acme', role: 'developer', pattern: '*' }];
    assert.equal(decide(user(), request('push', 'acme' as RepoName), facts({ grants: star })).allowed, false);
    assert.equal(decide(user(), request('push', 'acme/api' as RepoName), facts({ grants: star })).allowed, true);
    assert.equal(decide(user(), request('push', 'acme/api/server' as RepoName), facts({ grants: star })).allowed, false);
  });

  it('ignores a stored grant with a malformed pattern', () => {
    const grants: Grant[] = [{ project: 'acme', role: 'owner', pattern: 'front**' }];
    assert.deepEqual(decide(user(), request('pull'), facts({ grants })), { allowed: false, reason: 'no-permission' });
  });

  it('refuses everything in a project that does not exist or whose facts are missing or for another project', () => {
    const grants: Grant[] = [{ project: 'acme', role: 'owner', pattern: '**' }];
    for (const action of [...REPOSITORY_ACTIONS, ...PROJECT_ACTIONS]) {
      assert.deepEqual(decide(user(), request(action), facts({ project: project({ exists: false, isPublic: true }), grants })), { allowed: false, reason: 'no-project' });
      assert.deepEqual(decide(user(), request(action), { grants, nowMs: NOW }), { allowed: false, reason: 'no-project' });
      assert.deepEqual(decide(user(), request(action), facts({ project: project({ name: 'other', isPublic: true }), grants })), { allowed: false, reason: 'no-project' });
    }
  });

  it('keeps the catalog from users whatever their grants', () => {
    const grants: Grant[] = [{ project: 'acme', role: 'owner', pattern: '**' }];
    assert.deepEqual(decide(user(), { action: 'catalog' }, facts({ grants })), { allowed: false, reason: 'catalog-restricted' });
  });
});

describe('decide: robots', () => {
  const ci = robot([{ pattern: 'acme/frontend/**', actions: ['pull', 'push'] }]);

  it('does exactly what its permissions list, where their pattern matches', () => {
    assert.deepEqual(decide(ci, request('pull'), facts()), { allowed: true, reason: 'robot-permission' });
    assert.deepEqual(decide(ci, request('push'), facts()), { allowed: true, reason: 'robot-permission' });
    assert.deepEqual(decide(ci, request('delete'), facts()), { allowed: false, reason: 'no-permission' });
    assert.deepEqual(decide(ci, request('push', 'acme/backend/api' as RepoName), facts()), { allowed: false, reason: 'no-permission' });
    assert.deepEqual(decide(ci, request('manage-retention'), facts()), { allowed: false, reason: 'no-permission' });
  });

  it('ignores grants passed for it: only permissions count', () => {
    const grants: Grant[] = [{ project: 'acme', role: 'owner', pattern: '**' }];
    assert.equal(decide(ci, request('delete'), facts({ grants })).allowed, false);
  });

  it('may pull from public projects without a permission, like anyone', () => {
    const other = robot([]);
    assert.deepEqual(decide(other, request('pull'), facts({ project: project({ isPublic: true }) })), { allowed: true, reason: 'public-pull' });
    assert.equal(decide(other, request('push'), facts({ project: project({ isPublic: true }) })).allowed, false);
  });

  it('keeps a project robot inside its project, whatever its patterns say', () => {
    const escaping = robot([
      { pattern: 'other/**', actions: ['pull', 'push'] },
      { pattern: '**', actions: ['pull', 'push'] },
      { pattern: '*/frontend/**', actions: ['pull'] },
    ]);
    const otherProject = facts({ project: project({ name: 'other' }) });
    assert.deepEqual(decide(escaping, request('pull', 'other/app' as RepoName), otherProject), { allowed: false, reason: 'no-permission' });
    // Inside its own project the wildcard patterns do not count either: a project robot's pattern names its project.
    assert.deepEqual(decide(escaping, request('pull'), facts()), { allowed: false, reason: 'no-permission' });
  });

  it('needs a whole-project permission for project actions', () => {
    const whole = robot([{ pattern: 'acme/**', actions: ['manage-retention'] }]);
    const part = robot([{ pattern: 'acme/frontend/**', actions: ['manage-retention'] }]);
    assert.equal(decide(whole, request('manage-retention'), facts()).allowed, true);
    assert.equal(decide(whole, request('manage-members'), facts()).allowed, false);
    assert.equal(decide(part, request('manage-retention'), facts()).allowed, false);
  });

  it('lets a system robot use wildcard patterns across projects', () => {
    const system = robot([{ pattern: '*/builds/**', actions: ['pull'] }, { pattern: 'tools', actions: ['push'] }], { name: 'robot$scanner', project: null });
    assert.equal(decide(system, request('pull', 'acme/builds/x' as RepoName), facts()).allowed, true);
    assert.equal(decide(system, request('pull', 'zeta/builds' as RepoName), facts({ project: project({ name: 'zeta' }) })).allowed, true);
    assert.equal(decide(system, request('pull', 'acme/web' as RepoName), facts()).allowed, false);
    assert.equal(decide(system, request('push', 'tools' as RepoName), facts({ project: project({ name: 'tools' }) })).allowed, true);
    assert.equal(decide(system, request('push', 'tools/x' as RepoName), facts({ project: project({ name: 'tools' }) })).allowed, false);
  });

  it('gives the catalog only to a system robot with catalog on **', () => {
    const lister = robot([{ pattern: '**', actions: ['catalog', 'pull'] }], { project: null });
    assert.deepEqual(decide(lister, { action: 'catalog' }, facts()), { allowed: true, reason: 'robot-permission' });
    assert.equal(decide(robot([{ pattern: '**', actions: ['pull'] }], { project: null }), { action: 'catalog' }, facts()).allowed, false);
    assert.equal(decide(robot([{ pattern: 'acme/**', actions: ['catalog'] }], { project: null }), { action: 'catalog' }, facts()).allowed, false);
    assert.equal(decide(robot([{ pattern: '**', actions: ['catalog'] }]), { action: 'catalog' }, facts()).allowed, false, 'a project robot never lists the registry');
  });

  it('may do nothing once expired or disabled, not even public pulls', () => {
    const publicFacts = facts({ project: project({ isPublic: true }) });
    for (const expiresAt of [NOW, NOW - 1]) {
      assert.deepEqual(decide(robot(ci.permissions as RobotPermission[], { expiresAt }), request('pull'), publicFacts), { allowed: false, reason: 'robot-expired' });
    }
    assert.equal(decide(robot(ci.permissions as RobotPermission[], { expiresAt: NOW + 1 }), request('push'), facts()).allowed, true);
    assert.deepEqual(decide(robot(ci.permissions as RobotPermission[], { isDisabled: true }), request('pull'), publicFacts), { allowed: false, reason: 'disabled' });
  });
});

describe('allowedActions', () => {
  it('lists the repository actions the token endpoint may grant', () => {
    const grants = (role: Role): Grant[] => [{ project: 'acme', role, pattern: '**' }];
    assert.deepEqual(allowedActions(user(), REPO, facts({ grants: grants('guest') })), ['pull']);
    assert.deepEqual(allowedActions(user(), REPO, facts({ grants: grants('developer') })), ['pull', 'push']);
    assert.deepEqual(allowedActions(user(), REPO, facts({ grants: grants('maintainer') })), ['pull', 'push', 'delete']);
    assert.deepEqual(allowedActions(user({ isAdmin: true }), REPO, facts()), ['pull', 'push', 'delete']);
    assert.deepEqual(allowedActions(anonymous, REPO, facts({ project: project({ isPublic: true }) })), ['pull']);
    assert.deepEqual(allowedActions(anonymous, REPO, facts()), []);
    assert.deepEqual(allowedActions(robot([{ pattern: 'acme/**', actions: ['push', 'delete'] }]), REPO, facts()), ['push', 'delete']);
  });
});

describe('projectOf / pathInProject', () => {
  it('split at the first slash', () => {
    assert.equal(projectOf('acme/api/server' as RepoName), 'acme');
    assert.equal(pathInProject('acme/api/server' as RepoName), 'api/server');
    assert.equal(projectOf('acme' as RepoName), 'acme');
    assert.equal(pathInProject('acme' as RepoName), '');
  });
});
