import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isBerthError } from '../errors/berth-error.ts';
import type { RepoName } from '../oci/names.ts';
import {
  accessAllows, challengeScope, formatChallenge, formatScope, intersectScope, MAX_SCOPES, parseScope, parseScopes, type ResourceScope,
} from './scope.ts';

const repo = (name: string) => name as RepoName;

function invalid(raw: string): void {
  assert.throws(() => parseScope(raw), (err) => isBerthError(err, 'BAD_REQUEST') && /invalid scope/.test(err.message), raw);
}

describe('parseScope', () => {
  it('parses repository scopes into canonical action order', () => {
    assert.deepEqual(parseScope('repository:acme/api:pull'), { type: 'repository', name: 'acme/api', actions: ['pull'] });
    assert.deepEqual(parseScope('repository:acme/api/server:push,pull'), { type: 'repository', name: 'acme/api/server', actions: ['pull', 'push'] });
    assert.deepEqual(parseScope('repository:a:delete,pull,pull'), { type: 'repository', name: 'a', actions: ['pull', 'delete'] });
  });

  it('expands * to every repository action and drops unknown action words', () => {
    assert.deepEqual(parseScope('repository:acme/api:*'), { type: 'repository', name: 'acme/api', actions: ['pull', 'push', 'delete'] });
    assert.deepEqual(parseScope('repository:acme/api:pull,frobnicate'), { type: 'repository', name: 'acme/api', actions: ['pull'] });
    assert.deepEqual(parseScope('repository:acme/api:frobnicate'), { type: 'repository', name: 'acme/api', actions: [] });
  });

  it('parses the catalog scope', () => {
    assert.deepEqual(parseScope('registry:catalog:*'), { type: 'registry', name: 'catalog', actions: ['*'] });
  });

  it('ignores well-formed scopes for resources Berth does not serve', () => {
    assert.equal(parseScope('repository(plugin):vieux/sshfs:pull'), undefined);
    assert.equal(parseScope('registry:catalog:pull'), undefined);
    assert.equal(parseScope('registry:other:*'), undefined);
    assert.equal(parseScope('something:x:pull'), undefined);
  });

  it('refuses a host:port in the name, which Berth repository names never have', () => {
    invalid('repository:host:5000/name:pull');
    invalid('repository:localhost:5000/acme/api:pull,push');
  });

  it('refuses names outside the OCI grammar and malformed structure', () => {
    invalid('repository:Acme/API:pull');
    invalid('repository:acme//api:pull');
    invalid('repository:../etc:pull');
    invalid(`repository:${'a'.repeat(256)}:pull`);
    invalid('repository:acme/api');
    invalid('repository::pull');
    invalid(':acme:pull');
    invalid('repository:acme:');
    invalid('repository:acme:pull,,push');
    invalid('repository:acme:PULL');
    invalid('repository:acme:pull push');
  });
});

describe('parseScopes', () => {
  it('reads repeated parameters and space-separated scopes in order, merging the same resource', () => {
    const scopes = parseScopes(['repository:b:pull registry:catalog:*', 'repository:a:push', 'repository:b:push']);
    assert.deepEqual(scopes, [
      { type: 'repository', name: 'b', actions: ['pull', 'push'] },
      { type: 'registry', name: 'catalog', actions: ['*'] },
      { type: 'repository', name: 'a', actions: ['push'] },
    ]);
  });

  it('takes a single string, nothing, and skips unsupported resource types', () => {
    assert.deepEqual(parseScopes(undefined), []);
    assert.deepEqual(parseScopes(''), []);
    assert.deepEqual(parseScopes('repository(plugin):x:pull repository:x:pull'), [{ type: 'repository', name: 'x', actions: ['pull'] }]);
  });

  it('refuses the whole request for one malformed scope or too many scopes', () => {
    assert.throws(() => parseScopes(['repository:a:pull', 'repository:h:1/a:pull']), (err) => isBerthError(err, 'BAD_REQUEST'));
    const many = Array.from({ length: MAX_SCOPES + 1 }, (_, i) => `repository:r${i}:pull`).join(' ');
    assert.throws(() => parseScopes(many), (err) => isBerthError(err, 'BAD_REQUEST'));
    assert.equal(parseScopes(many.split(' ').slice(0, MAX_SCOPES)).length, MAX_SCOPES);
  });
});

describe('formatScope', () => {
  it('is the inverse of parseScope', () => {
    for (const raw of ['repository:acme/api:pull', 'repository:acme/api:pull,push,delete', 'registry:catalog:*']) {
      assert.equal(formatScope(parseScope(raw) as ResourceScope), raw);
    }
  });
});

describe('intersectScope', () => {
  const asked: ResourceScope = { type: 'repository', name: repo('acme/api'), actions: ['pull', 'push'] };

  it('grants only what was both asked for and allowed', () => {
    assert.deepEqual(intersectScope(asked, ['pull', 'push', 'delete']), { type: 'repository', name: 'acme/api', actions: ['pull', 'push'] });
    assert.deepEqual(intersectScope(asked, ['pull']), { type: 'repository', name: 'acme/api', actions: ['pull'] });
    assert.deepEqual(intersectScope(asked, ['delete', 'pull']), { type: 'repository', name: 'acme/api', actions: ['pull'] });
  });

  it('drops a scope with nothing granted', () => {
    assert.equal(intersectScope(asked, []), undefined);
    assert.equal(intersectScope(asked, ['delete']), undefined);
    assert.equal(intersectScope({ type: 'repository', name: repo('a'), actions: [] }, ['pull']), undefined);
  });

  it('grants the catalog only with catalog allowed', () => {
    const catalog = parseScope('registry:catalog:*') as ResourceScope;
    assert.deepEqual(intersectScope(catalog, ['catalog']), catalog);
    assert.equal(intersectScope(catalog, ['pull', 'push', 'delete']), undefined);
  });
});

describe('accessAllows', () => {
  const access = parseScopes('repository:acme/api:pull,push repository:acme/web:pull');

  it('allows exactly the listed actions on the listed repositories', () => {
    assert.equal(accessAllows(access, 'pull', repo('acme/api')), true);
    assert.equal(accessAllows(access, 'push', repo('acme/api')), true);
    assert.equal(accessAllows(access, 'delete', repo('acme/api')), false);
    assert.equal(accessAllows(access, 'push', repo('acme/web')), false);
    assert.equal(accessAllows(access, 'pull', repo('acme/api/sub')), false);
    assert.equal(accessAllows(access, 'pull', repo('acme')), false);
    assert.equal(accessAllows(access, 'pull'), false);
    assert.equal(accessAllows(access, 'catalog'), false);
  });

  it('allows the catalog only with registry:catalog:*', () => {
    assert.equal(accessAllows(parseScopes('registry:catalog:*'), 'catalog'), true);
    assert.equal(accessAllows(parseScopes('registry:catalog:*'), 'pull', repo('a')), false);
  });
});

describe('challengeScope', () => {
  it('asks for pull,push on a push and the bare action otherwise', () => {
    assert.equal(formatScope(challengeScope('pull', repo('a/b'))), 'repository:a/b:pull');
    assert.equal(formatScope(challengeScope('push', repo('a/b'))), 'repository:a/b:pull,push');
    assert.equal(formatScope(challengeScope('delete', repo('a/b'))), 'repository:a/b:delete');
    assert.equal(formatScope(challengeScope('catalog')), 'registry:catalog:*');
    assert.throws(() => challengeScope('pull'), TypeError);
  });
});

describe('formatChallenge', () => {
  const base = { realm: 'https://reg.example.com/auth/token', service: 'reg.example.com' };

  it('gives realm and service for a request without credentials', () => {
    assert.equal(formatChallenge(base), 'Bearer realm="https://reg.example.com/auth/token",service="reg.example.com"');
    assert.equal(formatChallenge({ ...base, scopes: [] }), 'Bearer realm="https://reg.example.com/auth/token",service="reg.example.com"');
  });

  it('adds the scopes, space separated in one parameter, and the error', () => {
    assert.equal(
      formatChallenge({ ...base, scopes: [challengeScope('push', repo('acme/api')), challengeScope('pull', repo('acme/base'))], error: 'insufficient_scope' }),
      'Bearer realm="https://reg.example.com/auth/token",service="reg.example.com",scope="repository:acme/api:pull,push repository:acme/base:pull",error="insufficient_scope"',
    );
  });

  it('escapes quotes and backslashes and refuses control characters', () => {
    assert.equal(formatChallenge({ realm: 'a"b\\c', service: 's' }), 'Bearer realm="a\\"b\\\\c",service="s"');
    assert.throws(() => formatChallenge({ realm: 'a\r\nX-Evil: 1', service: 's' }), TypeError);
  });
});
