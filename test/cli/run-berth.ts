import { spawn } from 'node:child_process';
import { BERTH_BIN } from '../helpers/berth-bin.ts';

/** tsx compiles the CLI on each start; on two shared cores under a parallel suite that can take a while. */
const RUN_TIMEOUT_MS = 120_000;

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `node bin/berth.js ...args` as a child process (asynchronously: the Berth under test may live in this
 * process). The environment is this process's without BERTH_* and XDG_CONFIG_HOME, plus `env`; stdin gets
 * `stdin` (or is closed). With `isTerminal` it runs under a pseudo-terminal (util-linux `script`), where stdout
 * and stderr arrive merged on `stdout`; otherwise nothing is a terminal and progress stays off.
 */
export function runBerth(args: string[], opts: { env?: Record<string, string>; stdin?: string; isTerminal?: boolean } = {}): Promise<CliRun> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('BERTH_') && k !== 'XDG_CONFIG_HOME'));
  const quoted = [process.execPath, BERTH_BIN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  // util-linux `script` runs the command on a pseudo-terminal: stdout and stderr both arrive on its stdout.
  const [file, argv] = opts.isTerminal ? ['script', ['-qec', quoted, '/dev/null']] : [process.execPath, [BERTH_BIN, ...args]];
  const child = spawn(file, argv, { env: { ...base, ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  child.stdin.end(opts.stdin ?? '');
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`berth ${args.join(' ')} did not finish within ${RUN_TIMEOUT_MS} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, RUN_TIMEOUT_MS);
    child.once('error', (err) => reject(new Error(`cannot run ${file} (for a terminal: apt-get install util-linux): ${err.message}`)));
    child.once('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

/** Parses the stdout of a `--json` run, failing with the whole run in the message when it is not JSON. */
export function jsonOf<T = Record<string, unknown>>(run: CliRun): T {
  try {
    return JSON.parse(run.stdout) as T;
  } catch {
    throw new Error(`not JSON (exit ${run.code})\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
  }
}
