// Small packages are assembled in memory (gzipSync, tarBuffer) instead of streamed: the bytes
// must be exactly those of the streaming path, for the compressor alone and for whole packages.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { preparePackage } from '../../src/pipeline/stage.js';
import { ProblemList } from '../../src/errors.js';
import { createGzip, gzipSync } from '../../src/write/compress/index.js';
import { writeDeb, type Compression } from '../../src/write/index.js';
import { seededRandomBytes } from '../support/seeded.js';
import { FIXTURES, REPO_ROOT, copyTree, tempDir } from '../support/tools.js';

function randomBytes(size: number, seed: number): Buffer {
  return seededRandomBytes(size, `write-small-${seed}`);
}

function text(size: number): Buffer {
  const line = 'motor/left current=1.25 A temperature=41 C status=ok\n';
  return Buffer.from(line.repeat(Math.ceil(size / line.length)).slice(0, size));
}

async function streamed(input: Buffer, blockSize: number, level: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  // Uneven chunks, so block boundaries never line up with what the stream is given.
  const pieces = function* (): Generator<Buffer> {
    for (let i = 0, step = 1; i < input.length; i += step, step = (step * 7 + 3) % 50_000 || 1) yield input.subarray(i, i + step);
  };
  for await (const chunk of Readable.from(pieces()).pipe(createGzip({ jobs: 3, blockSize, level }))) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('write: the in-memory path for small packages gives the streaming path\'s bytes', function () {
  this.timeout(120_000);

  const cases: Array<[string, Buffer]> = [
    ['empty', Buffer.alloc(0)],
    ['one byte', Buffer.from('x')],
    ['one block exactly', text(128 * 1024)],
    ['one block and one byte', text(128 * 1024 + 1)],
    ['mixed, several blocks', Buffer.concat([text(300 * 1024), randomBytes(200 * 1024, 1), text(77)])],
  ];
  for (const [name, input] of cases) {
    it(`gzipSync equals createGzip: ${name}`, async () => {
      assert.ok(gzipSync(input).equals(await streamed(input, 128 * 1024, 9)));
    });
  }
  it('gzipSync equals createGzip with blocks smaller than the 32 KiB dictionary, and other levels', async () => {
    const input = Buffer.concat([text(70 * 1024), randomBytes(9 * 1024, 2)]);
    for (const [blockSize, level] of [[1000, 9], [16 * 1024, 6], [4096, 1]] as const) {
      assert.ok(gzipSync(input, { blockSize, level }).equals(await streamed(input, blockSize, level)), `blockSize ${blockSize}, level ${level}`);
    }
  });

  it('whole packages: the same sha256 in memory and streamed, for every fixture, gzip and none', async () => {
    const out = await tempDir();
    const tricky = path.join(await tempDir(), 'small_payload');
    await copyTree(path.join(FIXTURES, 'good', 'format2_daemon'), tricky);
    await fs.mkdir(path.join(tricky, 'files', 'usr', 'share'), { recursive: true });
    await fs.writeFile(path.join(tricky, 'files', 'usr', 'share', 'blob.bin'), randomBytes(200 * 1024 + 3, 3));
    await fs.writeFile(path.join(tricky, 'files', 'usr', 'share', 'empty'), '');
    const daemons = [...['format1_daemon', 'format2_daemon', 'format3_daemon'].map((n) => path.join(FIXTURES, 'good', n)), path.join(REPO_ROOT, 'daemons', 'robot_bringup'), tricky];
    try {
      for (const dir of daemons) {
        const prepared = await preparePackage(dir, { sourceDateEpoch: 1700000000 }, new ProblemList());
        assert.ok(prepared, dir);
        for (const compression of ['gzip', 'none'] as Compression[]) {
          const base = { compression, jobs: 2, mtime: 1700000000 };
          const inMemory = await writeDeb(prepared.layout, { ...base, outDir: path.join(out, 'memory') });
          const stream = await writeDeb(prepared.layout, { ...base, outDir: path.join(out, 'stream'), smallPackageBytes: 0 });
          assert.equal(inMemory.sha256, stream.sha256, `${path.basename(dir)} ${compression}`);
          assert.equal(inMemory.size, stream.size);
          assert.equal(createHash('sha256').update(await fs.readFile(inMemory.path)).digest('hex'), inMemory.sha256);
        }
      }
    } finally {
      await fs.rm(out, { recursive: true, force: true });
      await fs.rm(path.dirname(tricky), { recursive: true, force: true });
    }
  });
});
