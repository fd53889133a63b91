import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DEFAULT_ALERT_RULES } from '../audit/alert-rules.ts';
import { ConfigError, configFromEnv, loadConfig } from './config.load.ts';
import { parseDurationMs, parseSizeBytes } from './duration.ts';

const dir = await mkdtemp(join(tmpdir(), 'berth-config-'));
after(() => rm(dir, { recursive: true, force: true }));
let files = 0;

async function yamlFile(text: string): Promise<string> {
  const path = join(dir, `berth-${++files}.yaml`);
  await writeFile(path, text);
  return path;
}

/** The problems a load reports, or fails the test when it loads. */
function problems(opts: Parameters<typeof loadConfig>[0]): string[] {
  try {
    loadConfig(opts);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    assert.ok(err.message.startsWith('invalid configuration:'));
    for (const p of err.problems) assert.ok(err.message.includes(p));
    return err.problems;
  }
  assert.fail('expected a ConfigError');
}

describe('audit and alerts settings', () => {
  it('takes audit.retention as a duration and alerts.rules in place of the defaults, validating both', () => {
    const config = loadConfig({
      env: { BERTH_AUDIT__RETENTION: '30d', BERTH_ALERTS__MAX_KEYS_PER_RULE: '500' },
      overrides: { alerts: { rules: [{ name: 'pulls', action: 'registry.pull', threshold: 5, windowMinutes: 1, per: 'actor' }] } },
    });
    assert.equal(config.audit.retention, 30 * 86_400_000);
    assert.deepEqual(config.alerts, { rules: [{ name: 'pulls', action: 'registry.pull', threshold: 5, windowMinutes: 1, per: 'actor' }], maxKeysPerRule: 500 });
    assert.deepEqual(loadConfig({ env: { BERTH_ALERTS__MAX_KEYS_PER_RULE: '7' } }).alerts.rules, DEFAULT_ALERT_RULES.rules, 'no rules given: the defaults');
    const rule = { name: 'a', action: 'x', threshold: 1, windowMinutes: 1, per: 'actor' };
    assert.deepEqual(problems({ env: {}, overrides: { audit: { retention: 'forever' }, alerts: { rules: [rule, { ...rule, name: 'b', threshold: -1, per: 'repo' }] } } })
      .map((p) => p.split(':')[0]), ['audit.retention', 'alerts.rules.1.threshold', 'alerts.rules.1.per']);
    assert.deepEqual(problems({ env: {}, overrides: { alerts: { rules: [rule, rule] } } }).map((p) => p.split(':')[0]), ['alerts.rules.1.name']);
  });
});

describe('loadConfig layering', () => {
  it('without file, environment or overrides gives the documented defaults, frozen', () => {
    const config = loadConfig({ env: {} });
    assert.deepEqual(config, {
      listen: '127.0.0.1:5000',
      data: './data',
      log: { level: 'info' },
      storage: { driver: 'filesystem' },
      metadata: { driver: 'sqlite' },
      uploads: { expireAfter: 86_400_000, sweepEvery: 600_000 },
      limits: { manifestMaxBytes: 4 * 1024 * 1024 },
      http: { trustProxy: false },
      auth: { enabled: true, service: 'berth', issuer: 'berth', tokenTtl: 300_000, selfServiceProjects: false, trustedProxies: [], basicCacheTtl: 60_000 },
      audit: { retention: 365 * 86_400_000 },
      alerts: DEFAULT_ALERT_RULES,
      vulndb: { baseUrl: 'https://osv-vulnerabilities.storage.googleapis.com', ecosystems: [], importMaxBytes: 4 * 1024 * 1024 * 1024 },
      versions: { historyWindow: 30 * 86_400_000 },
      scan: { workers: 1 },
      tags: { channels: ['dev', 'test', 'staging', 'prod'] },
      gc: { every: 0, grace: 3_600_000, retentionEvery: 0 },
    });
    assert.ok(Object.isFrozen(config) && Object.isFrozen(config.log) && Object.isFrozen(config.uploads));
    assert.throws(() => {
      (config.log as { level: string }).level = 'debug';
    }, TypeError);
  });

  it('defaults < YAML file < environment < overrides, merged per key', async () => {
    const file = await yamlFile(['listen: 0.0.0.0:6000', 'data: /srv/file', 'log:', '  level: warn', 'uploads:', '  expireAfter: 2h', '  sweepEvery: 5m', 'limits:', '  manifestMaxBytes: 1MiB'].join('\n'));
    const config = loadConfig({
      file,
      env: { BERTH_LOG__LEVEL: 'debug', BERTH_UPLOADS__SWEEP_EVERY: '30s', BERTH_DATA: '/srv/env' },
      overrides: { data: '/srv/flag' },
    });
    assert.equal(config.listen, '0.0.0.0:6000');
    assert.equal(config.log.level, 'debug');
    assert.equal(config.data, '/srv/flag');
    assert.deepEqual(config.uploads, { expireAfter: 7_200_000, sweepEvery: 30_000 });
    assert.equal(config.limits.manifestMaxBytes, 1024 * 1024);
  });

  it('an empty or comment-only file means defaults', async () => {
    assert.equal(loadConfig({ file: await yamlFile(''), env: {} }).listen, '127.0.0.1:5000');
    assert.equal(loadConfig({ file: await yamlFile('# nothing\n'), env: {} }).data, './data');
  });

  it('environment variables nest on __ and camel-case on _', () => {
    const config = loadConfig({
      env: {
        BERTH_LIMITS__MANIFEST_MAX_BYTES: '512k',
        BERTH_HTTP__TRUST_PROXY: 'true',
        BERTH_HTTP__PUBLIC_URL: 'https://registry.example.com',
        BERTH_METADATA__DRIVER: 'postgres',
        BERTH_METADATA__URL: 'postgres://berth@db/berth',
        BERTH_METADATA__POOL_SIZE: '5',
      },
    });
    assert.equal(config.limits.manifestMaxBytes, 512 * 1024);
    assert.equal(config.http.trustProxy, true);
    assert.equal(config.http.publicUrl, 'https://registry.example.com');
    assert.deepEqual(config.metadata, { driver: 'postgres', url: 'postgres://berth@db/berth', poolSize: 5 });
  });

  it('an environment value that looks like a number stays a string where the setting is a string', () => {
    const config = loadConfig({ env: { BERTH_DATA: '2024', BERTH_STORAGE__ROOT: '42', BERTH_METADATA__PATH: '7' } });
    assert.equal(config.data, '2024');
    assert.deepEqual(config.storage, { driver: 'filesystem', root: '42' });
    assert.deepEqual(config.metadata, { driver: 'sqlite', path: '7' });
    assert.equal(loadConfig({ env: { BERTH_UPLOADS__EXPIRE_AFTER: '1500' } }).uploads.expireAfter, 1500);
  });

  it('ignores BERTH_ variables that are not configuration sections, and variables without the prefix', () => {
    const env = { BERTH_SERVER: 'http://x', BERTH_USER: 'admin', BERTH_PASSWORD: 'secret', BERTH_TOKEN: 't', BERTH_TEST_LOG: 'debug', LOG__LEVEL: 'debug', berth_log__level: 'debug', BERTH_CONFIG: '/etc/berth.yaml' };
    assert.deepEqual(configFromEnv(env), {});
    assert.equal(loadConfig({ env }).log.level, 'info');
  });
});

describe('loadConfig errors', () => {
  it('reports every problem at once, each with its key', async () => {
    const file = await yamlFile(['listen: localhost', 'log:', '  level: loud', '  colour: red', 'bogus: 1', 'uploads:', '  expireAfter: soon'].join('\n'));
    const found = problems({
      file,
      env: { BERTH_LIMITS__MANIFEST_MAX_BYTES: '1.5MiB', BERTH_METADATA__DRIVER: 'mysql', BERTH_HTTP__PUBLIC_URL: 'not a url' },
      overrides: { storage: { driver: 'filesystem', root: '' } },
    });
    const keys = ['listen:', 'log.level:', 'log: Unrecognized key: "colour"', '(root): Unrecognized key: "bogus"', 'uploads.expireAfter: not a duration: soon', 'limits.manifestMaxBytes: not a size: 1.5MiB', 'metadata.driver:', 'http.publicUrl:', 'storage.root:'];
    for (const key of keys) assert.ok(found.some((p) => p.startsWith(key)), `no problem for ${key} in ${JSON.stringify(found)}`);
    assert.equal(found.length, keys.length, JSON.stringify(found));
  });

  it('checks the settings of the chosen driver only', () => {
    assert.deepEqual(problems({ env: { BERTH_METADATA__DRIVER: 'postgres' } }).map((p) => p.split(':')[0]), ['metadata.url']);
    assert.ok(problems({ env: { BERTH_METADATA__DRIVER: 'postgres', BERTH_METADATA__URL: 'mysql://x' } })[0]!.startsWith('metadata.url: must be a postgres:// connection URL'));
    assert.ok(problems({ env: { BERTH_METADATA__URL: 'postgres://x' } })[0]!.startsWith('metadata: Unrecognized key: "url"'));
    assert.ok(problems({ env: { BERTH_METADATA__DRIVER: 'postgres', BERTH_METADATA__URL: 'postgres://x', BERTH_METADATA__POOL_SIZE: '0' } })[0]!.startsWith('metadata.poolSize:'));
  });

  it('a missing file, bad YAML and a non-mapping are reported with the file name', async () => {
    const missing = join(dir, 'absent.yaml');
    assert.match(problems({ file: missing, env: {} })[0]!, new RegExp(`cannot read config file ${missing}`));
    const bad = await yamlFile('log: [unclosed');
    assert.match(problems({ file: bad, env: {} })[0]!, new RegExp(`config file ${bad} is not valid YAML`));
    const list = await yamlFile('- a\n- b\n');
    assert.deepEqual(problems({ file: list, env: {} }), [`config file ${list} must be a YAML mapping`]);
  });

  it('listen must be HOST:PORT', () => {
    for (const listen of ['[::1]:5000', 'localhost:0', '0.0.0.0:65535']) assert.equal(loadConfig({ env: {}, overrides: { listen } }).listen, listen);
    for (const listen of ['5000', 'localhost', ':5000', 'host:port', 'a b:1', '::1:5000']) {
      assert.ok(problems({ env: {}, overrides: { listen } })[0]!.startsWith('listen: must be HOST:PORT'), listen);
    }
  });
});

describe('durations and sizes', () => {
  it('parses durations with units, bare milliseconds and numbers', () => {
    const cases: Array<[string | number, number]> = [['500ms', 500], ['90s', 90_000], ['15m', 900_000], ['24h', 86_400_000], ['7d', 604_800_000], ['1.5h', 5_400_000], [' 2m ', 120_000], ['0s', 0], ['1234', 1234], [1234, 1234], [0, 0]];
    for (const [raw, ms] of cases) assert.equal(parseDurationMs(raw), ms, String(raw));
    for (const raw of ['', 'soon', '10x', '-5s', '5 s', '1h30m', 's', '.5h', -1, Number.NaN, Number.POSITIVE_INFINITY, `${'9'.repeat(30)}d`, '9'.repeat(30)]) {
      assert.equal(parseDurationMs(raw), undefined, String(raw));
    }
  });

  it('parses sizes with binary units, case-insensitively', () => {
    const cases: Array<[string | number, number]> = [['100', 100], ['100b', 100], ['512k', 524_288], ['512KB', 524_288], ['4MiB', 4_194_304], ['4 mib', 4_194_304], ['1g', 1_073_741_824], ['2GiB', 2_147_483_648], [0, 0], [4096, 4096]];
    for (const [raw, bytes] of cases) assert.equal(parseSizeBytes(raw), bytes, String(raw));
    for (const raw of ['', 'big', '1.5MiB', '-1k', '10 XB', '1t', 'MiB', -1, 1.5, `${'9'.repeat(20)}g`]) assert.equal(parseSizeBytes(raw), undefined, String(raw));
  });

  it('durations and sizes in a file or the environment become milliseconds and bytes', async () => {
    const file = await yamlFile('uploads:\n  expireAfter: 3600000\n  sweepEvery: 1m\nlimits:\n  manifestMaxBytes: 65536\n');
    const config = loadConfig({ file, env: {} });
    assert.deepEqual(config.uploads, { expireAfter: 3_600_000, sweepEvery: 60_000 });
    assert.equal(config.limits.manifestMaxBytes, 65_536);
    assert.equal(loadConfig({ env: { BERTH_LIMITS__MANIFEST_MAX_BYTES: '8388608' } }).limits.manifestMaxBytes, 8_388_608);
  });
});
