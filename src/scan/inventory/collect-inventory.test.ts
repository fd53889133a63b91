import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { testImage, whiteout } from '../../../test/helpers/test-image.ts';
import { inventoryOf } from './inventory-test-kit.ts';
import { parseRpmHeader, RpmHeaderError } from './rpm-header.ts';

const pkgJson = (name: string, version: string): string => JSON.stringify({ name, version, license: 'MIT' });

describe('collectInventory', () => {
  it('counts only the versions of files that reach the final filesystem', async () => {
    const inventory = await inventoryOf(
      testImage()
        .layer({ 'app/node_modules/left-pad/package.json': pkgJson('left-pad', '1.0.0'), 'app/node_modules/gone/package.json': pkgJson('gone', '1.0.0'), 'app/lib.jar': 'not yet a jar' })
        .layer({ 'app/node_modules/left-pad/package.json': pkgJson('left-pad', '1.3.0'), [whiteout('app/node_modules/gone')]: '' }),
    );
    assert.deepEqual(inventory.packages.map((p) => [p.name, p.version, p.locations[0]!.layer]), [['left-pad', '1.3.0', 1]]);
    assert.deepEqual(inventory.warnings.map((w) => w.path), ['app/lib.jar']);
  });

  it('turns unparseable manifests and hostile archives into warnings, not failures', async () => {
    const truncatedZip = Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(40), Buffer.from([0x50, 0x4b, 0x05, 0x06]), Buffer.alloc(6), Buffer.from([0xff, 0xff, 0, 0]), Buffer.alloc(8)]);
    const inventory = await inventoryOf(
      testImage().layer({
        'app/node_modules/broken/package.json': '{"name": "broken", ',
        'srv/app.jar': truncatedZip,
        'usr/lib/python3/dist-packages/x-1.0.dist-info/METADATA': 'Summary: no name\n',
        'usr/bin/fake-elf': Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]), Buffer.alloc(200, 0xff)]),
      }),
    );
    assert.deepEqual(inventory.packages, []);
    assert.deepEqual(inventory.warnings.map((w) => w.path).sort(), ['app/node_modules/broken/package.json', 'srv/app.jar', 'usr/lib/python3/dist-packages/x-1.0.dist-info/METADATA']);
  });

  it('rejects rpm header blobs whose counts or offsets point outside them', () => {
    const blob = Buffer.alloc(8 + 16 + 4);
    blob.writeUInt32BE(1, 0);
    blob.writeUInt32BE(4, 4);
    blob.writeUInt32BE(1000, 8);
    blob.writeUInt32BE(6, 12);
    blob.writeInt32BE(2, 16);
    blob.write('ab\0', 24 + 1, 'latin1');
    assert.equal(parseRpmHeader(blob, new Set([1000])).get(1000), 'b');
    blob.writeInt32BE(9, 16);
    assert.throws(() => parseRpmHeader(blob, new Set([1000])), RpmHeaderError);
    blob.writeUInt32BE(1 << 20, 0);
    assert.throws(() => parseRpmHeader(blob, new Set([1000])), RpmHeaderError);
  });
});
