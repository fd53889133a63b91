import type { Command } from 'commander';
import { ConfigError, loadConfig } from '../config/config.load.ts';
import { EXIT } from './exit-codes.ts';

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('run the Berth server (registry API, health endpoints)')
    .option('-c, --config <file>', 'YAML configuration file (default: $BERTH_CONFIG)')
    .option('-l, --listen <host:port>', 'address to listen on (default 127.0.0.1:5000; config key "listen")')
    .option('-d, --data <dir>', 'data directory for the embedded stores (default ./data; config key "data")')
    .addHelpText(
      'after',
      `
Configuration is read from defaults < the YAML file < BERTH_* environment variables < these flags.
Environment variables nest with "__": BERTH_LOG__LEVEL=debug, BERTH_METADATA__DRIVER=postgres,
BERTH_METADATA__URL=postgres://..., BERTH_UPLOADS__EXPIRE_AFTER=12h. See README.md for every key.

Exit codes:
  0  stopped cleanly (SIGINT/SIGTERM)
  2  invalid configuration (every problem is listed)
  3  could not start (address in use, data directory not writable, database unreachable)`,
    )
    .action(async (opts: { config?: string; listen?: string; data?: string }) => {
      let config;
      try {
        config = loadConfig({
          ...(opts.config ?? process.env.BERTH_CONFIG ? { file: opts.config ?? process.env.BERTH_CONFIG } : {}),
          overrides: { ...(opts.listen ? { listen: opts.listen } : {}), ...(opts.data ? { data: opts.data } : {}) },
        });
      } catch (err) {
        if (err instanceof ConfigError) {
          process.stderr.write(`berth: ${err.message}\n`);
          process.exit(EXIT.CONFIG);
        }
        throw err;
      }
      let berth;
      try {
        // Loaded here, not at the top: every other command would otherwise load the whole server on start.
        const { startBerth } = await import('../main.ts');
        berth = await startBerth(config);
      } catch (err) {
        process.stderr.write(`berth: could not start: ${(err as Error).message}\n`);
        process.exit(EXIT.UNAVAILABLE);
      }
      const stop = (signal: string) => {
        berth.log.info({ signal }, 'shutting down');
        berth.close().then(
          () => process.exit(EXIT.OK),
          (err: unknown) => {
            berth.log.error({ err }, 'shutdown failed');
            process.exit(EXIT.FAILURE);
          },
        );
      };
      process.once('SIGINT', () => stop('SIGINT'));
      process.once('SIGTERM', () => stop('SIGTERM'));
    });
}
