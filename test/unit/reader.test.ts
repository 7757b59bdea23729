// Hostile and unusual .deb files against the one reader, through `inspect` and `repo` as a user
// runs them: every crafted file is made here, every run is a child process whose time and peak
// memory (GNU time's %M) are bounded, and nothing may be written.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { decodeTarHeader, decodeTarNumber, encodeTarHeader } from '../../src/debian/tar-header.js';
import { arArchive, arHeader, bomb, compress, CONTROL, controlTar, debWith, dpkgDebBuilt, patchHeader, tarArchive, tarEntry } from '../support/crafted-deb.js';
import { measuredDebforgeSync, snapshot, type MeasuredRun } from '../support/measure.js';
import { must, tempDir } from '../support/tools.js';

const MiB = 1024 * 1024;
/** The bound for inspect and repo, whatever the package. */
const PEAK_LIMIT_KIB = 256 * 1024;

type Measured = MeasuredRun;

/** Runs the CLI under GNU time; a run past `timeoutSeconds` is killed and fails the test. */
function measured(args: readonly string[], timeoutSeconds = 60): Measured {
  return measuredDebforgeSync(args, timeoutSeconds);
}

/** Refused as bad input: exit 1, one line naming the file, no stack trace, no control character, within bounds. */
function assertRefused(result: Measured, file: string, pattern: RegExp, seconds = 30): void {
  assert.equal(result.code, 1, `exit code; stderr: ${result.stderr}`);
  const lines = result.stderr.split('\n').filter((line) => line !== '');
  assert.equal(lines.length, 1, `one line on stderr, got:\n${result.stderr}`);
  assert.ok(lines[0]!.startsWith(`debforge: ${file}: `), `the message names the file: ${lines[0]}`);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(result.stderr, /^\s+at /m, 'no stack trace');
  assertNoControlCharacters(result.stdout + result.stderr);
  assert.ok(result.ms / 1000 < seconds, `took ${(result.ms / 1000).toFixed(1)} s, more than ${seconds} s`);
  assert.ok(result.peakKiB < PEAK_LIMIT_KIB, `peak memory ${result.peakKiB} KiB, more than ${PEAK_LIMIT_KIB} KiB`);
}

function assertNoControlCharacters(text: string): void {
  const found = /[\x00-\x09\x0b-\x1f\x7f-\x9f]/u.exec(text);
  assert.equal(found, null, `a control character ${JSON.stringify(found?.[0])} was printed`);
}

describe('the .deb reader against hostile files (inspect and repo, bounded in time and memory)', function () {
  this.timeout(240_000);
  let work: string;
  let inputs: string;
  let repoDir: string;

  before(async () => {
    work = await tempDir('debforge-reader-');
    inputs = path.join(work, 'inputs');
    repoDir = path.join(work, 'repo');
    await fs.mkdir(inputs);
    // A repository that already holds a package: every refused run must leave it byte for byte.
    const seed = await dpkgDebBuilt(work, 'gzip', 'seed');
    const published = measured(['repo', seed, '--out', repoDir, '--suite', 'stable']);
    assert.equal(published.code, 0, published.stderr);
  });

  /** Writes the crafted file, runs inspect and repo on it, and checks both refuse it cleanly. */
  async function refusedByBoth(name: string, bytes: Buffer, pattern: RegExp, seconds = 30): Promise<Measured[]> {
    const file = path.join(inputs, name);
    await fs.writeFile(file, bytes);
    const before = [await snapshot(inputs), await snapshot(repoDir)];
    const inspected = measured(['inspect', file]);
    assertRefused(inspected, file, pattern, seconds);
    const published = measured(['repo', file, '--out', repoDir, '--suite', 'stable']);
    assertRefused(published, file, pattern, seconds);
    assert.deepEqual([await snapshot(inputs), await snapshot(repoDir)], before, 'nothing written or changed');
    await fs.rm(file);
    return [inspected, published];
  }

  it('a 132-byte .deb whose ar header gives a negative member size', async () => {
    const bytes = Buffer.concat([Buffer.from('!<arch>\n'), arHeader('debian-binary', '-4'), Buffer.from('2.0\n'), arHeader('control.tar', '-100')]);
    assert.equal(bytes.length, 132);
    await refusedByBoth('negative.deb', bytes, /size "-4" is not a non-negative decimal number/);
  });

  it('an ar member size past the end of the file, and ar member names with "/" or ".."', async () => {
    const valid = debWith('data.tar', tarArchive([{ name: './' , type: '5' }]));
    const huge = Buffer.concat([valid.subarray(0, 8), arHeader('debian-binary', '9999999999'), valid.subarray(68)]);
    await refusedByBoth('huge.deb', huge, /claims 9999999999 bytes, past the end of the \d+-byte file/);
    const slash = arArchive([['debian-binary', Buffer.from('2.0\n')], ['../control.tar', controlTar()]]);
    await refusedByBoth('slash.deb', slash, /invalid name "\.\.\/control\.tar"/);
    const dotdot = arArchive([['debian-binary', Buffer.from('2.0\n')], ['..', controlTar()]]);
    await refusedByBoth('dotdot.deb', dotdot, /invalid name "\.\."/);
  });

  it('a data.tar entry with a negative octal size, plain and gzipped', async () => {
    const entry = tarEntry({ name: './usr/x', content: Buffer.from('abc') });
    const negative = patchHeader(entry.subarray(0, 512), 124, Buffer.from('-0000000777\0', 'latin1'));
    const data = Buffer.concat([negative, entry.subarray(512), Buffer.alloc(1024)]);
    await refusedByBoth('negative-tar.deb', debWith('data.tar', data), /data\.tar: header at byte 0: size field "-0000000777" is not an octal number/);
    await refusedByBoth('negative-tar-gz.deb', debWith('data.tar.gz', compress('gzip', ['-n'], data)), /data\.tar\.gz: header at byte 0: size field/);
  });

  it('a negative base-256 size, a wrong checksum, a size past the archive, a PAX header, a directory with data', async () => {
    const entry = tarEntry({ name: './usr/x', content: Buffer.from('abc') });
    const base256 = patchHeader(entry.subarray(0, 512), 124, Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00]));
    await refusedByBoth('base256.deb', debWith('data.tar', Buffer.concat([base256, entry.subarray(512), Buffer.alloc(1024)])), /negative size \(base-256\)/);
    const checksum = Buffer.from(entry);
    checksum[0] = 0x41;
    await refusedByBoth('checksum.deb', debWith('data.tar', Buffer.concat([checksum, Buffer.alloc(1024)])), /checksum \d+ does not match/);
    const past = patchHeader(entry.subarray(0, 512), 124, Buffer.from('77777777777\0', 'latin1'));
    await refusedByBoth('past.deb', debWith('data.tar', Buffer.concat([past, entry.subarray(512), Buffer.alloc(1024)])), /data\.tar.* is truncated/);
    const pax = tarArchive([{ name: './PaxHeaders/x', type: 'x', content: Buffer.from('20 path=./usr/evil\n') }, { name: './usr/x' }]);
    await refusedByBoth('pax.deb', debWith('data.tar', pax), /a PAX extended header, which dpkg does not unpack/);
    const dir = patchHeader(tarEntry({ name: './usr/', type: '5' }), 124, Buffer.from('00000001000\0', 'latin1'));
    await refusedByBoth('dir.deb', debWith('data.tar', Buffer.concat([dir, Buffer.alloc(1024)])), /is a directory with a size of 512/);
  });

  for (const [extension, command, args] of [
    ['xz', 'xz', ['-T1', '-6']],
    ['zst', 'zstd', ['-q', '-3', '-c']],
    ['gz', 'gzip', ['-n', '-9']],
  ] as const) {
    it(`a 1 GiB ${extension} bomb in data.tar.${extension} is refused in seconds, under 256 MiB`, async () => {
      const compressed = bomb(command, args, 1024 * MiB);
      assert.ok(compressed.length < 2 * MiB, `the bomb is small (${compressed.length} bytes)`);
      const runs = await refusedByBoth(`bomb-${extension}.deb`, debWith(`data.tar.${extension}`, compressed), new RegExp(`data\\.tar\\.${extension} expands more than 200 times .*decompression bomb`), 20);
      for (const result of runs) console.log(`      ${extension} bomb (${compressed.length} bytes): ${(result.ms / 1000).toFixed(1)} s, peak ${(result.peakKiB / 1024).toFixed(0)} MiB`);
    });
  }

  it('a zstd frame asking for a 2 GiB window is refused before anything is allocated', async () => {
    // Frame header: magic, descriptor (no checksum, not single segment), window descriptor 2^31.
    const frame = Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, (31 - 10) << 3]), Buffer.from([0x01, 0x00, 0x00])]);
    await refusedByBoth('window.deb', debWith('data.tar.zst', frame), /zstd frame needs a 2147483648-byte window/);
  });

  it('a FIFO, /dev/zero and a folder given as the package: refused at once, nothing read', async () => {
    const fifo = path.join(inputs, 'pipe.deb');
    must('mkfifo', [fifo]);
    try {
      assertRefused(measured(['inspect', fifo], 20), fifo, /is a FIFO, not a regular file/, 10);
      assertRefused(measured(['repo', fifo, '--out', repoDir, '--suite', 'stable'], 20), fifo, /is a FIFO, not a regular file/, 10);
    } finally {
      await fs.rm(fifo);
    }
    assertRefused(measured(['inspect', '/dev/zero'], 20), '/dev/zero', /is a device, not a regular file/, 10);
    assertRefused(measured(['repo', '/dev/zero', '--out', repoDir, '--suite', 'stable'], 20), '/dev/zero', /is a device, not a regular file/, 10);
    const folder = path.join(work, 'folder.deb');
    await fs.mkdir(folder);
    assertRefused(measured(['inspect', folder], 20), folder, /is a directory, not a regular file/, 10);
  });

  it('inspect flags entries that would escape the root and prints no control character', async () => {
    const data = tarArchive([
      { name: './', type: '5' },
      { name: './usr/', type: '5' },
      { name: './usr/../../etc/cron.d/evil', content: Buffer.from('x') },
      { name: '/etc/passwd', content: Buffer.from('x') },
      { name: './usr/lib', type: '2', linkname: '/etc' },
      { name: './usr/lib/shadow', content: Buffer.from('x') },
      { name: './usr/hard', type: '1', linkname: '../etc/shadow' },
      { name: './usr/missing', type: '1', linkname: './usr/nowhere' },
      { name: './usr/red\x1b[31mtext\x9b2J', content: Buffer.from('x') },
      { name: './usr/fine', content: Buffer.from('fine') },
      { name: './usr/fine-link', type: '1', linkname: './usr/fine' },
    ]);
    const control = tarArchive([{ name: './', type: '5' }, { name: './control', content: Buffer.from(`${CONTROL}X-Evil: \x1b]0;owned\x07\n`) }, { name: './postinst', content: Buffer.from('#!/bin/sh\necho "\x1b[2J"\n') }]);
    const file = path.join(inputs, 'escapes.deb');
    await fs.writeFile(file, arArchive([['debian-binary', Buffer.from('2.0\n')], ['control.tar', control], ['data.tar', data]]));
    const before = await snapshot(inputs);
    const result = measured(['inspect', file]);
    assert.equal(result.code, 1, result.stderr);
    assertNoControlCharacters(result.stdout + result.stderr);
    const flagged = result.stderr.split('\n').filter((line) => line !== '');
    assert.deepEqual(flagged, [
      `${file}: entry ./usr/../../etc/cron.d/evil would be unpacked outside the root: it has a ".." component`,
      `${file}: entry /etc/passwd would be unpacked outside the root: it is an absolute path`,
      `${file}: entry ./usr/lib/shadow would be unpacked outside the root: it goes through the symlink ./usr/lib`,
      `${file}: entry ./usr/hard would be unpacked outside the root: it is a hard link out of the package (target has a ".." component)`,
      `${file}: entry ./usr/missing would be unpacked outside the root: it is a hard link to a file not earlier in the package`,
    ]);
    assert.match(result.stdout, /\.\/usr\/red\\x1b\[31mtext\\x9b2J$/m, 'control characters in names are shown escaped');
    assert.match(result.stdout, /X-Evil: \\x1b\]0;owned\\x07/);
    assert.match(result.stdout, /echo "\\x1b\[2J"/);
    assert.match(result.stdout, /^ {2}h0644 root\/root {10}0 \.\/usr\/fine-link => \.\/usr\/fine$/m, 'a hard link inside the package is fine');
    assert.equal(result.stdout.match(/\[ESCAPES THE ROOT: /g)?.length, 5);
    const json = measured(['inspect', '--json', file]);
    assert.equal(json.code, 1);
    assertNoControlCharacters(json.stdout);
    const parsed = JSON.parse(json.stdout) as { files: Array<{ path: string; escapes?: string }> };
    assert.equal(parsed.files.filter((f) => f.escapes !== undefined).length, 5);
    assert.ok(parsed.files.some((f) => f.path === './usr/red\x1b[31mtext\x9b2J'), 'JSON keeps the name, escaped by JSON');
    assert.deepEqual(await snapshot(inputs), before);
  });

  for (const compression of ['zstd', 'xz', 'gzip', 'none'] as const) {
    it(`a package dpkg-deb builds with -Z${compression}: inspect lists what dpkg-deb lists, repo publishes it as apt-ftparchive does`, async () => {
      const dir = await tempDir('debforge-reader-real-');
      const deb = await dpkgDebBuilt(dir, compression);
      const members = must('ar', ['t', deb]).trim().split('\n');
      const suffix = compression === 'gzip' ? '.gz' : compression === 'none' ? '' : compression === 'zstd' ? '.zst' : '.xz';
      assert.deepEqual(members, ['debian-binary', `control.tar${suffix}`, `data.tar${suffix}`]);
      const inspected = measured(['inspect', '--json', deb]);
      assert.equal(inspected.code, 0, inspected.stderr);
      const shown = JSON.parse(inspected.stdout) as { control: Record<string, string>; scripts: Record<string, string>; files: Array<{ path: string; size: number; mode: string }> };
      assert.equal(shown.control.Package, `real-${compression}`);
      assert.match(shown.scripts.postinst ?? '', /echo "configured"/);
      // dpkg-deb --contents: "drwxr-xr-x root/root 0 2024-01-01 00:00 ./usr/" (a symlink adds " -> target").
      const oracle = must('dpkg-deb', ['--contents', deb])
        .trim()
        .split('\n')
        .map((line) => {
          const fields = line.split(/\s+/);
          return `${fields[2]} ${fields.slice(5).join(' ')}`;
        });
      assert.deepEqual(shown.files.map((f) => `${f.size} ${f.path}`), oracle);
      const out = path.join(dir, 'repo');
      const published = measured(['repo', deb, '--out', out, '--suite', 'stable', '--json']);
      assert.equal(published.code, 0, published.stderr);
      const packages = await fs.readFile(path.join(out, 'dists/stable/main/binary-all/Packages'), 'utf8');
      const expected = must('apt-ftparchive', ['packages', '.'], { cwd: dir });
      for (const field of ['Package', 'Size', 'MD5sum', 'SHA256']) {
        const ours = new RegExp(`^${field}: (.*)$`, 'm').exec(packages)?.[1];
        assert.equal(ours, new RegExp(`^${field}: (.*)$`, 'm').exec(expected)?.[1], `${field} agrees with apt-ftparchive`);
      }
    });
  }
});

describe('tar header codec', () => {
  it('reads base-256 sizes past 8 GiB as GNU tar writes them, and round-trips the writer', () => {
    const nineGiB = 9 * 1024 * 1024 * 1024;
    const header = encodeTarHeader({ name: Buffer.from('./big'), mode: 0o644, size: nineGiB, mtime: 1700000000, typeflag: '0' });
    assert.equal(header[124], 0x80);
    assert.equal(decodeTarHeader(header).size, nineGiB);
    // GNU tar as the oracle: the header it writes for a (sparse) 9 GiB file, read back.
    const script = 'd=$(mktemp -d) && cd "$d" && truncate -s 9G big && tar --format=gnu -cf - big | head -c 512; rm -rf "$d"';
    const gnu = spawnSync('sh', ['-c', script], { maxBuffer: MiB }).stdout;
    assert.equal(gnu.length, 512);
    assert.equal(gnu[124], 0x80, 'GNU tar writes base-256');
    const decoded = decodeTarHeader(gnu);
    assert.equal(decoded.size, nineGiB);
    assert.equal(decoded.name.toString(), 'big');
  });

  it('refuses negative, non-octal and oversized numbers', () => {
    assert.throws(() => decodeTarNumber(Buffer.from('-0000000777\0'), 'size'), /not an octal number/);
    assert.throws(() => decodeTarNumber(Buffer.from('0000009\0'), 'size'), /not an octal number/);
    assert.throws(() => decodeTarNumber(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe]), 'size'), /negative size/);
    assert.throws(() => decodeTarNumber(Buffer.from([0x80, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), 'size'), /too large/);
    assert.equal(decodeTarNumber(Buffer.from('   644 \0'), 'mode'), 0o644);
  });
});
