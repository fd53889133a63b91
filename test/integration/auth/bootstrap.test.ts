import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GENERATED_PASSWORD_MARKER } from '../../../src/auth/bootstrap.ts';
import { hashPassword } from '../../../src/auth/password.ts';
import { startBerthProcess } from '../../helpers/berth-process.ts';
import { startTestBerth, TEST_ADMIN_PASSWORD } from '../../helpers/berth-server.ts';
import { basic, pushImageAs } from './auth-kit.ts';

const v2Status = async (url: string, authorization?: string) => (await fetch(`${url}/v2/`, { headers: authorization ? { authorization } : {} })).status;

describe('the first admin', () => {
  it('gets a generated password, printed once on stderr and never again; no default password works', async () => {
    const berth = await startBerthProcess({ env: { BERTH_AUTH__ENABLED: 'true', BERTH_ADMIN_PASSWORD: '' } });
    try {
      const lines = berth.output().split('\n').filter((l) => l.includes(GENERATED_PASSWORD_MARKER));
      assert.equal(lines.length, 1, berth.output());
      assert.match(lines[0]!, /^\[err\] /, 'on stderr, not through the JSON log on stdout');
      const password = /password=(\S+)/.exec(lines[0]!)![1]!;
      assert.ok(password.length >= 20);
      assert.equal(await v2Status(berth.url, basic('admin', password)), 200);
      for (const guess of ['admin', 'password', 'berth', 'changeme']) assert.equal(await v2Status(berth.url, basic('admin', guess)), 401, guess);
      await berth.kill('SIGTERM');
      await berth.restart();
      assert.equal(berth.output().split('\n').filter((l) => l.includes(GENERATED_PASSWORD_MARKER)).length, 1, 'not printed again on restart');
      assert.equal(await v2Status(berth.url, basic('admin', password)), 200);
    } finally {
      await berth.stop();
    }
  });

  it('takes BERTH_ADMIN_PASSWORD and prints nothing', async () => {
    const berth = await startBerthProcess({ env: { BERTH_AUTH__ENABLED: 'true', BERTH_ADMIN_PASSWORD: 'from-the-environment-77' } });
    try {
      assert.doesNotMatch(berth.output(), new RegExp(GENERATED_PASSWORD_MARKER));
      assert.equal(await v2Status(berth.url, basic('admin', 'from-the-environment-77')), 200);
      assert.equal(await v2Status(berth.url), 401);
    } finally {
      await berth.stop();
    }
  });

  it('with self-service projects, a user push creates a private project the user owns', async () => {
    const berth = await startTestBerth({ auth: { adminPassword: TEST_ADMIN_PASSWORD, selfServiceProjects: true } });
    try {
      const user = await berth.meta.users.create({ username: 'carol', passwordHash: await hashPassword('carol-password-1'), isAdmin: false });
      await pushImageAs(berth.url, 'carols/app', 'v1', basic('carol', 'carol-password-1'));
      assert.equal((await berth.meta.projects.find('carols'))?.isPublic, false);
      const members = await berth.meta.members.listForProject('carols');
      assert.deepEqual(members.map((m) => [m.subjectId, m.role, m.pattern]), [[user.id, 'owner', '**']]);
    } finally {
      await berth.stop();
    }
  });
});
