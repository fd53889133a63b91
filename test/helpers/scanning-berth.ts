import { RegistryClient } from '../../src/cli/registry-client.ts';
import { loadConfig } from '../../src/config/config.load.ts';
import { createLogger } from '../../src/log/logger.ts';
import { startBerth, type RunningBerth } from '../../src/main.ts';
import type { MemoryMatcher } from '../../src/scan/registry/scan-test-kit.ts';

/**
 * A real Berth without authentication whose registry scanning matches against `matcher` (an in-memory
 * VulnerabilityMatcher over OSV records written by the test), with its data in `dataDir`.
 */
export function startScanningBerth(dataDir: string, matcher: MemoryMatcher, workers = 1): Promise<RunningBerth> {
  const config = loadConfig({ env: {}, overrides: { listen: '127.0.0.1:0', data: dataDir, log: { level: 'silent' }, auth: { enabled: false }, scan: { workers } } });
  return startBerth(config, { log: createLogger(process.env.BERTH_TEST_LOG ?? 'silent'), matcher });
}

/** An anonymous registry client of that Berth (everyone may push). */
export function anonymousClient(berth: RunningBerth): RegistryClient {
  return new RegistryClient({ host: new URL(berth.url).host, baseUrl: berth.url }, undefined);
}
