// `--jobs` never changes the bytes: the CLI builds the same daemon with 1, 2 and 8 jobs, gzip and
// xz, and a multi-daemon, multi-profile call with --jobs 2 gives the packages one-by-one builds
// give. The packages are then handed to the real tools: gzip -t / xz -t on every compressed ar
// member (extracted with binutils' ar), dpkg-deb -x and dpkg --unpack. No timing is asserted.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { seededRandomBytes, seededText } from '../support/seeded.js';
import { FIXTURES, copyTree, debforge, dpkgUnpack, must, run, scratchRoot, tempDir } from '../support/tools.js';

const ENV = { ...process.env, SOURCE_DATE_EPOCH: '1700000000' };
const KIB = 1024;
const MIB = 1024 * KIB;

/** Incompressible but reproducible bytes. */
function randomBytes(size: number, seed: number): Buffer {
  return seededRandomBytes(size, `jobs-test-${seed}`);
}

/** format2_daemon renamed, with ~3.5 MiB of mixed payload: many gzip blocks, odd sizes, an executable. */
async function makePayloadDaemon(dir: string, name: string, seed: number): Promise<void> {
  await copyTree(path.join(FIXTURES, 'good', 'format2_daemon'), dir);
  const manifest = path.join(dir, 'package.xml');
  await fs.writeFile(manifest, (await fs.readFile(manifest, 'utf8')).replace(/format2_daemon/g, name));
  const share = path.join(dir, 'files', 'usr', 'share', name);
  await fs.mkdir(path.join(share, 'maps'), { recursive: true });
  await fs.writeFile(path.join(share, 'firmware.bin'), randomBytes(MIB + 333, seed));
  await fs.writeFile(path.join(share, 'maps', 'floor.log'), seededText(2 * MIB + 77, seed + 1));
  await fs.writeFile(path.join(share, 'maps', 'mixed.dat'), Buffer.concat([seededText(200 * KIB, seed + 2), randomBytes(129 * KIB, seed + 3)]));
  await fs.writeFile(path.join(share, 'empty'), Buffer.alloc(0));
  await fs.writeFile(path.join(share, 'odd'), randomBytes(511, seed + 4));
  await fs.writeFile(path.join(share, 'run-me'), '#!/bin/sh\necho payload\n', { mode: 0o755 });
}

interface JsonResult {
  path: string;
  package: string;
  profile: string;
  sha256: string;
}

function buildJson(args: readonly string[]): JsonResult[] {
  const result = debforge(['build', ...args, '--json'], { env: ENV });
  assert.equal(result.code, 0, `debforge build ${args.join(' ')} failed:\n${result.stderr}`);
  return JSON.parse(result.stdout) as JsonResult[];
}

async function sha256(file: string): Promise<string> {
  return createHash('sha256').update(await fs.readFile(file)).digest('hex');
}

/** The ar members of a .deb, extracted with binutils' ar into a fresh folder. */
async function arExtract(deb: string): Promise<{ dir: string; members: string[] }> {
  const dir = await tempDir('debforge-ar-');
  const members = must('ar', ['t', deb]).split('\n').filter((line) => line !== '');
  must('ar', ['x', path.resolve(deb)], { cwd: dir });
  return { dir, members };
}

describe('--jobs: the same bytes for any job count, accepted by gzip, xz, zstd, dpkg-deb and dpkg', function () {
  this.timeout(600_000);
  let work: string;
  let daemon: string;
  let source: string;

  before(async () => {
    work = await tempDir('debforge-jobs-');
    source = path.join(work, 'daemons');
    daemon = path.join(source, 'jobs_daemon');
    await makePayloadDaemon(daemon, 'jobs_daemon', 11);
  });

  after(async () => {
    await fs.rm(work, { recursive: true, force: true });
  });

  for (const compression of ['gzip', 'xz', 'zstd'] as const) {
    it(`${compression}: --jobs 1, 2 and 8 give the same sha256; members pass ${compression} -t; dpkg-deb -x and dpkg --unpack accept it`, async () => {
      const hashes = new Map<number, string>();
      let deb = '';
      for (const jobs of [1, 2, 8]) {
        const out = path.join(work, `${compression}-jobs-${jobs}`);
        const [result] = buildJson([daemon, '--out', out, '--compression', compression, '--jobs', String(jobs)]);
        assert.ok(result);
        assert.equal(await sha256(result.path), result.sha256, 'the reported sha256 is the file');
        hashes.set(jobs, result.sha256);
        deb = result.path;
      }
      assert.equal(hashes.get(2), hashes.get(1), '--jobs 2 differs from --jobs 1');
      assert.equal(hashes.get(8), hashes.get(1), '--jobs 8 differs from --jobs 1');

      const extension = compression === 'gzip' ? 'gz' : compression === 'zstd' ? 'zst' : 'xz';
      const { dir, members } = await arExtract(deb);
      assert.deepEqual(members, ['debian-binary', `control.tar.${extension}`, `data.tar.${extension}`]);
      for (const member of members.slice(1)) {
        const tested = run(compression, ['-t', path.join(dir, member)]);
        assert.equal(tested.code, 0, `${compression} -t ${member}: ${tested.stderr}`);
      }

      const extracted = path.join(work, `${compression}-extracted`);
      must('dpkg-deb', ['-x', deb, extracted]);
      for (const relative of ['usr/share/jobs_daemon/firmware.bin', 'usr/share/jobs_daemon/maps/floor.log', 'usr/share/jobs_daemon/maps/mixed.dat']) {
        assert.ok((await fs.readFile(path.join(extracted, relative))).equals(await fs.readFile(path.join(daemon, 'files', relative))), `${relative} differs`);
      }
      const root = await scratchRoot();
      try {
        const unpacked = dpkgUnpack(root, deb);
        assert.equal(unpacked.code, 0, `dpkg --unpack: ${unpacked.stderr}`);
      } finally {
        await fs.rm(root, { recursive: true, force: true });
      }
    });
  }

  it('md5sums of big payload files, hashed on threads, pass md5sum -c and do not depend on --jobs', async () => {
    // Over 32 MiB in files over 256 KiB: enough for the layout stage to hash them on threads.
    const big = path.join(work, 'daemons-big', 'big_daemon');
    await makePayloadDaemon(big, 'big_daemon', 31);
    const share = path.join(big, 'files', 'usr', 'share', 'big_daemon');
    for (let i = 0; i < 4; i++) await fs.writeFile(path.join(share, `model-${i}.bin`), Buffer.concat([seededText(5 * MIB + i, 40 + i), randomBytes(4 * MIB + 7 * i, 50 + i)]));
    const hashes: string[] = [];
    let deb = '';
    for (const jobs of [1, 2]) {
      const [result] = buildJson([big, '--out', path.join(work, `big-jobs-${jobs}`), '--jobs', String(jobs)]);
      assert.ok(result);
      hashes.push(result.sha256);
      deb = result.path;
    }
    assert.equal(hashes[1], hashes[0], '--jobs 2 differs from --jobs 1');
    const root = path.join(work, 'big-extracted');
    must('dpkg-deb', ['-x', deb, root]);
    must('dpkg-deb', ['-e', deb, path.join(root, 'DEBIAN')]);
    const listed = await fs.readFile(path.join(root, 'DEBIAN', 'md5sums'), 'utf8');
    for (let i = 0; i < 4; i++) assert.match(listed, new RegExp(`  usr/share/big_daemon/model-${i}\\.bin\n`));
    const checked = run('md5sum', ['--check', '--strict', 'DEBIAN/md5sums'], { cwd: root });
    assert.equal(checked.code, 0, `md5sum --check: ${checked.stdout}${checked.stderr}`);
  });

  it('several daemons and profiles in one call with --jobs 2 give the bytes of one-by-one builds', async () => {
    // A second daemon beside the first, and a smaller third, so packages of different sizes overlap.
    await makePayloadDaemon(path.join(source, 'other_daemon'), 'other_daemon', 23);
    // Its own unit, program and conffile names: a run refuses two packages installing one path.
    const other = path.join(source, 'other_daemon');
    for (const [from, to] of [['etc/format2-daemon.service.in', 'etc/other-daemon.service.in'], ['files/usr/bin/format2-daemon', 'files/usr/bin/other-daemon'], ['files/etc/format2-daemon', 'files/etc/other-daemon']]) {
      await fs.rename(path.join(other, from!), path.join(other, to!));
    }
    for (const file of ['package.xml', 'etc/other-daemon.service.in']) {
      await fs.writeFile(path.join(other, file), (await fs.readFile(path.join(other, file), 'utf8')).replace(/format2-daemon/g, 'other-daemon'));
    }
    await copyTree(path.join(FIXTURES, 'good', 'format3_daemon'), path.join(source, 'format3_daemon'));
    const profiles = ['--profile', 'noetic', '--profile', 'humble', '--profile', 'jazzy'];
    const together = buildJson([source, ...profiles, '--out', path.join(work, 'together'), '--jobs', '2']);
    assert.equal(together.length, 9, 'three daemons x three profiles');

    const alone = new Map<string, string>();
    for (const name of ['format3_daemon', 'jobs_daemon', 'other_daemon']) {
      for (const profile of ['noetic', 'humble', 'jazzy']) {
        const [result] = buildJson([path.join(source, name), '--profile', profile, '--out', path.join(work, 'alone')]);
        assert.ok(result);
        alone.set(path.basename(result.path), result.sha256);
      }
    }
    assert.equal(alone.size, 9);
    for (const result of together) {
      assert.equal(await sha256(result.path), result.sha256);
      assert.equal(result.sha256, alone.get(path.basename(result.path)), `${path.basename(result.path)} differs from its one-by-one build`);
    }
  });
});
