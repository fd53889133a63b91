import type { FastifyInstance } from 'fastify';

export interface ReadinessCheck {
  name: string;
  /** Resolves when the dependency answers; throws otherwise. */
  ping(): Promise<void>;
}

/** `/healthz`: the process is alive. `/readyz`: every store answers (503 with the failing ones otherwise). */
export async function healthRoutes(app: FastifyInstance, opts: { checks: ReadinessCheck[] }): Promise<void> {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const results = await Promise.all(
      opts.checks.map(async (check) => {
        try {
          await check.ping();
          return [check.name, 'ok'] as const;
        } catch (err) {
          return [check.name, `failing: ${(err as Error).message}`] as const;
        }
      }),
    );
    const isReady = results.every(([, state]) => state === 'ok');
    await reply.code(isReady ? 200 : 503).send({ status: isReady ? 'ready' : 'not ready', checks: Object.fromEntries(results) });
  });
}
