// Packages larger than memory: a 2 GiB-payload package built by debforge, a 512 MiB payload
// compressed with zstd (one frame, streamed), and a 9 GiB package
// whose data.tar entry needs a base-256 size, go through inspect and repo in bounded memory.
// Slow (minutes: gigabytes are written, read and hashed), so they are a layer of their own,
// `npm run test:large`, which CI runs after `npm test`.
import assert from 'node:assert/strict';
import { createCipheriv } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { encodeTarHeader } from '../../src/debian/tar-header.js';
import { measuredDebforgeSync, type MeasuredRun } from '../support/measure.js';
import { FIXTURES, copyTree, must, tempDir } from '../support/tools.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const PEAK_LIMIT_KIB = 256 * 1024;

type Measured = MeasuredRun;

function measured(args: readonly string[], timeoutSeconds: number): Measured {
  return measuredDebforgeSync(args, timeoutSeconds);
}

function report(what: string, result: Measured): void {
  console.log(`      ${what}: ${(result.ms / 1000).toFixed(1)} s, peak ${(result.peakKiB / 1024).toFixed(0)} MiB`);
  assert.equal(result.code, 0, `${what} failed: ${result.stderr}`);
  assert.ok(result.peakKiB < PEAK_LIMIT_KIB, `${what}: peak memory ${result.peakKiB} KiB, more than ${PEAK_LIMIT_KIB} KiB`);
}

/** Writes `size` incompressible bytes (an AES-CTR keystream) 16 MiB at a time. */
async function writeKeystream(file: string, size: number): Promise<void> {
  const cipher = createCipheriv('aes-128-ctr', Buffer.alloc(16, 7), Buffer.alloc(16));
  const zeros = Buffer.alloc(16 * MiB);
  const handle = await fs.open(file, 'w');
  try {
    for (let written = 0; written < size; written += zeros.length) await handle.write(cipher.update(zeros.subarray(0, Math.min(zeros.length, size - written))));
  } finally {
    await handle.close();
  }
}

/** Writes `size` bytes of text-like lines (numbered waypoints), 16 MiB at a time. */
async function writeText(file: string, size: number): Promise<void> {
  const handle = await fs.open(file, 'w');
  try {
    let line = 0;
    for (let written = 0; written < size; ) {
      let piece = '';
      while (piece.length < 16 * MiB) piece += `waypoint ${line++} x=${(line * 7919) % 100003} y=${(line * 104729) % 99991} frame map\n`;
      const bytes = Buffer.from(piece.slice(0, Math.min(piece.length, size - written)));
      await handle.write(bytes);
      written += bytes.length;
    }
  } finally {
    await handle.close();
  }
}

/** A copy of format1_daemon in `work`, with the folder for its payload made. */
async function payloadDaemon(work: string): Promise<{ daemon: string; payloadDir: string }> {
  const daemon = path.join(work, 'format1_daemon');
  await copyTree(path.join(FIXTURES, 'good', 'format1_daemon'), daemon);
  const payloadDir = path.join(daemon, 'files/usr/share/format1-daemon');
  await fs.mkdir(payloadDir, { recursive: true });
  return { daemon, payloadDir };
}

/** The stanza fields of the only package in a Packages file. */
function packagesField(packages: string, field: string): string | undefined {
  return new RegExp(`^${field}: (.*)$`, 'm').exec(packages)?.[1];
}

describe('packages larger than memory (build, inspect and repo under 256 MiB)', function () {
  this.timeout(1_800_000);

  it('a 2 GiB-payload package built by debforge: inspect lists it, repo publishes it with the hashes sha256sum computes', async () => {
    const work = await tempDir('debforge-large-');
    try {
      const { daemon, payloadDir } = await payloadDaemon(work);
      await writeKeystream(path.join(payloadDir, 'model.bin'), 2 * GiB);
      const out = path.join(work, 'out');
      const built = measured(['build', daemon, '--out', out, '--jobs', '2', '--compression', 'gzip'], 900);
      report('build (2 GiB, gzip, --jobs 2)', built);
      const deb = built.stdout.trim();
      await fs.rm(path.join(daemon, 'files'), { recursive: true });

      const inspected = measured(['inspect', deb], 600);
      report('inspect', inspected);
      assert.match(inspected.stdout, /^ {2}-0644 root\/root 2147483648 \.\/usr\/share\/format1-daemon\/model\.bin$/m);
      const oracle = must('dpkg-deb', ['--contents', deb]);
      assert.match(oracle, / 2147483648 \S+ \S+ \.\/usr\/share\/format1-daemon\/model\.bin$/m);

      const repo = path.join(work, 'repo');
      const published = measured(['repo', deb, '--out', repo], 600);
      report('repo', published);
      // The suite is the profile's codename, which debforge writes into the changelog (noetic: focal).
      assert.deepEqual(await fs.readdir(path.join(repo, 'dists')), ['focal']);
      const packages = await fs.readFile(path.join(repo, 'dists/focal/main/binary-all/Packages'), 'utf8');
      assert.equal(packagesField(packages, 'Size'), String((await fs.stat(deb)).size));
      assert.equal(packagesField(packages, 'SHA256'), must('sha256sum', [deb]).split(' ')[0]);
      assert.equal(packagesField(packages, 'MD5sum'), must('md5sum', [deb]).split(' ')[0]);
    } finally {
      await fs.rm(work, { recursive: true, force: true });
    }
  });

  it('a 512 MiB payload with --compression zstd: one frame streamed in bounded memory, which dpkg-deb -x unpacks whole', async () => {
    const work = await tempDir('debforge-large-');
    try {
      const { daemon, payloadDir } = await payloadDaemon(work);
      // Random bytes (zstd stores them) and text (zstd compresses it), as a robot's models and maps.
      await writeKeystream(path.join(payloadDir, 'model.bin'), 192 * MiB);
      await writeText(path.join(payloadDir, 'map.txt'), 320 * MiB);
      const out = path.join(work, 'out');
      const built = measured(['build', daemon, '--out', out, '--jobs', '2', '--compression', 'zstd'], 900);
      // Memory stays that of a gzip build: the frame is streamed, never gathered.
      report('build (512 MiB, zstd, --jobs 2)', built);
      const deb = built.stdout.trim();
      assert.deepEqual(must('ar', ['t', deb]).trim().split('\n'), ['debian-binary', 'control.tar.zst', 'data.tar.zst']);
      const extracted = path.join(work, 'extracted');
      must('dpkg-deb', ['-x', deb, extracted]);
      for (const file of ['model.bin', 'map.txt']) {
        const [ours, theirs] = [path.join(payloadDir, file), path.join(extracted, 'usr/share/format1-daemon', file)].map((f) => must('sha256sum', [f]).split(' ')[0]);
        assert.equal(theirs, ours, `${file} unpacked whole`);
      }
    } finally {
      await fs.rm(work, { recursive: true, force: true });
    }
  });

  it('a 9 GiB .deb (uncompressed data.tar, one entry with a base-256 size): inspect and repo read it, as dpkg-deb does', async () => {
    const work = await tempDir('debforge-large-');
    try {
      // Made by hand as a sparse file, so the test costs reading 9 GiB, not writing it.
      const size = 9 * GiB;
      const controlText = Buffer.from('Package: huge\nVersion: 1.0\nArchitecture: all\nMaintainer: T <t@example.org>\nDescription: x\n');
      const control = Buffer.concat([
        encodeTarHeader({ name: Buffer.from('./'), mode: 0o755, size: 0, mtime: 0, typeflag: '5' }),
        encodeTarHeader({ name: Buffer.from('./control'), mode: 0o644, size: controlText.length, mtime: 0, typeflag: '0' }),
        controlText,
        Buffer.alloc(512 - controlText.length + 1024),
      ]);
      const dataHeader = encodeTarHeader({ name: Buffer.from('./huge.bin'), mode: 0o644, size, mtime: 0, typeflag: '0' });
      assert.equal(dataHeader[124], 0x80, 'the size needs base-256');
      const dataLength = 512 + size + 1024;
      const arHeader = (name: string, length: number): Buffer =>
        Buffer.from(name.padEnd(16) + '0'.padEnd(12) + '0'.padEnd(6) + '0'.padEnd(6) + '100644'.padEnd(8) + String(length).padEnd(10) + '`\n', 'latin1');
      const head = Buffer.concat([Buffer.from('!<arch>\n'), arHeader('debian-binary', 4), Buffer.from('2.0\n'), arHeader('control.tar', control.length), control, arHeader('data.tar', dataLength), dataHeader]);
      const deb = path.join(work, 'huge_1.0_all.deb');
      const handle = await fs.open(deb, 'w');
      try {
        await handle.write(head, 0, head.length, 0);
        // The hole is the file's zeros; the two end-of-archive blocks are zeros too.
        await handle.truncate(head.length + size + 1024);
      } finally {
        await handle.close();
      }
      const oracle = must('dpkg-deb', ['--contents', deb]);
      assert.match(oracle, / 9663676416 \S+ \S+ \.\/huge\.bin$/m);

      const inspected = measured(['inspect', deb], 900);
      report('inspect (9 GiB)', inspected);
      assert.match(inspected.stdout, /^ {2}-0644 root\/root 9663676416 \.\/huge\.bin$/m);
      const repo = path.join(work, 'repo');
      const published = measured(['repo', deb, '--out', repo, '--suite', 'stable'], 900);
      report('repo (9 GiB)', published);
      const packages = await fs.readFile(path.join(repo, 'dists/stable/main/binary-all/Packages'), 'utf8');
      assert.equal(packagesField(packages, 'Size'), String(head.length + size + 1024));
      assert.equal(packagesField(packages, 'SHA256'), must('sha256sum', [deb]).split(' ')[0]);
    } finally {
      await fs.rm(work, { recursive: true, force: true });
    }
  });
});
