import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ociLayoutSource } from '../../image/oci-layout.source.ts';
import type { TestImageBuilder } from '../../../test/helpers/test-image.ts';
import { collectInventory } from './collect-inventory.ts';
import type { Inventory, Package } from './inventory.ts';

export const FIXTURES = join(import.meta.dirname, '../../../test/fixtures/inventory');

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `berth-inventory-${prefix}-`));
}

/** Runs a tool; a missing tool or a failure fails the test loudly with its output. */
export function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): string {
  const res = spawnSync(cmd, args, { encoding: 'utf8', cwd: opts.cwd, env: { ...process.env, ...opts.env }, maxBuffer: 64 * 1024 * 1024 });
  assert.ifError(res.error);
  assert.equal(res.status, 0, `${cmd} ${args.join(' ')} failed:\n${res.stdout}\n${res.stderr}`);
  return res.stdout;
}

/** Builds the image as an OCI layout and inventories it through the layout source. */
export async function inventoryOf(builder: TestImageBuilder): Promise<Inventory> {
  const dir = await tempDir('image');
  await builder.build(dir);
  return collectInventory(ociLayoutSource(dir, 'latest'));
}

/** `ecosystem name version` lines, for exact comparisons. */
export function summary(packages: Package[]): string[] {
  return packages.map((p) => `${p.ecosystem} ${p.name} ${p.version}`);
}

export const SYSTEM_DIST_PACKAGES = 'usr/lib/python3/dist-packages';

/**
 * A distribution installed by Debian in this machine's dist-packages: its metadata file (relative to the
 * root) and the version the system Python itself reports, so tests hold on any Debian release.
 */
export async function systemPythonDistribution(name: string): Promise<{ metadataPath: string; dpkgList: string; version: string }> {
  const entry = (await readdir(`/${SYSTEM_DIST_PACKAGES}`)).find((e) => e.startsWith(`${name}-`) && /\.(dist|egg)-info$/.test(e));
  assert.ok(entry, `no ${name} metadata in /${SYSTEM_DIST_PACKAGES} (is its Debian package installed?)`);
  const metadataPath = `${SYSTEM_DIST_PACKAGES}/${entry}/${entry.endsWith('.dist-info') ? 'METADATA' : 'PKG-INFO'}`;
  const owner = run('dpkg-query', ['-S', `/${metadataPath}`]).split(':')[0]!;
  const version = run('/usr/bin/python3', ['-c', `from importlib.metadata import version; print(version(${JSON.stringify(name)}))`]).trim();
  return { metadataPath, dpkgList: `var/lib/dpkg/info/${owner}.list`, version };
}

/** This machine's os-release as the shell reads it. */
export function systemOsRelease(): { id: string; versionId: string; prettyName: string } {
  const [id, versionId, prettyName] = run('bash', ['-c', '. /usr/lib/os-release && printf "%s\\n%s\\n%s" "$ID" "$VERSION_ID" "$PRETTY_NAME"']).split('\n');
  return { id: id!, versionId: versionId!, prettyName: prettyName! };
}
