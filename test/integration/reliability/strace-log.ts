import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';

/** One system call as strace logged it: where it entered and where it returned, in the log's order. */
export interface TracedCall {
  name: string;
  /** The arguments as printed, with `-yy` paths after fds (`5</data/uploads/...>`). */
  args: string;
  result: string;
  /** Position of its entry and of its return among all logged events (entry < exit). */
  enteredAt: number;
  returnedAt: number;
}

/**
 * A process traced with `strace -f -yy` while a test drives it. The log's order is causal: a traced thread
 * stays stopped at each syscall exit until strace has logged it, so a call that completes before another
 * thread can learn of it (an fsync before the response write it gates) is logged before that thread's call.
 */
export class StraceSession {
  private constructor(private readonly child: ChildProcess, private readonly logPath: string) {}

  /** Attaches to every thread of `pid`; resolves once strace says it is attached. Fails when strace is missing. */
  static async attach(pid: number, logPath: string, syscalls: string[]): Promise<StraceSession> {
    const probe = spawnSync('strace', ['-V']);
    if (probe.error) throw new Error(`strace is required for this test (apt-get install strace): ${probe.error.message}`);
    const child = spawn('strace', ['-f', '-yy', '-s', '2000', '-o', logPath, '-e', `trace=${syscalls.join(',')}`, '-p', String(pid)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    await new Promise<void>((resolve, reject) => {
      child.stderr!.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (/attached/.test(stderr)) resolve();
      });
      child.once('exit', (code) => reject(new Error(`strace exited (${code}) before attaching: ${stderr}`)));
    });
    return new StraceSession(child, logPath);
  }

  /** Detaches and returns every completed call in log order. */
  async finish(): Promise<TracedCall[]> {
    const exited = once(this.child, 'exit');
    this.child.kill('SIGINT');
    await exited;
    return parseStrace(await readFile(this.logPath, 'utf8'));
  }
}

const COMPLETE = /^(\d+)\s+(\w+)\((.*)\)\s+=\s+(.+)$/;
const UNFINISHED = /^(\d+)\s+(\w+)\((.*?)\s*<unfinished \.\.\.>$/;
const RESUMED = /^(\d+)\s+<\.\.\. (\w+) resumed>(.*)\)\s+=\s+(.+)$/;

/** Parses `strace -f -o` output (no timestamps) into calls; signals and exit notices are skipped. */
export function parseStrace(log: string): TracedCall[] {
  const calls: TracedCall[] = [];
  const pending = new Map<string, { name: string; args: string; enteredAt: number }>();
  log.split('\n').forEach((line, index) => {
    let m = UNFINISHED.exec(line);
    if (m) {
      pending.set(m[1]!, { name: m[2]!, args: m[3]!, enteredAt: index });
      return;
    }
    m = RESUMED.exec(line);
    if (m) {
      const start = pending.get(m[1]!);
      pending.delete(m[1]!);
      if (start && start.name === m[2]) calls.push({ name: start.name, args: start.args + m[3]!, result: m[4]!, enteredAt: start.enteredAt, returnedAt: index });
      return;
    }
    m = COMPLETE.exec(line);
    if (m) calls.push({ name: m[2]!, args: m[3]!, result: m[4]!, enteredAt: index, returnedAt: index });
  });
  return calls;
}

/** The path strace -yy printed for the first fd argument (`12</some/path>` -> `/some/path`). */
export function fdPath(call: TracedCall): string | undefined {
  return /^\d+<([^>]*)>/.exec(call.args)?.[1];
}

/** The quoted paths among a call's arguments (rename's source and target). */
export function quotedPaths(call: TracedCall): string[] {
  return [...call.args.matchAll(/"([^"]*)"/g)].map((m) => m[1]!);
}
