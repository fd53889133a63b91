import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { digestOf } from '../oci/digest.ts';
import { parseRepoName } from '../oci/names.ts';
import { sqliteDialect } from './dialects/sqlite.dialect.ts';
import { describeMetaStore } from './meta-store.contract.ts';
import { openMetaStore } from './meta-store.ts';
import { sqliteStores } from '../../test/helpers/sqlite-stores.ts';

const { root, make } = await sqliteStores('berth-sqlite-');

describeMetaStore('sqlite', make);

/**
 * A process that loads the store, says "ready", waits for "go" on stdin, then opens `path` (running the
 * migrations), links one blob and exits; it prints "ok" or the error.
 */
const CHILD = `
import { createInterface } from 'node:readline';
const { openMetaStore } = await import(${JSON.stringify(new URL('./meta-store.ts', import.meta.url).href)});
const { sqliteDialect } = await import(${JSON.stringify(new URL('./dialects/sqlite.dialect.ts', import.meta.url).href)});
const [path, name, digest] = process.argv.slice(1);
console.log('ready');
for await (const _ of createInterface({ input: process.stdin })) break;
try {
  const store = await openMetaStore(sqliteDialect({ path }));
  await store.blobs.link(name, digest, 7);
  await store.close();
  console.log('ok');
} catch (err) {
  console.log('error: ' + err.message);
}
`;

async function raceToOpen(path: string, processes: number): Promise<string[]> {
  const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
  const children = Array.from({ length: processes }, (_, i) =>
    spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', CHILD, path, `race/p${i}`, digestOf(Buffer.from(`p${i}`))], { cwd: repoRoot, stdio: ['pipe', 'pipe', 'inherit'] }));
  const lines = children.map((child) => createInterface({ input: child.stdout })[Symbol.asyncIterator]());
  for (const next of lines) assert.equal((await next.next()).value, 'ready');
  for (const child of children) child.stdin.end('go\n');
  return Promise.all(lines.map(async (next) => String((await next.next()).value)));
}

describe('sqlite across processes', () => {
  it('several processes opening a fresh database at once all migrate it and write to it', { timeout: 120_000 }, async () => {
    const path = join(root, 'race', 'berth.db');
    assert.deepEqual(await raceToOpen(path, 4), ['ok', 'ok', 'ok', 'ok']);
    const store = await openMetaStore(sqliteDialect({ path }));
    try {
      assert.deepEqual((await store.repositories.list({})).items, ['race/p0', 'race/p1', 'race/p2', 'race/p3']);
      assert.deepEqual(await store.blobs.findLinked(parseRepoName('race/p2'), digestOf(Buffer.from('p2'))), { sizeBytes: 7 });
    } finally {
      await store.close();
    }
  });
});
