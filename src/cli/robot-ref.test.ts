import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CliError } from './cli-error.ts';
import { parsePermission, parseRobotRef } from './robot-ref.ts';

const usage = (err: unknown) => err instanceof CliError && err.exitCode === 2;

describe('robot names and permissions on the command line', () => {
  it('resolves short names with and without --project, and full names', () => {
    assert.deepEqual(parseRobotRef('ci', 'app'), { fullName: 'robot$app+ci', project: 'app' });
    assert.deepEqual(parseRobotRef('backup', undefined), { fullName: 'robot$backup', project: null });
    assert.deepEqual(parseRobotRef('robot$app+ci', undefined), { fullName: 'robot$app+ci', project: 'app' });
    assert.deepEqual(parseRobotRef('robot$app+ci', 'app'), { fullName: 'robot$app+ci', project: 'app' });
    assert.deepEqual(parseRobotRef('robot$backup', undefined), { fullName: 'robot$backup', project: null });
  });

  it('refuses malformed names and a contradicting --project', () => {
    assert.throws(() => parseRobotRef('CI', 'app'), usage);
    assert.throws(() => parseRobotRef('robot$app+', undefined), usage);
    assert.throws(() => parseRobotRef('robot$Bad+ci', undefined), usage);
    assert.throws(() => parseRobotRef('robot$app+ci', 'other'), usage);
    assert.throws(() => parseRobotRef('ci', 'Not A Project'), usage);
  });

  it('parses PATTERN:ACTIONS, splitting at the last colon and dropping repeats', () => {
    assert.deepEqual(parsePermission('app/**:pull,push,pull'), { pattern: 'app/**', actions: ['pull', 'push'] });
    assert.deepEqual(parsePermission('**:catalog'), { pattern: '**', actions: ['catalog'] });
  });

  it('refuses permissions without actions or with a bad pattern', () => {
    for (const bad of ['app/**', 'app/**:', ':pull', 'app/**:PULL', 'App/x:pull']) {
      assert.throws(() => parsePermission(bad), (err: unknown) => usage(err) || (err as { code?: string }).code === 'BAD_REQUEST', bad);
    }
  });
});
