import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { digestOf, type Digest } from '../oci/digest.ts';
import type { TagChangeKind } from './tag-change.ts';
import { digestsInHistory, tagLineage } from './tag-history.ts';

const A = digestOf(Buffer.from('a'));
const B = digestOf(Buffer.from('b'));
const C = digestOf(Buffer.from('c'));
const D = digestOf(Buffer.from('d'));

const move = (how: TagChangeKind, to?: Digest, from?: Digest) => ({ how, ...(to ? { to } : {}), ...(from ? { from } : {}) });

describe('tag lineage', () => {
  it('pushes stack up in order', () => {
    assert.deepEqual(tagLineage([move('push', A), move('push', B, A), move('push', C, B)], C), [A, B, C]);
  });

  it('repeated rollbacks keep going back instead of toggling', () => {
    const entries = [move('push', A), move('push', B, A), move('push', C, B), move('rollback', B, C)];
    assert.deepEqual(tagLineage(entries, B), [A, B]);
    assert.deepEqual(tagLineage([...entries, move('rollback', A, B)], A), [A]);
  });

  it('a push after a rollback goes on top of the rolled-back lineage', () => {
    const entries = [move('push', A), move('push', B, A), move('push', C, B), move('rollback', B, C), move('push', D, B)];
    assert.deepEqual(tagLineage(entries, D), [A, B, D]);
  });

  it('a re-push of an older digest makes the digest it replaced the previous one', () => {
    assert.deepEqual(tagLineage([move('push', A), move('push', B, A), move('push', A, B)], A), [A, B, A]);
  });

  it('a rollback --to a digest outside the lineage goes on top', () => {
    assert.deepEqual(tagLineage([move('push', A), move('promotion', B, A), move('rollback', C, B)], C), [A, B, C]);
  });

  it('a delete keeps the lineage; its top is what a restore brings back', () => {
    const entries = [move('push', A), move('push', B, A), move('delete', undefined, B)];
    assert.deepEqual(tagLineage(entries), [A, B]);
    assert.deepEqual(tagLineage([...entries, move('restore', B)], B), [A, B]);
    assert.deepEqual(tagLineage([...entries, move('restore', A)], A), [A]);
  });

  it('a current digest the history does not know is put on top', () => {
    assert.deepEqual(tagLineage([], A), [A]);
    assert.deepEqual(tagLineage([move('push', A)], B), [A, B]);
  });

  it('digestsInHistory collects both ends of every move', () => {
    assert.deepEqual([...digestsInHistory([move('push', A), move('push', B, A), move('delete', undefined, C)])].sort(), [A, B, C].sort());
  });
});
