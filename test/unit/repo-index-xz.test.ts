import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { compressIndex, indexBlocks } from '../../src/repo/index-xz.js';
import { must, tempDir } from '../support/tools.js';

/** A Packages-like index of `count` packages (two versions of every seventh), in index order. */
function packagesText(count: number, extra: (i: number) => string = () => ''): Buffer {
  let text = '';
  for (let i = 0; i < count; i++) {
    const name = `robot-part-${String(i).padStart(5, '0')}`;
    for (const version of i % 7 === 0 ? ['1.0.0-1', '1.0.1-1'] : ['1.0.0-1']) {
      text += `Package: ${name}\nVersion: ${version}\nArchitecture: all\nMaintainer: Fleet Team <fleet@example.org>\nInstalled-Size: ${(i % 97) + 3}\nFilename: pool/main/r/${name}/${name}_${version}_all.deb\nSize: ${2000 + i}\nSHA256: ${String(i).padStart(64, '0')}\nDescription: part ${i} of the robot\n daemon number ${i}, built for the fleet.\n\n`;
    }
    text += extra(i);
  }
  return Buffer.from(text);
}

/** What the xz command makes of an .xz file: its decompressed bytes and its block count. */
async function xzView(data: Buffer): Promise<{ plain: Buffer; blocks: number }> {
  const file = path.join(await tempDir(), 'Packages.xz');
  await fs.writeFile(file, data);
  must('xz', ['-t', file]);
  const decoded = path.join(path.dirname(file), 'Packages');
  must('sh', ['-c', 'xz -dc "$1" > "$2"', 'sh', file, decoded]);
  const robot = must('xz', ['-l', '--robot', file]);
  const totals = robot.split('\n').find((line) => line.startsWith('totals\t'));
  assert.ok(totals !== undefined, robot);
  return { plain: await fs.readFile(decoded), blocks: Number(totals.split('\t')[2]) };
}

describe('repo: Packages.xz in blocks that follow the index', function () {
  this.timeout(120_000);

  it('the xz command decodes it to the index, in many blocks, each cut at a stanza', async () => {
    const plain = packagesText(3000);
    const { xz, encoded, reused } = await compressIndex(plain);
    const view = await xzView(xz);
    assert.ok(view.plain.equals(plain), 'xz -dc gives back the index');
    assert.ok(view.blocks > 5, `${view.blocks} blocks`);
    assert.equal(encoded, view.blocks);
    assert.equal(reused, 0);
    for (const block of indexBlocks(plain)) assert.ok(block.subarray(0, 9).toString() === 'Package: ' && block.subarray(-2).toString() === '\n\n', 'a block holds whole stanzas');
  });

  it('a new package and a new version re-encode only the blocks they fall in, with the bytes of a fresh encoding', async () => {
    const before = packagesText(3000);
    const after = packagesText(3000, (i) => (i === 1500 ? `Package: robot-part-01500a\nVersion: 2.0.0-1\nArchitecture: all\nDescription: the new one\n\n` : ''));
    const withVersion = Buffer.from(after.toString().replace('Version: 1.0.0-1\nArchitecture: all\nMaintainer: Fleet Team <fleet@example.org>\nInstalled-Size: 10\n', 'Version: 1.0.0-2\nArchitecture: all\nMaintainer: Fleet Team <fleet@example.org>\nInstalled-Size: 10\n'));
    assert.notEqual(withVersion.length, 0);
    assert.ok(!withVersion.equals(after), 'the test changed a version');
    const previous = await compressIndex(before);
    const incremental = await compressIndex(withVersion, { plain: before, xz: previous.xz });
    const fresh = await compressIndex(withVersion);
    assert.ok(incremental.xz.equals(fresh.xz), 'reusing blocks gives the bytes of encoding every block');
    assert.ok(incremental.encoded >= 1 && incremental.encoded <= 4, `${incremental.encoded} blocks encoded`);
    assert.equal(incremental.reused + incremental.encoded, fresh.encoded);
    assert.ok((await xzView(incremental.xz)).plain.equals(withVersion));
  });

  it('blocks of an .xz it did not write, or of a damaged one, are never copied', async () => {
    const before = packagesText(1500);
    const after = packagesText(1500, (i) => (i === 3 ? 'Package: robot-part-00003a\nVersion: 1-1\nArchitecture: all\n\n' : ''));
    const dir = await tempDir();
    await fs.writeFile(path.join(dir, 'Packages'), before);
    must('xz', ['-6', '--block-size=65536', '-k', path.join(dir, 'Packages')]);
    const foreign = await fs.readFile(path.join(dir, 'Packages.xz'));
    const fromForeign = await compressIndex(after, { plain: before, xz: foreign });
    assert.equal(fromForeign.reused, 0);
    const own = await compressIndex(before);
    const fresh = await compressIndex(after);
    assert.ok(fromForeign.xz.equals(fresh.xz));
    assert.ok((await xzView(fresh.xz)).plain.equals(after));
    const damaged = Buffer.from(own.xz);
    damaged.writeUInt32LE(0xffff, damaged.length - 8);
    assert.ok((await compressIndex(after, { plain: before, xz: damaged })).xz.equals(fresh.xz));
  });

  it('an empty index is an .xz of no blocks that decodes to nothing', async () => {
    const { xz } = await compressIndex(Buffer.alloc(0));
    const view = await xzView(xz);
    assert.equal(view.plain.length, 0);
    assert.equal(view.blocks, 0);
  });
});
