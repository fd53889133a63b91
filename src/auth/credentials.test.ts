import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isBerthError } from '../errors/berth-error.ts';
import {
  basicCredentialsCacheKey, constantTimeEqual, formatBasicAuthorization, MAX_AUTHORIZATION_LENGTH, MAX_PASSWORD_BYTES, parseAuthorization,
} from './credentials.ts';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

function refused(header: string | string[], pattern: RegExp): void {
  assert.throws(() => parseAuthorization(header), (err) => isBerthError(err, 'UNAUTHORIZED') && err.status === 401 && pattern.test(err.message),
    `${JSON.stringify(header).slice(0, 80)} should be refused with ${pattern}`);
}

describe('parseAuthorization', () => {
  it('treats a missing header as anonymous', () => {
    assert.equal(parseAuthorization(undefined), undefined);
    assert.equal(parseAuthorization([]), undefined);
  });

  it('decodes Basic credentials, splitting at the first colon only', () => {
    assert.deepEqual(parseAuthorization(`Basic ${b64('alice:s3cret')}`), { scheme: 'basic', username: 'alice', password: 's3cret' });
    assert.deepEqual(parseAuthorization(`basic ${b64('robot$acme+ci:a:b:c')}`), { scheme: 'basic', username: 'robot$acme+ci', password: 'a:b:c' });
    assert.deepEqual(parseAuthorization(`BASIC ${b64('bob:')}`), { scheme: 'basic', username: 'bob', password: '' });
    assert.deepEqual(parseAuthorization(`Basic ${b64('zoë:pässwörd ✓')}`), { scheme: 'basic', username: 'zoë', password: 'pässwörd ✓' });
  });

  it('accepts base64 with or without padding', () => {
    const padded = b64('ab:c'); // 4 bytes -> 8 chars with '=='
    assert.ok(padded.endsWith('=='));
    assert.deepEqual(parseAuthorization(`Basic ${padded}`), { scheme: 'basic', username: 'ab', password: 'c' });
    assert.deepEqual(parseAuthorization(`Basic ${padded.replace(/=+$/, '')}`), { scheme: 'basic', username: 'ab', password: 'c' });
  });

  it('round-trips formatBasicAuthorization', () => {
    assert.deepEqual(parseAuthorization(formatBasicAuthorization('u', 'p:w')), { scheme: 'basic', username: 'u', password: 'p:w' });
  });

  it('returns Bearer tokens as given', () => {
    const jwt = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln-_';
    assert.deepEqual(parseAuthorization(`Bearer ${jwt}`), { scheme: 'bearer', token: jwt });
    assert.deepEqual(parseAuthorization(`bearer   ${jwt}`), { scheme: 'bearer', token: jwt });
  });

  it('refuses bad base64 instead of decoding the junk Buffer.from would skip', () => {
    refused('Basic !!!!', /base64/);
    refused(`Basic ${b64('a:b')}$`, /base64/);
    refused('Basic YWJj=', /base64/); // padding on a length that is not a multiple of 4
    refused('Basic Y', /base64/); // one leftover character encodes no byte
    refused('Basic YQ===', /base64/);
  });

  it('refuses credentials without a colon, with an empty or control-character user name', () => {
    refused(`Basic ${b64('alice')}`, /no colon/);
    refused(`Basic ${b64(':pw')}`, /empty user name/);
    refused(`Basic ${b64('al\nice:pw')}`, /control characters/);
    refused(`Basic ${b64('a\u0000:pw')}`, /control characters/);
  });

  it('refuses invalid UTF-8', () => {
    refused(`Basic ${Buffer.from([0x61, 0x3a, 0xff, 0xfe]).toString('base64')}`, /UTF-8/);
  });

  it('refuses oversize values before decoding them', () => {
    refused(`Bearer ${'a'.repeat(MAX_AUTHORIZATION_LENGTH)}`, /too long/);
    refused(`Basic ${b64(`u:${'p'.repeat(MAX_PASSWORD_BYTES + 1)}`)}`, /password too long/);
    refused(`Basic ${b64(`${'u'.repeat(257)}:p`)}`, /user name too long/);
    assert.equal((parseAuthorization(`Basic ${b64(`u:${'p'.repeat(MAX_PASSWORD_BYTES)}`)}`) as { password: string }).password.length, MAX_PASSWORD_BYTES);
  });

  it('refuses unknown schemes, missing credentials, repeated headers and bad token characters', () => {
    refused('Digest username="a"', /expected|unsupported/);
    refused('Negotiate abc', /unsupported scheme/);
    refused('Basic', /expected/);
    refused('Bearer ', /expected/);
    refused('Bearer a b', /expected/);
    refused('Bearer a"b', /token68/);
    refused([`Basic ${b64('a:b')}`, 'Bearer x'], /more than one/);
  });
});

describe('constantTimeEqual', () => {
  it('is true only for identical strings', () => {
    assert.equal(constantTimeEqual('secret', 'secret'), true);
    assert.equal(constantTimeEqual('', ''), true);
    assert.equal(constantTimeEqual('secret', 'secreT'), false);
    assert.equal(constantTimeEqual('secret', 'secret '), false);
    assert.equal(constantTimeEqual('secret', ''), false);
    assert.equal(constantTimeEqual('é', 'e\u0301'), false);
  });
});

describe('basicCredentialsCacheKey', () => {
  it('is stable for the same credentials and differs when either part differs', () => {
    const key = basicCredentialsCacheKey('alice', 'pw');
    assert.equal(basicCredentialsCacheKey('alice', 'pw'), key);
    assert.notEqual(basicCredentialsCacheKey('alice', 'pW'), key);
    assert.notEqual(basicCredentialsCacheKey('alicE', 'pw'), key);
    // The separator keeps the split unambiguous.
    assert.notEqual(basicCredentialsCacheKey('ab', 'c'), basicCredentialsCacheKey('a', 'bc'));
  });

  it('does not contain the password or a plain hash of it', () => {
    const key = basicCredentialsCacheKey('alice', 'hunter2');
    assert.ok(!key.includes('hunter2'));
    assert.match(key, /^[A-Za-z0-9_-]{43}$/);
  });
});
