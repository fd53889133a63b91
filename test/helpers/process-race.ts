import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Starts one Node process per entry of `argsPerProcess`, each running the ES module `script` (TypeScript
 * imports work) with those arguments. The script prints "ready" once set up, waits for a line on stdin, then
 * does its work and prints one line of outcome. All processes are released at once, so their work races;
 * resolves to each process's outcome line, in order.
 */
export async function raceProcesses(script: string, argsPerProcess: string[][]): Promise<string[]> {
  const children = argsPerProcess.map((args) =>
    spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, ...args], { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'inherit'] }));
  const lines = children.map((child) => createInterface({ input: child.stdout })[Symbol.asyncIterator]());
  for (const next of lines) assert.equal((await next.next()).value, 'ready');
  for (const child of children) child.stdin.end('go\n');
  return Promise.all(lines.map(async (next) => String((await next.next()).value)));
}
