// The reader parses a small package held in memory synchronously and streams anything else; both
// ways must accept exactly the same packages and read them the same. Held to that here on real
// packages (dpkg-deb's, in every compression, and one debforge built) and on thousands of
// corrupted copies of them: wherever the in-memory reading gives a result, the stream gives the
// same one; wherever it refuses, the stream refuses too (readDeb then reports the stream's reason).
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { build } from '../../src/index.js';
import { readDeb, readDebInMemory, readDebStreamed, type DebContents } from '../../src/deb/reader.js';
import { arArchive, CONTROL, dpkgDebBuilt, tarArchive } from '../support/crafted-deb.js';
import { writeDaemonFolder } from '../support/daemon-folder.js';
import { tempDir } from '../support/tools.js';
import { loadDecoders, type LoadedDecoders } from '../../src/deb/decompress.js';

/** A small deterministic generator (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const OPTIONS = [{}, { withContents: true }, { listData: false, keepBytes: true, dataFiles: (name: string) => name.endsWith('.txt') }] as const;

type Outcome = { contents: DebContents } | { refused: string } | { streamOnly: true };

function inMemory(bytes: Buffer, options: (typeof OPTIONS)[number], decoders: LoadedDecoders): Outcome {
  try {
    const contents = readDebInMemory(bytes, options, decoders);
    return contents === undefined ? { streamOnly: true } : { contents };
  } catch (error) {
    return { refused: (error as Error).message };
  }
}

async function streamed(file: string, options: (typeof OPTIONS)[number]): Promise<Outcome> {
  try {
    return { contents: await readDebStreamed(file, options) };
  } catch (error) {
    return { refused: (error as Error).message };
  }
}

/** The members of a well-formed ar archive, by name (the seeds are). */
function arMembersOf(bytes: Buffer): Array<[string, Buffer]> {
  const members: Array<[string, Buffer]> = [];
  for (let offset = 8; offset < bytes.length; ) {
    const name = bytes.toString('latin1', offset, offset + 16).trim();
    const size = Number(bytes.toString('latin1', offset + 48, offset + 58).trim());
    members.push([name, bytes.subarray(offset + 60, offset + 60 + size)]);
    offset += 60 + size + (size % 2);
  }
  return members;
}

describe('the .deb reader: in memory and streamed read the same', function () {
  this.timeout(300_000);
  let work: string;
  const seeds = new Map<string, Buffer>();

  before(async () => {
    work = await tempDir('debforge-reader-paths-');
    for (const compression of ['gzip', 'none', 'xz', 'zstd'] as const) seeds.set(`dpkg-deb -Z${compression}`, await fs.readFile(await dpkgDebBuilt(work, compression)));
    const folder = path.join(work, 'daemon', 'paths_daemon');
    await writeDaemonFolder(folder, { name: 'paths_daemon', version: '1.2.3', description: 'A daemon for the reader test.', maintainer: { name: 'Test', email: 'test@example.org' }, license: 'MIT', unitDescription: 'Paths daemon' });
    const built = await build(folder, { outDir: path.join(work, 'dist'), profile: 'plain', sourceDateEpoch: 1700000000 });
    seeds.set('debforge build', await fs.readFile(built.path));
    // A GNU long name and long link target, which take the header rules' record path.
    const long = `./usr/share/${'n'.repeat(150)}/file.txt`;
    const data = tarArchive([{ name: './', type: '5' }, { name: long, content: Buffer.from('long\n') }, { name: './usr/share/link', type: '2', linkname: `/${'l'.repeat(160)}` }]);
    seeds.set('crafted, long names', arArchive([['debian-binary', Buffer.from('2.0\n')], ['control.tar.gz', gzipSync(tarArchive([{ name: './control', content: Buffer.from(CONTROL) }]))], ['data.tar', data]]));
  });

  it('every real package: the same contents both ways, and readDeb gives them too', async () => {
    for (const [name, bytes] of seeds) {
      const file = path.join(work, 'seed.deb');
      await fs.writeFile(file, bytes);
      for (const options of OPTIONS) {
        const memory = inMemory(bytes, options, await loadDecoders(new Set(['xz', 'zstd'])));
        const stream = await streamed(file, options);
        assert.ok('contents' in stream, `${name}: the stream reads it (${JSON.stringify(stream)})`);
        assert.ok('contents' in memory, `${name}: read in memory (${JSON.stringify(memory)})`);
        assert.deepEqual(memory.contents, stream.contents, name);
        assert.deepEqual(await readDeb(file, options), stream.contents, `${name}: readDeb`);
      }
    }
  });

  it('thousands of corrupted copies: whatever the in-memory reading accepts, the stream accepts the same way; whatever it refuses, the stream refuses', async () => {
    const next = random(20261203);
    const pick = (n: number): number => Math.floor(next() * n);
    const counts = { accepted: 0, refused: 0, streamOnly: 0 };
    const file = path.join(work, 'mutant.deb');
    // Corruptions: bytes set to random or boundary values (in headers, sizes, names, data),
    // truncation, bytes inserted; for a member compressed with gzip, also inside its tar (then
    // compressed again), where the header rules are.
    const corrupt = (bytes: Buffer): Buffer => {
      const copy = Buffer.from(bytes);
      const kind = pick(4);
      if (kind === 0) return copy.subarray(0, pick(copy.length));
      if (kind === 1) {
        const at = pick(copy.length);
        return Buffer.concat([copy.subarray(0, at), Buffer.from([pick(256)]), copy.subarray(at)]);
      }
      for (let n = 1 + pick(3); n > 0; n--) copy[pick(copy.length)] = [0, 0x20, 0x30, 0x37, 0x2f, 0x2e, 0x80, 0xff, pick(256)][pick(9)]!;
      return copy;
    };
    const corruptInsideGzipTar = (bytes: Buffer): Buffer | undefined => {
      const members = arMembersOf(bytes);
      const gzipped = members.filter(([member]) => member.endsWith('.tar.gz'));
      if (gzipped.length === 0) return undefined;
      const chosen = gzipped[pick(gzipped.length)]!;
      return arArchive(members.map(([member, data]) => [member, member === chosen[0] ? gzipSync(corrupt(gunzipSync(data))) : data]));
    };
    for (const [name, seed] of seeds) {
      for (let round = 0; round < 600; round++) {
        const mutant = round % 3 === 2 ? corruptInsideGzipTar(seed) ?? corrupt(seed) : corrupt(seed);
        await fs.writeFile(file, mutant);
        const options = OPTIONS[round % OPTIONS.length]!;
        const memory = inMemory(mutant, options, await loadDecoders(new Set(['xz', 'zstd'])));
        const stream = await streamed(file, options);
        const where = `${name}, corruption ${round}`;
        if ('contents' in memory) {
          counts.accepted++;
          assert.ok('contents' in stream, `${where}: read in memory but refused by the stream: ${JSON.stringify(stream)}`);
          assert.deepEqual(memory.contents, stream.contents, where);
        } else if ('refused' in memory) {
          counts.refused++;
          assert.ok('refused' in stream, `${where}: refused in memory (${memory.refused}) but read by the stream`);
        } else counts.streamOnly++;
      }
    }
    console.log(`      ${counts.accepted} read both ways alike, ${counts.refused} refused both ways, ${counts.streamOnly} left to the stream`);
    // Both outcomes must have been exercised for the comparison to mean anything.
    assert.ok(counts.accepted > 100 && counts.refused > 1000, JSON.stringify(counts));
  });
});
