import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromStorePage, pageArray, storePage } from './list-page.ts';

describe('list pages', () => {
  const items = ['d', 'a', 'c', 'b', 'e'];
  const id = (s: string) => s;

  it('pageArray sorts by key and continues after the cursor until the last page', () => {
    const first = pageArray(items, id, { limit: 2 });
    assert.deepEqual(first, { items: ['a', 'b'], next: 'b' });
    const second = pageArray(items, id, { limit: 2, cursor: first.next! });
    assert.deepEqual(second, { items: ['c', 'd'], next: 'd' });
    assert.deepEqual(pageArray(items, id, { limit: 2, cursor: 'd' }), { items: ['e'], next: null });
    assert.deepEqual(pageArray(items, id, { limit: 5 }), { items: ['a', 'b', 'c', 'd', 'e'], next: null });
  });

  it('pageArray pages newest first when descending, and a cursor of a removed item still works', () => {
    assert.deepEqual(pageArray(items, id, { limit: 2 }, true), { items: ['e', 'd'], next: 'd' });
    assert.deepEqual(pageArray(['a', 'b', 'e'], id, { limit: 2, cursor: 'd' }, true), { items: ['b', 'a'], next: null });
    assert.deepEqual(pageArray(['a', 'c', 'e'], id, { limit: 5, cursor: 'b' }), { items: ['c', 'e'], next: null });
  });

  it('store pages map to { items, next } with the last key as cursor only when more follow', () => {
    assert.deepEqual(storePage({ limit: 3, cursor: 'x' }), { n: 3, last: 'x' });
    assert.deepEqual(storePage({ limit: 3 }), { n: 3 });
    const rows = [{ name: 'a' }, { name: 'b' }];
    assert.deepEqual(fromStorePage({ items: rows, hasMore: true }, (r) => r.name, (r) => r.name.toUpperCase()), { items: ['A', 'B'], next: 'b' });
    assert.deepEqual(fromStorePage({ items: rows, hasMore: false }, (r) => r.name, (r) => r.name), { items: ['a', 'b'], next: null });
  });
});
