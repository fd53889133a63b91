import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAuthChallenges } from './auth-challenge.ts';

describe('parseAuthChallenges', () => {
  it('keeps commas inside a quoted Docker scope', () => {
    assert.deepEqual(parseAuthChallenges('Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push repository:c:pull"'), [
      { scheme: 'bearer', params: { realm: 'https://auth.example/token', service: 'registry.example', scope: 'repository:a/b:pull,push repository:c:pull' } },
    ]);
  });

  it('reads Basic challenges, bare schemes, unquoted values and several challenges in one header', () => {
    assert.deepEqual(parseAuthChallenges('Basic realm="Registry Realm"'), [{ scheme: 'basic', params: { realm: 'Registry Realm' } }]);
    assert.deepEqual(parseAuthChallenges('Basic'), [{ scheme: 'basic', params: {} }]);
    assert.deepEqual(parseAuthChallenges('Basic realm="x", Bearer realm="y",service=z'), [
      { scheme: 'basic', params: { realm: 'x' } },
      { scheme: 'bearer', params: { realm: 'y', service: 'z' } },
    ]);
  });

  it('returns nothing for an empty header', () => {
    assert.deepEqual(parseAuthChallenges(''), []);
  });
});
