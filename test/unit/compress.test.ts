// The write stage's compressors, checked against the real tools as oracles. gzip -t,
// gzip -dc, xz -t and xz -dc must accept our output and give back the input. Output must also
// be byte-identical whatever the job count and the chunking of the input. All data comes from
// seeded generators, and no test asserts a timing.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { prng, seededRandomBytes, zipfWords } from '../support/seeded.js';
import {
  compressionExtension,
  createCompressor,
  createGzip,
  createXz,
  createZstd,
  DEFAULT_GZIP_BLOCK_SIZE,
  isCompression,
  xzLibraryVersion,
} from '../../src/write/compress/index.js';
import { crc32Portable } from '../../src/gzip/crc32.js';
import { looksIncompressible } from '../../src/gzip/incompressible.js';

const KIB = 1024;
const MIB = 1024 * KIB;

// ---------------------------------------------------------------- seeded data

function randomBytes(size: number, seed: number): Buffer {
  return seededRandomBytes(size, `compress-test-${seed}`);
}

function textLike(size: number, seed: number): Buffer {
  const next = prng(seed);
  const pick = zipfWords(next, 1500);
  const out = Buffer.allocUnsafe(size);
  let offset = 0;
  while (offset < size) {
    const line =
      next() % 2 === 0
        ? `2024-05-01 12:${String(next() % 60).padStart(2, '0')} INFO [${pick()}] ${pick()} ${pick()} id=${next() % 10000}\n`
        : `  const ${pick()}_${pick()} = ${pick()}(${pick()}, ${next() % 256}); // ${pick()} ${pick()}\n`;
    offset += out.write(line, offset, 'latin1');
  }
  return out;
}

/** Text, then random bytes, then text again, so blocks of every kind and the seams between them get tested. */
function mixed(size: number, seed: number): Buffer {
  const third = Math.floor(size / 3);
  return Buffer.concat([textLike(third, seed), randomBytes(third, seed + 1), textLike(size - 2 * third, seed + 2)]);
}

// ---------------------------------------------------------------- helpers

const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

/** Chunk sizes from 0 (an empty write) up to 3 x `max`, drawn from `seed`. */
function* randomChunks(input: Buffer, seed: number, max: number): Generator<Buffer> {
  const next = prng(seed);
  let offset = 0;
  while (offset < input.length) {
    const roll = next() % 10;
    const size = roll === 0 ? 0 : roll < 5 ? 1 + (next() % 64) : 1 + (next() % (3 * max));
    yield input.subarray(offset, offset + size);
    offset += size;
  }
}

/** Runs `input` through a fresh compressor, written whole or in random chunks, and returns the output. */
async function run(make: () => Transform, input: Buffer, chunkSeed?: number, maxChunk = 256 * KIB): Promise<Buffer> {
  const parts: Buffer[] = [];
  const source = chunkSeed === undefined ? [input] : randomChunks(input, chunkSeed, maxChunk);
  await pipeline(Readable.from(source), make(), async (output: AsyncIterable<Buffer>) => {
    for await (const part of output) parts.push(part);
  });
  return Buffer.concat(parts);
}

function tool(command: string, args: string[], input: Buffer): Buffer {
  const result = spawnSync(command, args, { input, maxBuffer: 1 << 30 });
  if (result.error) throw new Error(`${command} could not run: ${result.error.message}`);
  assert.equal(result.status, 0, `${command} ${args.join(' ')} failed: ${result.stderr.toString()}`);
  return result.stdout;
}

function assertGzipOracle(compressed: Buffer, input: Buffer): void {
  tool('gzip', ['-t'], compressed);
  assert.ok(tool('gzip', ['-dc'], compressed).equals(input), 'gzip -dc does not give back the input');
  assert.ok(zlib.gunzipSync(compressed).equals(input), 'zlib.gunzipSync does not give back the input');
}

/** xz's own listing of an .xz file: streams, check type, and per block the sizes and ratio. */
function xzList(compressed: Buffer): { streams: number; check: string; blocks: { uncompressed: number; total: number; ratio: number }[] } {
  // xz --list needs a seekable file, not a pipe.
  const dir = mkdtempSync(join(tmpdir(), 'debforge-xz-'));
  let robot: string;
  try {
    const file = join(dir, 'out.xz');
    writeFileSync(file, compressed);
    robot = tool('xz', ['--robot', '--list', '-vv', file], Buffer.alloc(0)).toString();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const lines = robot.split('\n').map((line) => line.split('\t'));
  const totals = lines.find((fields) => fields[0] === 'totals');
  assert.ok(totals, robot);
  const blocks = lines
    .filter((fields) => fields[0] === 'block')
    .map((fields) => ({ total: Number(fields[6]), uncompressed: Number(fields[7]), ratio: Number(fields[8]) }));
  return { streams: Number(totals[1]), check: totals[6]!, blocks };
}

/** Our xz of `input` at the defaults, after xz -t and xz -dc accepted it. */
async function checkedXz(input: Buffer): Promise<Buffer> {
  const out = await run(() => createXz({ jobs: 2 }), input);
  assertXzOracle(out, input);
  return out;
}

function assertXzOracle(compressed: Buffer, input: Buffer): void {
  tool('xz', ['-t'], compressed);
  assert.ok(tool('xz', ['-dc'], compressed).equals(input), 'xz -dc does not give back the input');
}

/** Lets the event loop and the thread pool run for a while (only to give a buggy stream time to overrun). */
const settle = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Writes far more than the compressor should take and reads nothing. The input it accepts
 * (write callbacks called) must stay within a few blocks per job. Then reading must let it
 * finish with the right output.
 */
async function assertBackPressure(
  stream: Transform,
  jobs: number,
  blockSize: number,
  kind: 'gzip' | 'xz' | 'zstd',
): Promise<void> {
  const input = randomBytes((2 * jobs + 3) * blockSize + 3 * MIB, 99);
  let accepted = 0;
  const chunkSize = 64 * KIB;
  for (let offset = 0; offset < input.length; offset += chunkSize) {
    const chunk = input.subarray(offset, offset + chunkSize);
    stream.write(chunk, () => {
      accepted += chunk.length;
    });
  }
  // Wait for the first chunk to get in, however slow the machine, then give the stream time to
  // overrun. The bound is a maximum: more time only lets a correct stream get closer to it,
  // never past it.
  for (let waited = 0; accepted === 0 && waited < 30_000; waited += 50) await settle(50);
  assert.ok(accepted > 0, 'nothing was accepted at all');
  await settle(500);
  assert.ok(accepted <= (2 * jobs + 3) * blockSize, `accepted ${accepted} bytes with nobody reading`);
  const parts: Buffer[] = [];
  const done = pipeline(
    stream,
    new Writable({
      write(part: Buffer, _encoding, callback) {
        parts.push(part);
        callback();
      },
    }),
  );
  stream.end();
  await done;
  const output = Buffer.concat(parts);
  if (kind === 'gzip') assert.ok(zlib.gunzipSync(output).equals(input));
  else if (kind === 'xz') assertXzOracle(output, input);
  else assertZstdOracle(output, input);
}

// ---------------------------------------------------------------- gzip

describe('compress: parallel gzip', function () {
  this.timeout(120_000);

  const bs = DEFAULT_GZIP_BLOCK_SIZE;
  const edgeSizes = [0, 1, bs - 1, bs, bs + 1, 2 * bs, 3 * bs + 17];

  it('writes the fixed header: no name, mtime 0, XFL by level, OS Unix', async () => {
    const header = (await run(() => createGzip({ jobs: 2 }), Buffer.from('x'))).subarray(0, 10);
    assert.deepEqual([...header], [0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03]);
    assert.equal((await run(() => createGzip({ level: 1, jobs: 2 }), Buffer.from('x')))[8], 4);
    assert.equal((await run(() => createGzip({ level: 6, jobs: 2 }), Buffer.from('x')))[8], 0);
  });

  it('writes a valid gzip of nothing for empty input', async () => {
    const out = await run(() => createGzip({ jobs: 2 }), Buffer.alloc(0));
    assertGzipOracle(out, Buffer.alloc(0));
    // header + final empty fixed block (03 00) + crc 0 + isize 0
    assert.equal(out.length, 10 + 2 + 8);
  });

  for (const size of edgeSizes) {
    it(`round-trips ${size} bytes through gzip -t / gzip -dc, identically for jobs 1, 2, 8 and any chunking`, async () => {
      const input = mixed(size, size + 7);
      const reference = await run(() => createGzip({ jobs: 1 }), input);
      assertGzipOracle(reference, input);
      const expected = sha256(reference);
      for (const jobs of [2, 8]) {
        assert.equal(sha256(await run(() => createGzip({ jobs }), input)), expected, `jobs ${jobs}`);
      }
      for (const seed of [1, 2]) {
        const chunked = await run(() => createGzip({ jobs: 2 }), input, seed, bs);
        assert.equal(sha256(chunked), expected, `chunking seed ${seed}`);
      }
    });
  }

  it('handles blocks smaller than the 32 KiB window (the dictionary then spans several blocks)', async () => {
    const input = mixed(300 * KIB, 11);
    const reference = await run(() => createGzip({ jobs: 1, blockSize: 1000 }), input);
    assertGzipOracle(reference, input);
    assert.equal(sha256(await run(() => createGzip({ jobs: 8, blockSize: 1000 }), input, 3, 5000)), sha256(reference));
  });

  describe('incompressible blocks', () => {
    it('judges random blocks incompressible, and text, or random with 20 KiB of text anywhere, compressible', () => {
      const block = 128 * KIB;
      assert.equal(looksIncompressible(randomBytes(block, 30)), true);
      assert.equal(looksIncompressible(textLike(block, 31)), false);
      assert.equal(looksIncompressible(randomBytes(512, 32)), false, 'too short to judge');
      for (let at = 0; at + 20 * KIB <= block; at += 9 * KIB) {
        const spliced = randomBytes(block, 33);
        textLike(20 * KIB, 34).copy(spliced, at);
        assert.equal(looksIncompressible(spliced), false, `text at ${at}`);
      }
    });

    it('stores random data (no bigger than gzip -9n) and still compresses text hidden in random blocks', async () => {
      const random = randomBytes(MIB, 35);
      const ours = await run(() => createGzip({ jobs: 2 }), random);
      assertGzipOracle(ours, random);
      const gzip = spawnSync('gzip', ['-9n'], { input: random, maxBuffer: 64 * MIB });
      assert.ok(ours.length <= gzip.stdout.length, `${ours.length} > gzip -9n's ${gzip.stdout.length}`);
      const spliced = Buffer.from(random);
      for (let at = 0; at + 20 * KIB <= spliced.length; at += 128 * KIB) textLike(20 * KIB, 36).copy(spliced, at + 50 * KIB);
      const compressed = await run(() => createGzip({ jobs: 2 }), spliced);
      assertGzipOracle(compressed, spliced);
      // Eight blocks, each with 20 KiB of text that deflates to well under half.
      assert.ok(compressed.length < spliced.length - 8 * 10 * KIB, `${compressed.length} bytes: the text was stored, not compressed`);
    });
  });

  describe('on a few MiB of mixed random and text data', () => {
    const input = mixed(4 * MIB + 12345, 42);
    let reference: Buffer;

    before(async () => {
      reference = await run(() => createGzip({ jobs: 1 }), input);
    });

    it('is accepted by gzip -t and gzip -dc gives back the input', () => {
      assertGzipOracle(reference, input);
    });

    it('has the right CRC32 and ISIZE trailer', () => {
      const trailer = reference.subarray(reference.length - 8);
      assert.equal(trailer.readUInt32LE(0), zlib.crc32(input));
      assert.equal(trailer.readUInt32LE(4), input.length % 2 ** 32);
    });

    it('gives the same bytes for jobs 1, 2, 8 and 64 (more jobs than UV_THREADPOOL_SIZE)', async () => {
      for (const jobs of [2, 8, 64]) {
        assert.equal(sha256(await run(() => createGzip({ jobs }), input)), sha256(reference), `jobs ${jobs}`);
      }
    });

    it('gives the same bytes whatever the chunk sizes of the input', async () => {
      for (const seed of [5, 6, 7]) {
        assert.equal(sha256(await run(() => createGzip({ jobs: 2 }), input, seed)), sha256(reference), `seed ${seed}`);
      }
    });

    it('is at most 1.01 x the size of gzip -9n on the same bytes', () => {
      const gzip9 = tool('gzip', ['-9n'], input);
      assert.ok(
        reference.length <= 1.01 * gzip9.length,
        `ours ${reference.length} bytes, gzip -9n ${gzip9.length} bytes`,
      );
    });

    it('round-trips at every level', async () => {
      const sample = input.subarray(0, 600 * KIB);
      for (const level of [0, 1, 6]) {
        const out = await run(() => createGzip({ level, jobs: 2 }), sample, level);
        assertGzipOracle(out, sample);
      }
    });
  });

  it('takes no more input while nobody reads its output (back-pressure)', async () => {
    await assertBackPressure(createGzip({ level: 1, jobs: 2, blockSize: 64 * KIB }), 2, 64 * KIB, 'gzip');
  });

  it('rejects bad options', () => {
    assert.throws(() => createGzip({ level: 10 }), RangeError);
    assert.throws(() => createGzip({ jobs: 0 }), RangeError);
    assert.throws(() => createGzip({ blockSize: 0 }), RangeError);
  });

  it('has a portable CRC32 that matches zlib.crc32, chained too', () => {
    const data = mixed(70 * KIB, 3);
    assert.equal(crc32Portable(Buffer.alloc(0)), 0);
    assert.equal(crc32Portable(Buffer.from('123456789')), 0xcbf43926);
    assert.equal(crc32Portable(data), zlib.crc32(data));
    assert.equal(crc32Portable(data.subarray(5000), crc32Portable(data.subarray(0, 5000))), zlib.crc32(data));
  });
});

// ---------------------------------------------------------------- xz

describe('compress: xz', function () {
  this.timeout(300_000);

  before(async function () {
    // lzma-native is a dependency: if it cannot load, that is a failure, never a skip.
    await xzLibraryVersion();
  });

  it('writes a valid .xz of nothing for empty input, and of 1 byte', async () => {
    for (const input of [Buffer.alloc(0), Buffer.from('A')]) {
      const out = await run(() => createXz({ jobs: 2 }), input);
      assertXzOracle(out, input);
    }
  });

  describe('on mixed random and text data', () => {
    const input = mixed(2 * MIB + 333, 77);
    const blockSize = 512 * KIB;
    let reference: Buffer;

    before(async () => {
      reference = await run(() => createXz({ jobs: 1, preset: 6, blockSize }), input);
    });

    it('is accepted by xz -t and xz -dc gives back the input', () => {
      assertXzOracle(reference, input);
    });

    it('is ONE stream of blocks no larger than the block size, with CRC32 checks (dpkg-deb reads only the first stream)', () => {
      const { streams, check, blocks } = xzList(reference);
      assert.equal(streams, 1);
      assert.equal(check, 'CRC32');
      assert.ok(blocks.length >= 5, `${blocks.length} blocks`);
      assert.equal(blocks.reduce((sum, block) => sum + block.uncompressed, 0), input.length);
      for (const block of blocks) assert.ok(block.uncompressed <= blockSize, `a block of ${block.uncompressed} bytes`);
    });

    it('gives the same bytes for jobs 1, 2 and 8 and for random chunking', async () => {
      const expected = sha256(reference);
      for (const jobs of [2, 8]) {
        assert.equal(sha256(await run(() => createXz({ jobs, blockSize }), input)), expected, `jobs ${jobs}`);
      }
      assert.equal(sha256(await run(() => createXz({ jobs: 2, blockSize }), input, 8)), expected, 'chunked');
    });

    it('with the default block size, is within 1 % of xz -6', async () => {
      const ours = await run(() => createCompressor('xz', { jobs: 2 }), input);
      assertXzOracle(ours, input);
      const xz6 = tool('xz', ['-6', '-T1', '-c'], input);
      assert.ok(ours.length <= 1.01 * xz6.length, `ours ${ours.length} bytes, xz -6 ${xz6.length} bytes`);
    });
  });

  it('stores a long incompressible run in its own block, and leaves a short one inside the compressed block', async () => {
    const text = textLike(3 * MIB, 80);
    const longRun = Buffer.concat([text.subarray(0, MIB), randomBytes(2 * MIB, 81), text.subarray(MIB)]);
    const long = xzList(await checkedXz(longRun));
    assert.deepEqual(
      long.blocks.map((block) => block.uncompressed),
      [MIB, 2 * MIB, 2 * MIB],
      'text, random, text',
    );
    assert.ok(long.blocks[1]!.ratio >= 1, 'the random block is stored');
    assert.ok(long.blocks[0]!.ratio < 0.5 && long.blocks[2]!.ratio < 0.5, 'the text blocks are compressed');
    const shortRun = Buffer.concat([text.subarray(0, MIB), randomBytes(256 * KIB, 82), text.subarray(MIB)]);
    assert.deepEqual(
      xzList(await checkedXz(shortRun)).blocks.map((block) => block.uncompressed),
      [shortRun.length],
      'one block',
    );
  });

  it('takes no more input while nobody reads its output (back-pressure)', async () => {
    await assertBackPressure(createXz({ preset: 0, jobs: 2, blockSize: MIB }), 2, MIB, 'xz');
  });

});

// ---------------------------------------------------------------- zstd

function assertZstdOracle(compressed: Buffer, input: Buffer): void {
  tool('zstd', ['-t', '-q'], compressed);
  assert.ok(tool('zstd', ['-dc', '-q'], compressed).equals(input), 'zstd -dc does not give back the input');
}

/** What `zstd --list -v` says of a zstd stream (it needs a seekable file). */
function zstdListing(compressed: Buffer): string {
  const dir = mkdtempSync(join(tmpdir(), 'debforge-zstd-'));
  try {
    const file = join(dir, 'out.zst');
    writeFileSync(file, compressed);
    return tool('zstd', ['--list', '-v', file], Buffer.alloc(0)).toString();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The frames of a zstd stream, as `zstd --list -v` counts them. */
function zstdFrames(compressed: Buffer): number {
  const listing = zstdListing(compressed);
  const frames = /# Zstandard Frames: (\d+)/.exec(listing)?.[1];
  assert.ok(frames, listing);
  return Number(frames);
}

describe('compress: zstd', function () {
  this.timeout(300_000);

  it('writes one valid zstd frame for empty input, and for 1 byte', async () => {
    for (const input of [Buffer.alloc(0), Buffer.from('A')]) {
      const out = await run(() => createZstd(), input);
      assertZstdOracle(out, input);
      assert.equal(zstdFrames(out), 1);
    }
  });

  describe('on mixed random and text data larger than its blocks', () => {
    // Text around random data: over 8 MiB, as the package that showed dpkg-deb reading only a first frame.
    const input = Buffer.concat([textLike(5 * MIB, 92), mixed(3 * MIB + 333, 91), textLike(2 * MIB + 7, 93)]);
    let reference: Buffer;

    before(async () => {
      reference = await run(() => createZstd(), input);
    });

    it('is ONE frame (dpkg-deb reads only the first) with a checksum, accepted by zstd -t, and zstd -dc gives back the input', () => {
      assertZstdOracle(reference, input);
      assert.equal(zstdFrames(reference), 1);
      assert.match(zstdListing(reference), /^Check: XXH64/m);
    });

    it('gives the same bytes however the input is chunked, and for any --jobs', async () => {
      const expected = sha256(reference);
      assert.equal(sha256(await run(() => createZstd(), input, 9)), expected, 'chunked');
      assert.equal(sha256(await run(() => createZstd(), input, 3, 5000)), expected, 'small chunks');
      for (const jobs of [1, 2, 8]) assert.equal(sha256(await run(() => createCompressor('zstd', { jobs }), input)), expected, `jobs ${jobs}`);
    });

    it('at level 3 is within 1 % of zstd -3', () => {
      const reference3 = tool('zstd', ['-3', '-c', '-q'], input);
      assert.ok(reference.length <= 1.01 * reference3.length, `ours ${reference.length} bytes, zstd -3 ${reference3.length} bytes`);
    });

    it('counts every input byte it takes in', async () => {
      let consumed = 0;
      await run(() => createCompressor('zstd', { jobs: 2, onConsumed: (bytes) => (consumed += bytes) }), input, 7);
      assert.equal(consumed, input.length);
    });
  });

  it('writes one frame around its 1 MiB block (on the calling thread below it, on the zstd thread from it on)', async () => {
    const input = mixed(MIB + 1, 95);
    for (const size of [MIB - 1, MIB, MIB + 1]) {
      const out = await run(() => createZstd(), input.subarray(0, size), 96);
      assertZstdOracle(out, input.subarray(0, size));
      assert.equal(zstdFrames(out), 1, `${size} bytes`);
    }
  });

  it('round-trips at levels 1, 9 and 19', async () => {
    const input = mixed(300 * KIB, 94);
    for (const level of [1, 9, 19]) assertZstdOracle(await run(() => createZstd({ level }), input), input);
  });

  it('takes no more input while nobody reads its output (back-pressure)', async () => {
    // One zstd thread; blocks of 1 MiB.
    await assertBackPressure(createZstd({ level: 1 }), 1, MIB, 'zstd');
  });

  it('rejects bad options', () => {
    assert.throws(() => createZstd({ level: 20 }), RangeError);
    assert.throws(() => createZstd({ level: 0 }), RangeError);
  });
});

// ---------------------------------------------------------------- the front door

describe('compress: createCompressor', function () {
  this.timeout(60_000);

  it("passes bytes through unchanged for 'none'", async () => {
    const input = mixed(200 * KIB, 5);
    assert.ok((await run(() => createCompressor('none', { jobs: 2 }), input, 4)).equals(input));
  });

  it("gzips at level 9 by default for 'gzip'", async () => {
    const input = mixed(200 * KIB, 6);
    const out = await run(() => createCompressor('gzip', { jobs: 2 }), input);
    assertGzipOracle(out, input);
    assert.equal(out[8], 2);
    assert.ok(out.equals(await run(() => createGzip({ level: 9, jobs: 1 }), input)));
  });

  it('rejects bad xz options before loading anything', () => {
    assert.throws(() => createXz({ preset: 10 }), RangeError);
    assert.throws(() => createXz({ jobs: 0 }), RangeError);
    assert.throws(() => createXz({ blockSize: 1.5 }), RangeError);
  });

  it('names the file extensions', () => {
    assert.equal(compressionExtension('gzip'), '.gz');
    assert.equal(compressionExtension('xz'), '.xz');
    assert.equal(compressionExtension('zstd'), '.zst');
    assert.equal(compressionExtension('none'), '');
  });

  it('recognises the compression names', () => {
    assert.ok(isCompression('gzip') && isCompression('xz') && isCompression('zstd') && isCompression('none'));
    assert.ok(!isCompression('zst') && !isCompression('GZIP') && !isCompression('distribution'));
  });
});
