import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isBerthError } from '../errors/berth-error.ts';
import { parseSourceReference } from './source-reference.ts';

describe('parseSourceReference', () => {
  it('reads skopeo transport names, the path ending at its first colon', () => {
    assert.deepEqual(parseSourceReference('oci:/srv/layout'), { transport: 'oci', dir: '/srv/layout', tag: undefined });
    assert.deepEqual(parseSourceReference('oci:layout:v1.2'), { transport: 'oci', dir: 'layout', tag: 'v1.2' });
    assert.deepEqual(parseSourceReference('docker-archive:/tmp/app.tar:library/app:3'), { transport: 'docker-archive', path: '/tmp/app.tar', tag: 'library/app:3' });
    assert.deepEqual(parseSourceReference('docker-archive:app.tar:'), { transport: 'docker-archive', path: 'app.tar', tag: undefined });
  });

  it('takes anything else as a registry reference', () => {
    assert.deepEqual(parseSourceReference('localhost:5000/team/app:v1'), { transport: 'registry', reference: 'localhost:5000/team/app:v1' });
    assert.deepEqual(parseSourceReference('team/oci:v1'), { transport: 'registry', reference: 'team/oci:v1' });
  });

  it('refuses a transport without a path', () => {
    assert.throws(() => parseSourceReference('oci:'), (err) => isBerthError(err, 'NAME_INVALID') && /oci:PATH\[:TAG\]/.test(err.message));
    assert.throws(() => parseSourceReference('docker-archive::tag'), (err) => isBerthError(err, 'NAME_INVALID'));
  });
});
