import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isBerthError } from '../errors/berth-error.ts';
import { describeAuditContract } from './identity-store.contract-audit.ts';
import { allPages, bytewise, useFreshStore, type MakeMetaStore, type StoreContext } from './meta-store.contract-kit.ts';
import type { MetaStore } from './meta-store.ts';

// Bytewise order differs from any linguistic collation for these (case, '_', '.', '-').
const NAMES = ['bob', 'Alice', 'alice', '_ops', 'a.b', 'a-b', 'Zed', 'zed', '0day'];

export async function rejectsConflict(promise: Promise<unknown>): Promise<void> {
  await assert.rejects(promise, (err) => isBerthError(err, 'CONFLICT') && err.status === 409 && err.ociCode === 'DENIED');
}

async function user(store: MetaStore, username: string, isAdmin = false) {
  return store.users.create({ username, passwordHash: `$argon2id$v=19$m=19456,t=2,p=1$${username}`, isAdmin });
}

function describeUsers(ctx: StoreContext): void {
  describe('users', () => {
    it('create returns the record, found by name and by id, counted; a taken username is CONFLICT', async () => {
      assert.equal(await ctx.store.users.count(), 0);
      const alice = await user(ctx.store, 'alice', true);
      assert.equal(alice.username, 'alice');
      assert.equal(alice.isAdmin, true);
      assert.equal(alice.isDisabled, false);
      assert.match(alice.id, /^[0-9a-f-]{36}$/);
      assert.deepEqual(await ctx.store.users.findByName('alice'), alice);
      assert.deepEqual(await ctx.store.users.findById(alice.id), alice);
      assert.equal(await ctx.store.users.findByName('Alice'), undefined);
      assert.equal(await ctx.store.users.findById('00000000-0000-0000-0000-000000000000'), undefined);
      await rejectsConflict(user(ctx.store, 'alice'));
      await user(ctx.store, 'Alice');
      assert.equal(await ctx.store.users.count(), 2);
    });

    it('lists users by username, bytewise, page by page', async () => {
      for (const name of NAMES) await user(ctx.store, name);
      const expected = bytewise(NAMES);
      assert.deepEqual((await ctx.store.users.list({})).items.map((u) => u.username), expected);
      const { items, flags } = await allPages(async (p) => {
        const page = await ctx.store.users.list(p);
        return { items: page.items.map((u) => u.username), hasMore: page.hasMore };
      }, 4);
      assert.deepEqual(items, expected);
      assert.deepEqual(flags, [true, true, false]);
    });

    it('update changes only the patched fields; an unknown id gives undefined', async () => {
      const bob = await user(ctx.store, 'bob');
      const updated = await ctx.store.users.update(bob.id, { isDisabled: true, passwordHash: 'new-hash' });
      assert.deepEqual({ ...updated, updatedAt: 0 }, { ...bob, isDisabled: true, passwordHash: 'new-hash', updatedAt: 0 });
      assert.ok(updated!.updatedAt >= bob.updatedAt);
      assert.deepEqual(await ctx.store.users.findById(bob.id), updated);
      const admin = await ctx.store.users.update(bob.id, { isAdmin: true });
      assert.equal(admin?.isAdmin, true);
      assert.equal(admin?.isDisabled, true);
      assert.equal(await ctx.store.users.update('missing', { isAdmin: true }), undefined);
    });

    it('delete removes the user, its team memberships and grants; false when absent', async () => {
      const bob = await user(ctx.store, 'bob');
      const carol = await user(ctx.store, 'carol');
      const team = await ctx.store.teams.create('devs');
      await ctx.store.teams.addMember(team.id, bob.id);
      await ctx.store.teams.addMember(team.id, carol.id);
      await ctx.store.projects.create({ name: 'acme', isPublic: false, createdBy: bob.id });
      await ctx.store.members.grant({ project: 'acme', subjectKind: 'user', subjectId: bob.id, role: 'owner', pattern: '**' });
      await ctx.store.members.grant({ project: 'acme', subjectKind: 'user', subjectId: carol.id, role: 'guest', pattern: '**' });
      assert.equal(await ctx.store.users.delete(bob.id), true);
      assert.equal(await ctx.store.users.findById(bob.id), undefined);
      assert.deepEqual(await ctx.store.teams.members(team.id), [carol.id]);
      assert.deepEqual(await ctx.store.teams.teamsOf(bob.id), []);
      assert.deepEqual(await ctx.store.members.grantsFor(bob.id, []), []);
      assert.deepEqual((await ctx.store.members.listForProject('acme')).map((m) => m.subjectId), [carol.id]);
      // The project stays; it no longer names a creator that does not exist.
      assert.equal((await ctx.store.projects.find('acme'))?.createdBy, null);
      assert.equal(await ctx.store.users.delete(bob.id), false);
      assert.equal(await ctx.store.users.count(), 1);
    });
  });
}

function describeTeams(ctx: StoreContext): void {
  describe('teams', () => {
    it('create, find and list by name; a taken name is CONFLICT', async () => {
      for (const name of NAMES) await ctx.store.teams.create(name);
      const devs = await ctx.store.teams.findByName('bob');
      assert.equal(devs?.name, 'bob');
      assert.equal(await ctx.store.teams.findByName('nobody'), undefined);
      await rejectsConflict(ctx.store.teams.create('bob'));
      assert.deepEqual((await ctx.store.teams.list({})).items.map((t) => t.name), bytewise(NAMES));
      const page = await ctx.store.teams.list({ n: 2, last: 'a.b' });
      assert.deepEqual(page.items.map((t) => t.name), bytewise(NAMES).filter((n) => n > 'a.b').slice(0, 2));
      assert.equal(page.hasMore, true);
    });

    it('addMember is idempotent; members, teamsOf and removeMember agree', async () => {
      const [a, b] = [await user(ctx.store, 'a'), await user(ctx.store, 'b')];
      const [t1, t2] = [await ctx.store.teams.create('t1'), await ctx.store.teams.create('t2')];
      await ctx.store.teams.addMember(t1.id, a.id);
      await ctx.store.teams.addMember(t1.id, a.id);
      await ctx.store.teams.addMember(t1.id, b.id);
      await ctx.store.teams.addMember(t2.id, a.id);
      assert.deepEqual(await ctx.store.teams.members(t1.id), [a.id, b.id].sort());
      assert.deepEqual(await ctx.store.teams.teamsOf(a.id), [t1.id, t2.id].sort());
      assert.equal(await ctx.store.teams.removeMember(t1.id, a.id), true);
      assert.equal(await ctx.store.teams.removeMember(t1.id, a.id), false);
      assert.deepEqual(await ctx.store.teams.members(t1.id), [b.id]);
      assert.deepEqual(await ctx.store.teams.teamsOf(a.id), [t2.id]);
    });

    it('delete removes the team, its memberships and its grants; false when absent', async () => {
      const a = await user(ctx.store, 'a');
      const team = await ctx.store.teams.create('ops');
      await ctx.store.teams.addMember(team.id, a.id);
      await ctx.store.projects.create({ name: 'acme', isPublic: false, createdBy: null });
      await ctx.store.members.grant({ project: 'acme', subjectKind: 'team', subjectId: team.id, role: 'developer', pattern: '**' });
      assert.equal(await ctx.store.teams.delete(team.id), true);
      assert.equal(await ctx.store.teams.findByName('ops'), undefined);
      assert.deepEqual(await ctx.store.teams.teamsOf(a.id), []);
      assert.deepEqual(await ctx.store.members.listForProject('acme'), []);
      assert.equal(await ctx.store.teams.delete(team.id), false);
      assert.ok(await ctx.store.users.findById(a.id));
    });
  });
}

function describeProjectsAndGrants(ctx: StoreContext): void {
  describe('projects and grants', () => {
    it('create, find, list and update; a taken name is CONFLICT; unknown names give undefined', async () => {
      const a = await user(ctx.store, 'a');
      for (const name of NAMES) await ctx.store.projects.create({ name, isPublic: name === 'bob', createdBy: name === 'bob' ? a.id : null });
      const bob = await ctx.store.projects.find('bob');
      assert.deepEqual({ ...bob, createdAt: 0 }, { name: 'bob', isPublic: true, createdBy: a.id, createdAt: 0 });
      await rejectsConflict(ctx.store.projects.create({ name: 'bob', isPublic: false, createdBy: null }));
      assert.deepEqual((await ctx.store.projects.list({})).items.map((p) => p.name), bytewise(NAMES));
      assert.deepEqual((await ctx.store.projects.list({ n: 3 })).items.map((p) => p.name), bytewise(NAMES).slice(0, 3));
      assert.equal((await ctx.store.projects.update('bob', { isPublic: false }))?.isPublic, false);
      assert.equal((await ctx.store.projects.find('bob'))?.isPublic, false);
      assert.equal(await ctx.store.projects.update('nope', { isPublic: true }), undefined);
      assert.equal(await ctx.store.projects.find('nope'), undefined);
    });

    it('a second grant with the same pattern replaces the role; another pattern adds a grant', async () => {
      const a = await user(ctx.store, 'a');
      await ctx.store.projects.create({ name: 'acme', isPublic: false, createdBy: null });
      const first = await ctx.store.members.grant({ project: 'acme', subjectKind: 'user', subjectId: a.id, role: 'guest', pattern: '**' });
      assert.equal(first.role, 'guest');
      const second = await ctx.store.members.grant({ project: 'acme', subjectKind: 'user', subjectId: a.id, role: 'maintainer', pattern: '**' });
      assert.equal(second.role, 'maintainer');
      await ctx.store.members.grant({ project: 'acme', subjectKind: 'user', subjectId: a.id, role: 'developer', pattern: 'frontend/*' });
      const listed = await ctx.store.members.listForProject('acme');
      assert.deepEqual(listed.map(({ createdAt: _, ...m }) => m), [
        { project: 'acme', subjectKind: 'user', subjectId: a.id, role: 'maintainer', pattern: '**' },
        { project: 'acme', subjectKind: 'user', subjectId: a.id, role: 'developer', pattern: 'frontend/*' },
      ]);
      assert.deepEqual(await ctx.store.members.listForProject('other'), []);
    });

    it('revoke removes one pattern or all of a subject\'s grants and says how many', async () => {
      const [a, b] = [await user(ctx.store, 'a'), await user(ctx.store, 'b')];
      await ctx.store.projects.create({ name: 'acme', isPublic: false, createdBy: null });
      for (const pattern of ['**', 'x/*', 'y/**']) await ctx.store.members.grant({ project: 'acme', subjectKind: 'user', subjectId: a.id, role: 'developer', pattern });
      await ctx.store.members.grant({ project: 'acme', subjectKind: 'user', subjectId: b.id, role: 'guest', pattern: '**' });
      assert.equal(await ctx.store.members.revoke('acme', 'user', a.id, 'x/*'), 1);
      assert.equal(await ctx.store.members.revoke('acme', 'user', a.id, 'x/*'), 0);
      assert.equal(await ctx.store.members.revoke('acme', 'team', a.id), 0);
      assert.equal(await ctx.store.members.revoke('acme', 'user', a.id), 2);
      assert.deepEqual((await ctx.store.members.listForProject('acme')).map((m) => m.subjectId), [b.id]);
    });

    it('grantsFor collects direct grants and those of the given teams, across projects', async () => {
      const [a, b] = [await user(ctx.store, 'a'), await user(ctx.store, 'b')];
      const [devs, ops] = [await ctx.store.teams.create('devs'), await ctx.store.teams.create('ops')];
      for (const name of ['acme', 'beta', 'gamma']) await ctx.store.projects.create({ name, isPublic: false, createdBy: null });
      await ctx.store.members.grant({ project: 'acme', subjectKind: 'user', subjectId: a.id, role: 'guest', pattern: '**' });
      await ctx.store.members.grant({ project: 'beta', subjectKind: 'team', subjectId: devs.id, role: 'developer', pattern: 'app/*' });
      await ctx.store.members.grant({ project: 'gamma', subjectKind: 'team', subjectId: ops.id, role: 'owner', pattern: '**' });
      await ctx.store.members.grant({ project: 'gamma', subjectKind: 'user', subjectId: b.id, role: 'owner', pattern: '**' });
      // A team id that is also some user's id must not match a user grant, nor the reverse.
      await ctx.store.members.grant({ project: 'acme', subjectKind: 'team', subjectId: a.id, role: 'owner', pattern: '**' });
      assert.deepEqual(await ctx.store.members.grantsFor(a.id, []), [{ project: 'acme', role: 'guest', pattern: '**' }]);
      assert.deepEqual(await ctx.store.members.grantsFor(a.id, [devs.id]), [
        { project: 'acme', role: 'guest', pattern: '**' },
        { project: 'beta', role: 'developer', pattern: 'app/*' },
      ]);
      assert.deepEqual(await ctx.store.members.grantsFor('nobody', [devs.id, ops.id]), [
        { project: 'beta', role: 'developer', pattern: 'app/*' },
        { project: 'gamma', role: 'owner', pattern: '**' },
      ]);
    });

    it('delete removes the project with its grants, robots and IP rules (its robots\' too), and nothing else', async () => {
      const a = await user(ctx.store, 'a');
      for (const name of ['acme', 'other']) {
        await ctx.store.projects.create({ name, isPublic: false, createdBy: null });
        await ctx.store.members.grant({ project: name, subjectKind: 'user', subjectId: a.id, role: 'owner', pattern: '**' });
        const robot = await ctx.store.robots.create({ name: `robot$${name}+ci`, project: name, description: '', secretHash: 'h', permissions: [], expiresAt: null, createdBy: null });
        await ctx.store.ipRules.add({ scope: 'project', scopeId: name, effect: 'allow', cidr: '10.0.0.0/8' });
        await ctx.store.ipRules.add({ scope: 'robot', scopeId: robot.id, effect: 'deny', cidr: '::1/128' });
      }
      const doomedRobot = await ctx.store.robots.findByName('robot$acme+ci');
      assert.equal(await ctx.store.projects.delete('acme'), true);
      assert.equal(await ctx.store.projects.find('acme'), undefined);
      assert.deepEqual(await ctx.store.members.listForProject('acme'), []);
      assert.deepEqual(await ctx.store.members.grantsFor(a.id, []), [{ project: 'other', role: 'owner', pattern: '**' }]);
      assert.deepEqual(await ctx.store.robots.list('acme'), []);
      assert.equal(await ctx.store.robots.findById(doomedRobot!.id), undefined);
      assert.deepEqual(await ctx.store.ipRules.list('project', 'acme'), []);
      assert.deepEqual(await ctx.store.ipRules.list('robot', doomedRobot!.id), []);
      const otherRobot = await ctx.store.robots.findByName('robot$other+ci');
      assert.equal((await ctx.store.ipRules.list('project', 'other')).length, 1);
      assert.equal((await ctx.store.ipRules.list('robot', otherRobot!.id)).length, 1);
      assert.equal(await ctx.store.projects.delete('acme'), false);
    });
  });
}

function describeRobotsAndIpRules(ctx: StoreContext): void {
  describe('robots and IP rules', () => {
    const permissions = [
      { pattern: 'acme/**', actions: ['pull', 'push'] as const },
      { pattern: 'acme/api/*', actions: ['delete', 'manage-tag-rules'] as const },
    ];

    it('create round-trips permissions and expiry; found by name and id; a taken name is CONFLICT', async () => {
      await ctx.store.projects.create({ name: 'acme', isPublic: false, createdBy: null });
      const robot = await ctx.store.robots.create({ name: 'robot$acme+ci', project: 'acme', description: 'CI pushes', secretHash: 'sh', permissions: permissions.map((p) => ({ ...p, actions: [...p.actions] })), expiresAt: 5_000_000_000_000, createdBy: null });
      assert.equal(robot.isDisabled, false);
      for (const found of [await ctx.store.robots.findByName('robot$acme+ci'), await ctx.store.robots.findById(robot.id)]) {
        assert.deepEqual(found, robot);
        assert.deepEqual(found?.permissions, permissions);
        assert.equal(found?.expiresAt, 5_000_000_000_000);
      }
      await rejectsConflict(ctx.store.robots.create({ name: 'robot$acme+ci', project: null, description: '', secretHash: 'x', permissions: [], expiresAt: null, createdBy: null }));
      assert.equal(await ctx.store.robots.findByName('robot$acme+other'), undefined);
    });

    it('list gives a project\'s robots, or system robots for null, ordered by name', async () => {
      await ctx.store.projects.create({ name: 'acme', isPublic: false, createdBy: null });
      const make = (name: string, project: string | null) => ctx.store.robots.create({ name, project, description: '', secretHash: 'h', permissions: [], expiresAt: null, createdBy: null });
      for (const n of ['zeta', 'Alpha', 'beta']) await make(`robot$acme+${n}`, 'acme');
      for (const n of ['sys-b', 'sys-a']) await make(`robot$${n}`, null);
      assert.deepEqual((await ctx.store.robots.list('acme')).map((r) => r.name), ['robot$acme+Alpha', 'robot$acme+beta', 'robot$acme+zeta']);
      assert.deepEqual((await ctx.store.robots.list(null)).map((r) => r.name), ['robot$sys-a', 'robot$sys-b']);
      assert.deepEqual(await ctx.store.robots.list('nope'), []);
    });

    it('update patches fields (expiry back to null too); delete removes the robot and its IP rules', async () => {
      const robot = await ctx.store.robots.create({ name: 'robot$sys', project: null, description: 'd', secretHash: 'h1', permissions: [], expiresAt: 1000, createdBy: null });
      const rule = await ctx.store.ipRules.add({ scope: 'robot', scopeId: robot.id, effect: 'allow', cidr: '192.0.2.0/24' });
      const updated = await ctx.store.robots.update(robot.id, { secretHash: 'h2', permissions: [{ pattern: '**', actions: ['catalog'] }], expiresAt: null, isDisabled: true, description: 'rotated' });
      assert.deepEqual(updated, { ...robot, secretHash: 'h2', permissions: [{ pattern: '**', actions: ['catalog'] }], expiresAt: null, isDisabled: true, description: 'rotated' });
      assert.deepEqual(await ctx.store.robots.findById(robot.id), updated);
      assert.equal(await ctx.store.robots.update('missing', { isDisabled: true }), undefined);
      assert.deepEqual(await ctx.store.ipRules.list('robot', robot.id), [rule]);
      assert.equal(await ctx.store.robots.delete(robot.id), true);
      assert.equal(await ctx.store.robots.delete(robot.id), false);
      assert.equal(await ctx.store.robots.findByName('robot$sys'), undefined);
      assert.deepEqual(await ctx.store.ipRules.list('robot', robot.id), []);
    });

    it('IP rules list per scope in the order added; remove says whether it removed', async () => {
      const added = [];
      for (const cidr of ['10.0.0.0/8', '2001:db8::/32', '192.168.1.1/32']) added.push(await ctx.store.ipRules.add({ scope: 'system', scopeId: '', effect: cidr.startsWith('10.') ? 'allow' : 'deny', cidr }));
      await ctx.store.ipRules.add({ scope: 'project', scopeId: 'acme', effect: 'deny', cidr: '0.0.0.0/0' });
      assert.deepEqual(await ctx.store.ipRules.list('system', ''), added);
      assert.deepEqual((await ctx.store.ipRules.list('project', 'acme')).map((r) => [r.effect, r.cidr]), [['deny', '0.0.0.0/0']]);
      assert.deepEqual(await ctx.store.ipRules.list('project', ''), []);
      assert.equal(await ctx.store.ipRules.remove(added[1]!.id), true);
      assert.equal(await ctx.store.ipRules.remove(added[1]!.id), false);
      assert.deepEqual(await ctx.store.ipRules.list('system', ''), [added[0], added[2]]);
    });
  });
}

function describeSettings(ctx: StoreContext): void {
  describe('settings', () => {
    it('get is undefined until put; put overwrites; JSON values round-trip', async () => {
      assert.equal(await ctx.store.settings.get('k'), undefined);
      await ctx.store.settings.put('k', { kid: 'a', jwk: { crv: 'P-256', x: 'x1' }, list: [1, 'two', null] });
      assert.deepEqual(await ctx.store.settings.get('k'), { kid: 'a', jwk: { crv: 'P-256', x: 'x1' }, list: [1, 'two', null] });
      await ctx.store.settings.put('k', 'plain');
      assert.equal(await ctx.store.settings.get('k'), 'plain');
      assert.equal(await ctx.store.settings.putIfAbsent('k', 'ignored'), 'plain');
      assert.equal(await ctx.store.settings.putIfAbsent('fresh', 42), 42);
      assert.equal(await ctx.store.settings.get('fresh'), 42);
    });

    it('putIfAbsent racing from two stores: every caller gets the one stored value', async () => {
      const other = await ctx.reopen();
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? ctx.store : other).settings.putIfAbsent('signing-key', { n: i })));
      const stored = await ctx.store.settings.get<{ n: number }>('signing-key');
      assert.ok(stored && stored.n >= 0 && stored.n < 10);
      for (const r of results) assert.deepEqual(r, stored);
      assert.deepEqual(await other.settings.get('signing-key'), stored);
    });
  });
}

/** The identity, access-control and audit contract every metadata dialect must pass. */
export function describeIdentityStore(name: string, makeStore: MakeMetaStore): void {
  describe(`${name} identity store contract`, () => {
    const ctx = useFreshStore(makeStore);
    describeUsers(ctx);
    describeTeams(ctx);
    describeProjectsAndGrants(ctx);
    describeRobotsAndIpRules(ctx);
    describeSettings(ctx);
    describeAuditContract(ctx);
  });
}
