/** A local HTTP server with OSV's bucket layout, for tests (the internet is the one thing tests stand in for). */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join, normalize } from 'node:path';

export interface BucketServer {
  url: string;
  /** Paths requested so far (decoded), in order. */
  requests: string[];
  close(): Promise<void>;
}

/** Serves files under `root` read-only; 404 for anything else. */
export async function startBucketServer(root: string): Promise<BucketServer> {
  const requests: string[] = [];
  const server: Server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push(path);
    const file = normalize(join(root, path));
    if (!file.startsWith(root)) return res.writeHead(400).end();
    try {
      const info = await stat(file);
      if (!info.isFile()) throw new Error('not a file');
      res.writeHead(200, { 'content-length': info.size });
      createReadStream(file).pipe(res);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
