import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import { cachingStatements } from './statement-cache.ts';

describe('cachingStatements', () => {
  it('reuses a prepared statement for the same SQL and binds new parameters each time', () => {
    const raw = new SQLite(':memory:');
    const db = cachingStatements(raw);
    db.prepare('create table t (k text primary key, v integer)').run([]);
    db.prepare('insert into t values (?, ?)').run(['a', 1]);
    db.prepare('insert into t values (?, ?)').run(['b', 2]);
    const first = db.prepare('select v from t where k = ?');
    assert.equal(db.prepare('select v from t where k = ?'), first);
    assert.deepEqual(first.all(['a']), [{ v: 1 }]);
    assert.deepEqual(db.prepare('select v from t where k = ?').all(['b']), [{ v: 2 }]);
    db.close();
  });

  it('hands out a fresh statement while the cached one is busy in an open iterate()', () => {
    const raw = new SQLite(':memory:');
    const db = cachingStatements(raw);
    db.prepare('create table t (v integer)').run([]);
    for (let i = 0; i < 3; i++) db.prepare('insert into t values (?)').run([i]);
    const sql = 'select v from t order by v';
    const iter = db.prepare(sql).iterate([]);
    assert.deepEqual(iter.next().value, { v: 0 });
    // The same SQL again while the first is mid-iteration: must not throw "statement is busy".
    assert.deepEqual(db.prepare(sql).all([]), [{ v: 0 }, { v: 1 }, { v: 2 }]);
    assert.deepEqual([...iter], [{ v: 1 }, { v: 2 }]);
    db.close();
  });
});
