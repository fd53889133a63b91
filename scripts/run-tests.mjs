#!/usr/bin/env node
// Node 20's test runner takes no globs: find every *.test.ts under src/ and test/ (or under the folders
// given as arguments) and run them through tsx. Extra flags after `--` go to `node --test`.
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const dashDash = args.indexOf('--');
const roots = (dashDash === -1 ? args : args.slice(0, dashDash));
const passThrough = dashDash === -1 ? [] : args.slice(dashDash + 1);

function find(path) {
  if (statSync(path).isFile()) return path.endsWith('.test.ts') ? [path] : [];
  return readdirSync(path, { recursive: true })
    .filter((f) => f.endsWith('.test.ts') && !f.includes('node_modules'))
    .map((f) => join(path, f))
    .sort();
}

const files = (roots.length > 0 ? roots : ['src', 'test']).flatMap(find);
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
// Tests that run `berth` as a child process use the bundle `npm start` runs (built here from the same source),
// which starts in a fraction of the time tsx needs to compile the CLI on every start.
const build = spawnSync(process.execPath, [join(import.meta.dirname, 'build.mjs')], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
const env = { ...process.env, BERTH_TEST_BIN: join(import.meta.dirname, '..', 'bin', 'start.js') };
const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...passThrough, ...files], { stdio: 'inherit', env });
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
