import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isBerthError } from '../errors/berth-error.ts';
import { digestAlgorithm, digestHex, digestOf, hasherDigest, isDigest, newHasher, parseDigest } from './digest.ts';
import { EMPTY_BLOB } from './media-types.ts';

const SHA256_EMPTY = 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const SHA256_ABC = 'sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
const SHA512_ABC = 'sha512:ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f';

describe('digests', () => {
  it('accepts well-formed sha256 and sha512 digests', () => {
    for (const raw of [SHA256_EMPTY, SHA256_ABC, SHA512_ABC, `sha256:${'0'.repeat(64)}`]) {
      assert.equal(isDigest(raw), true, raw);
      assert.equal(parseDigest(raw), raw);
    }
  });

  it('rejects malformed digests with DIGEST_INVALID', () => {
    const bad = [
      '', 'sha256', 'sha256:', ':abc', SHA256_ABC.toUpperCase(), `SHA256:${SHA256_ABC.slice(7)}`, `sha256:${'A'.repeat(64)}`,
      SHA256_ABC.slice(0, -1), `${SHA256_ABC}0`, `sha512:${SHA256_ABC.slice(7)}`, `sha256:${SHA512_ABC.slice(7)}`,
      `sha384:${'a'.repeat(96)}`, `md5:${'a'.repeat(32)}`, `sha256:${'g'.repeat(64)}`, ` ${SHA256_ABC}`, `${SHA256_ABC}\n`,
      `sha256+b64u:${'a'.repeat(64)}`, `sha256:${'a'.repeat(32)}:${'a'.repeat(31)}`, `sha256/${SHA256_ABC.slice(7)}`,
    ];
    for (const raw of bad) {
      assert.equal(isDigest(raw), false, JSON.stringify(raw));
      assert.throws(() => parseDigest(raw), (err) => isBerthError(err, 'DIGEST_INVALID'), JSON.stringify(raw));
    }
  });

  it('keeps at most 200 characters of a rejected digest in the error detail', () => {
    const huge = `sha256:${'z'.repeat(10_000)}`;
    assert.throws(() => parseDigest(huge), (err) => isBerthError(err, 'DIGEST_INVALID') && String(err.detail?.digest).length === 200);
  });

  it('computes digests matching the published test vectors', () => {
    assert.equal(digestOf(Buffer.alloc(0)), SHA256_EMPTY);
    assert.equal(digestOf(Buffer.from('abc')), SHA256_ABC);
    assert.equal(digestOf(Buffer.from('abc'), 'sha512'), SHA512_ABC);
    assert.equal(digestOf(EMPTY_BLOB.content), EMPTY_BLOB.digest);
    assert.equal(EMPTY_BLOB.content.length, EMPTY_BLOB.sizeBytes);
  });

  it('a streaming hasher fed in pieces gives the same digest as hashing at once', () => {
    for (const algorithm of ['sha256', 'sha512'] as const) {
      const hasher = newHasher(algorithm);
      for (const piece of ['a', '', 'b', 'c']) hasher.update(piece);
      assert.equal(hasherDigest(hasher, algorithm), digestOf(Buffer.from('abc'), algorithm));
    }
    assert.equal(hasherDigest(newHasher().update('abc'), 'sha256'), SHA256_ABC);
  });

  it('splits a digest into algorithm and hex', () => {
    assert.equal(digestAlgorithm(parseDigest(SHA256_ABC)), 'sha256');
    assert.equal(digestHex(parseDigest(SHA256_ABC)), SHA256_ABC.slice(7));
    assert.equal(digestAlgorithm(parseDigest(SHA512_ABC)), 'sha512');
    assert.equal(digestHex(parseDigest(SHA512_ABC)).length, 128);
  });
});
