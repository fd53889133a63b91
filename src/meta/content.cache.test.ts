import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ContentCache } from './content.cache.ts';

describe('ContentCache', () => {
  it('drops the least recently used entries once the total passes the byte bound', () => {
    const cache = new ContentCache(100, 60);
    cache.set('a', Buffer.alloc(40, 'a'));
    cache.set('b', Buffer.alloc(40, 'b'));
    assert.equal(cache.get('a')?.toString(), 'a'.repeat(40)); // a is now the most recent
    cache.set('c', Buffer.alloc(40, 'c'));
    assert.equal(cache.get('b'), undefined);
    assert.equal(cache.get('a')?.length, 40);
    assert.equal(cache.get('c')?.length, 40);
    assert.equal(cache.sizeBytes, 80);
  });

  it('does not keep a value larger than the per-entry bound', () => {
    const cache = new ContentCache(100, 60);
    cache.set('big', Buffer.alloc(61));
    assert.equal(cache.get('big'), undefined);
    assert.equal(cache.sizeBytes, 0);
  });
});
