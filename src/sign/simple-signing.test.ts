import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildSimpleSigningPayload, parseSimpleSigningPayload, referenceMatches } from './simple-signing.ts';

const DIGEST = `sha256:${'a'.repeat(64)}`;

describe('cosign simple-signing payload', () => {
  it('is built as cosign marshals it: critical first, optional null without annotations, sorted keys with them', () => {
    assert.equal(
      buildSimpleSigningPayload('r.example:5000/p/app', DIGEST).toString(),
      `{"critical":{"identity":{"docker-reference":"r.example:5000/p/app"},"image":{"docker-manifest-digest":"${DIGEST}"},"type":"cosign container image signature"},"optional":null}`,
    );
    assert.match(buildSimpleSigningPayload('h/r', DIGEST, { b: '2', a: '1' }).toString(), /"optional":\{"a":"1","b":"2"\}\}$/);
  });

  it('parses field names case-insensitively, as Go does (the spec spells Docker-manifest-digest)', () => {
    const parsed = parseSimpleSigningPayload(Buffer.from(JSON.stringify({ critical: { identity: { 'docker-reference': 'h/r' }, image: { 'Docker-manifest-digest': DIGEST }, type: 'cosign container image signature' }, optional: { creator: 'atomic' } })));
    assert.deepEqual(parsed, { dockerReference: 'h/r', manifestDigest: DIGEST, type: 'cosign container image signature', optional: { creator: 'atomic' } });
  });

  it('says why a payload is not one', () => {
    assert.equal(parseSimpleSigningPayload(Buffer.from('{')), 'the payload is not JSON');
    assert.equal(parseSimpleSigningPayload(Buffer.from('{"critical":{"image":{}}}')), 'the payload names no critical.image.docker-manifest-digest');
    assert.match(parseSimpleSigningPayload(Buffer.from(`{"critical":{"image":{"docker-manifest-digest":"${DIGEST}"},"type":"atomic container signature"}}`)) as string, /payload type is "atomic container signature"/);
  });

  it('matches a docker-reference on registry and repository, ignoring a tag or digest', () => {
    assert.ok(referenceMatches('Reg.Example:5000/p/app', 'reg.example:5000', 'p/app'));
    assert.ok(referenceMatches('reg.example:5000/p/app:v1', 'reg.example:5000', 'p/app'));
    assert.ok(referenceMatches(`reg.example:5000/p/app@${DIGEST}`, 'reg.example:5000', 'p/app'));
    assert.ok(!referenceMatches('reg.example:5000/p/other', 'reg.example:5000', 'p/app'));
    assert.ok(!referenceMatches('other:5000/p/app', 'reg.example:5000', 'p/app'));
    assert.ok(!referenceMatches('p/app', 'reg.example:5000', 'p/app'));
  });
});
