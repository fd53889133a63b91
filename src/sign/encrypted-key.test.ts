import assert from 'node:assert/strict';
import { createPrivateKey, generateKeyPairSync, scryptSync } from 'node:crypto';
import { describe, it } from 'node:test';
import nacl from 'tweetnacl';
import { isBerthError } from '../errors/berth-error.ts';
import { decryptPrivateKey, encryptPrivateKey } from './encrypted-key.ts';

const FAST = { N: 1024, r: 8, p: 1 };

describe('cosign encrypted key format', () => {
  const pkcs8 = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ format: 'der', type: 'pkcs8' });

  it('writes the JSON document cosign writes, which tweetnacl secretbox opens with the scrypt key', async () => {
    const json = await encryptPrivateKey(pkcs8, 'pw', FAST);
    const doc = JSON.parse(json.toString('utf8'));
    assert.deepEqual(doc.kdf.params, FAST);
    assert.equal(doc.kdf.name, 'scrypt');
    assert.equal(doc.cipher.name, 'nacl/secretbox');
    assert.equal(Buffer.from(doc.kdf.salt, 'base64').length, 32);
    const key = scryptSync('pw', Buffer.from(doc.kdf.salt, 'base64'), 32, FAST);
    const opened = nacl.secretbox.open(Buffer.from(doc.ciphertext, 'base64'), Buffer.from(doc.cipher.nonce, 'base64'), key);
    assert.deepEqual(Buffer.from(opened!), pkcs8);
  });

  it('reads a document tweetnacl sealed, and refuses a wrong password', async () => {
    const salt = Buffer.alloc(32, 7);
    const nonce = Buffer.alloc(24, 9);
    const ciphertext = nacl.secretbox(pkcs8, nonce, scryptSync('', salt, 32, FAST));
    const json = Buffer.from(JSON.stringify({ kdf: { name: 'scrypt', params: FAST, salt: salt.toString('base64') }, cipher: { name: 'nacl/secretbox', nonce: nonce.toString('base64') }, ciphertext: Buffer.from(ciphertext).toString('base64') }));
    const der = await decryptPrivateKey(json, '');
    assert.equal(createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }).asymmetricKeyType, 'ec');
    await assert.rejects(decryptPrivateKey(json, 'guess'), (err) => isBerthError(err, 'BAD_REQUEST') && /wrong password/.test(err.message));
  });

  it('refuses scrypt parameters that would exhaust memory, and other ciphers', async () => {
    const doc = JSON.parse((await encryptPrivateKey(pkcs8, 'pw', FAST)).toString('utf8'));
    const huge = Buffer.from(JSON.stringify({ ...doc, kdf: { ...doc.kdf, params: { N: 1 << 24, r: 8, p: 1 } } }));
    await assert.rejects(decryptPrivateKey(huge, 'pw'), /out of range/);
    const other = Buffer.from(JSON.stringify({ ...doc, cipher: { ...doc.cipher, name: 'aes-gcm' } }));
    await assert.rejects(decryptPrivateKey(other, 'pw'), /unsupported key encryption/);
    await assert.rejects(decryptPrivateKey(Buffer.from('not json'), 'pw'), /not the JSON document/);
  });
});
