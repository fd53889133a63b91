/**
 * What one small blob push costs the server, counted rather than timed (the machine is shared, so wall-clock
 * rates alone mislead): system calls by name (strace -f -c attached to the server only while it serves the
 * pushes) and SQL statements executed (better-sqlite3 statements counted in the server process).
 *
 *   node --import tsx bench/small-blob-cost.ts [--count=500] [--size=4096] [--conc=16] [--mode=post-put|post-digest] [--cpu-prof=DIR] [--no-strace]
 *
 * `--cpu-prof=DIR` also writes the server's CPU profile there. Needs strace. Berth runs in a child process (in-process startTestBerth, SQLite + filesystem, auth off), so the
 * counts hold only the server's work, not the client's.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request as httpRequest } from 'node:http';

const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=') as [string, string]));

async function serve(): Promise<void> {
  const { default: SQLite } = await import('better-sqlite3');
  const probe = new SQLite(':memory:');
  const proto = Object.getPrototypeOf(probe.prepare('select 1')) as Record<string, (...a: unknown[]) => unknown>;
  probe.close();
  const bySql = new Map<string, number>();
  let total = 0;
  let cpuAtReset = process.cpuUsage();
  for (const method of ['run', 'get', 'all', 'iterate']) {
    const original = proto[method]!;
    proto[method] = function (this: { source: string }, ...a: unknown[]) {
      total++;
      const key = this.source.replace(/\s+/g, ' ').slice(0, 70);
      bySql.set(key, (bySql.get(key) ?? 0) + 1);
      return original.apply(this, a);
    };
  }
  const { startTestBerth } = await import('../test/helpers/berth-server.ts');
  const berth = await startTestBerth({}, { open: true });
  process.stdout.write(`READY ${berth.url}\n`);
  for await (const line of createInterface({ input: process.stdin })) {
    if (line === 'reset') {
      total = 0;
      bySql.clear();
      cpuAtReset = process.cpuUsage();
      process.stdout.write('OK\n');
    } else if (line === 'count') {
      const cpu = process.cpuUsage(cpuAtReset);
      process.stdout.write(`COUNT ${JSON.stringify({ total, cpuMs: (cpu.user + cpu.system) / 1000, bySql: Object.fromEntries([...bySql].sort((a, b) => b[1] - a[1])) })}\n`);
    } else if (line === 'stop') {
      await berth.stop();
      process.exit(0);
    }
  }
}

function lines(child: ChildProcess): (prefix: string) => Promise<string> {
  const queue: string[] = [];
  const waiters: Array<(l: string) => void> = [];
  createInterface({ input: child.stdout! }).on('line', (l) => (waiters.length ? waiters.shift()!(l) : queue.push(l)));
  return async (prefix) => {
    for (;;) {
      const l = queue.length ? queue.shift()! : await new Promise<string>((r) => waiters.push(r));
      if (l.startsWith(prefix)) return l.slice(prefix.length).trim();
    }
  };
}

interface Reply {
  statusCode: number;
  location?: string;
}

function request(url: string | URL, opts: { method: string; body?: Buffer; agent: Agent }): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: opts.method, agent: opts.agent, headers: { 'content-type': 'application/octet-stream', 'content-length': opts.body?.length ?? 0 } }, (res) => {
      res.resume();
      res.once('end', () => resolve({ statusCode: res.statusCode ?? 0, ...(res.headers.location ? { location: res.headers.location } : {}) }));
    });
    req.once('error', reject);
    req.end(opts.body);
  });
}

async function push(url: string, count: number, size: number, conc: number, mode: string): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: conc });
  const blobs = Array.from({ length: count }, () => randomBytes(size));
  let next = 0;
  let failures = 0;
  const worker = async () => {
    while (next < count) {
      const body = blobs[next++]!;
      const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
      if (mode === 'post-digest') {
        const res = await request(`${url}/v2/cost/small/blobs/uploads/?digest=${digest}`, { method: 'POST', body, agent });
        if (res.statusCode !== 201) failures++;
        continue;
      }
      const started = await request(`${url}/v2/cost/small/blobs/uploads/`, { method: 'POST', agent });
      const location = new URL(String(started.location), url);
      location.searchParams.set('digest', digest);
      const done = await request(location, { method: 'PUT', body, agent });
      if (done.statusCode !== 201) failures++;
    }
  };
  await Promise.all(Array.from({ length: conc }, worker));
  agent.destroy();
  return failures;
}

async function measure(): Promise<void> {
  const count = Number(args.get('count') ?? 500);
  const size = Number(args.get('size') ?? 4096);
  const conc = Number(args.get('conc') ?? 16);
  const mode = args.get('mode') ?? 'post-put';
  const profile = args.has('cpu-prof') ? ['--cpu-prof', `--cpu-prof-dir=${args.get('cpu-prof') ?? '.'}`] : [];
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', new URL(import.meta.url).pathname, '--serve'], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, UV_THREADPOOL_SIZE: process.env.UV_THREADPOOL_SIZE ?? '16' } });
  const next = lines(child);
  const url = await next('READY');
  await push(url, 50, size, conc, mode); // warm: statement cache, prefix folders, JIT
  child.stdin!.write('reset\n');
  await next('OK');
  const out = join(tmpdir(), `small-blob-cost-${process.pid}.strace`);
  const tracer = args.has('no-strace') ? undefined : spawn('strace', ['-f', '-c', '-o', out, '-p', String(child.pid)], { stdio: 'inherit' });
  if (tracer) await new Promise((r) => setTimeout(r, 1500)); // strace attaches every thread
  const startedAt = process.hrtime.bigint();
  const failures = await push(url, count, size, conc, mode);
  const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
  if (tracer) {
    tracer.kill('SIGINT');
    await new Promise((r) => tracer.once('exit', r));
  }
  child.stdin!.write('count\n');
  const sql = JSON.parse(await next('COUNT')) as { total: number; cpuMs: number; bySql: Record<string, number> };
  child.stdin!.write('stop\n');
  await new Promise((r) => child.once('exit', r));
  const table = tracer ? await readFile(out, 'utf8') : '';
  await rm(out, { force: true });
  const calls = new Map<string, number>();
  for (const row of table.split('\n')) {
    const m = /^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?(\w+)\s*$/.exec(row);
    if (m) calls.set(m[2]!, Number(m[1]));
  }
  const per = (n: number) => (n / count).toFixed(2);
  console.log(`${count} blobs of ${size} B, ${mode}, ${conc} at once; ${failures} failed; ${(count / seconds).toFixed(0)} blobs/s${tracer ? ' under strace' : ''} (shared machine: indicative only)`);
  console.log(`server CPU per blob: ${(sql.cpuMs / count).toFixed(3)} ms (user + system, all threads)${tracer ? ', inflated by strace' : ''}`);
  console.log('system calls per blob (server):');
  for (const [name, n] of [...calls].sort((a, b) => b[1] - a[1])) if (n / count >= 0.05) console.log(`  ${name.padEnd(16)} ${per(n)}`);
  const fileOps = ['openat', 'close', 'statx', 'newfstatat', 'fstat', 'lstat', 'stat', 'mkdir', 'rename', 'renameat', 'renameat2', 'unlink', 'unlinkat', 'fsync', 'fdatasync', 'pwrite64', 'pwritev', 'writev', 'write', 'pread64', 'read', 'ftruncate', 'fchmod'];
  const fsyncs = (calls.get('fsync') ?? 0) + (calls.get('fdatasync') ?? 0);
  console.log(`  (fsync+fdatasync ${per(fsyncs)}; openat ${per(calls.get('openat') ?? 0)}; listed file-ish calls ${per(fileOps.reduce((s, k) => s + (calls.get(k) ?? 0), 0))})`);
  console.log(`SQL statements per blob: ${per(sql.total)}`);
  for (const [text, n] of Object.entries(sql.bySql)) console.log(`  ${per(n).padStart(5)}  ${text}`);
}

if (args.has('serve')) await serve();
else await measure();
