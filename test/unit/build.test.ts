import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { build, readDeb } from '../../src/index.js';
import { FIXTURES, REPO_ROOT, copyTree, dpkgUnpack, lintianFindings, must, run, scratchRoot, tempDir } from '../support/tools.js';

const EPOCH = 1700000000;

/** Deterministic pseudo-random bytes (xorshift), so the "binary" fixture is the same on every run. */
function pseudoRandom(size: number, seed: number): Buffer {
  const out = Buffer.alloc(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** A daemon whose payload holds every name and size the tar writer must get right. */
async function makeTrickyDaemon(dir: string): Promise<Map<string, Buffer>> {
  await copyTree(path.join(FIXTURES, 'good', 'format2_daemon'), dir);
  const manifest = path.join(dir, 'package.xml');
  await fs.writeFile(manifest, (await fs.readFile(manifest, 'utf8')).replace(/format2_daemon/g, 'tricky_daemon'));
  const payload = new Map<string, Buffer>();
  const add = async (relative: string, content: Buffer, mode = 0o644): Promise<void> => {
    const file = path.join(dir, 'files', relative);
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, content);
    await fs.chmod(file, mode);
    payload.set(`/${relative}`, content);
  };
  await add('usr/share/tricky/nöte-ü.txt', Buffer.from('non-ASCII name\n'));
  await add('usr/share/tricky/日本語/データ.txt', Buffer.from('CJK path\n'));
  await add(`usr/share/tricky/${'c'.repeat(140)}.txt`, Buffer.from('component over 100 bytes\n'));
  const deep = Array.from({ length: 8 }, (_, i) => `level-${i}-${'d'.repeat(30)}`).join('/');
  await add(`usr/share/tricky/${deep}/deep-file.txt`, Buffer.from('path over 255 bytes\n'));
  await add('usr/share/tricky/empty', Buffer.alloc(0));
  await add('usr/share/tricky/odd-513', pseudoRandom(513, 7));
  await add('usr/share/tricky/block-512', pseudoRandom(512, 8));
  await add('usr/share/tricky/short-511', pseudoRandom(511, 9));
  await add('usr/share/tricky/firmware.bin', pseudoRandom(300 * 1024, 10));
  await add('usr/lib/tricky/run-me', Buffer.from('#!/bin/sh\necho hi\n'), 0o700);
  await fs.symlink('nöte-ü.txt', path.join(dir, 'files/usr/share/tricky/link-to-note'));
  // A loose umask in the checkout must not leak into the package.
  await fs.chmod(path.join(dir, 'files/usr/share/tricky/empty'), 0o666);
  return payload;
}

interface Built {
  name: string;
  deb: string;
  source: string;
}

describe('debforge build: packages that dpkg, apt tools and lintian accept', function () {
  this.timeout(300_000);
  const built: Built[] = [];
  let trickyPayload = new Map<string, Buffer>();
  let out: string;

  before(async () => {
    out = await tempDir();
    const tricky = path.join(await tempDir(), 'tricky_daemon');
    trickyPayload = await makeTrickyDaemon(tricky);
    const sources = [
      ...['format1_daemon', 'format2_daemon', 'format3_daemon'].map((n) => path.join(FIXTURES, 'good', n)),
      path.join(REPO_ROOT, 'daemons', 'robot_bringup'),
      tricky,
    ];
    for (const source of sources) {
      const result = await build(source, { outDir: out, sourceDateEpoch: EPOCH, jobs: 2 });
      built.push({ name: path.basename(source), deb: result.path, source });
    }
  });

  it('builds every fixture, named <package>_<version>_<arch>.deb', () => {
    assert.deepEqual(
      built.map((b) => path.basename(b.deb)).sort(),
      [
        'ros-noetic-format1-daemon_0.3.1-1_all.deb',
        'ros-noetic-format2-daemon_2.0.5-1_all.deb',
        'ros-noetic-format3-daemon_3.1.0-1_all.deb',
        'ros-noetic-robot-bringup_1.0.0-1_all.deb',
        'ros-noetic-tricky-daemon_2.0.5-1_all.deb',
      ].sort(),
    );
  });

  it('dpkg-deb --info, --contents and --raw-extract succeed on every package', async () => {
    for (const { deb } of built) {
      must('dpkg-deb', ['--info', deb]);
      must('dpkg-deb', ['--contents', deb]);
      const dir = await tempDir();
      must('dpkg-deb', ['--raw-extract', deb, path.join(dir, 'x')]);
    }
  });

  it('dpkg --root <scratch> --unpack accepts every package', async () => {
    for (const { deb } of built) {
      const root = await scratchRoot();
      const result = dpkgUnpack(root, deb);
      assert.equal(result.code, 0, `${deb}: ${result.stderr}`);
    }
  });

  it('the unpacked payload is byte-identical to the source, with modes from the executable bit', async () => {
    const tricky = built.find((b) => b.name === 'tricky_daemon')!;
    const root = await scratchRoot();
    assert.equal(dpkgUnpack(root, tricky.deb).code, 0);
    for (const [target, content] of trickyPayload) {
      const unpacked = await fs.readFile(path.join(root, target));
      assert.ok(unpacked.equals(content), `${target} differs after unpacking`);
    }
    const listing = must('dpkg-deb', ['--contents', tricky.deb]);
    assert.match(listing, /^-rwxr-xr-x root\/root .* \.\/usr\/lib\/tricky\/run-me$/m);
    assert.match(listing, /^-rw-r--r-- root\/root +0 .* \.\/usr\/share\/tricky\/empty$/m);
    assert.match(listing, /^lrwxrwxrwx root\/root .* \.\/usr\/share\/tricky\/link-to-note -> nöte-ü\.txt$/m);
    assert.equal(await fs.readlink(path.join(root, 'usr/share/tricky/link-to-note')), 'nöte-ü.txt');
    const longest = [...trickyPayload.keys()].reduce((a, b) => (Buffer.byteLength(b) > Buffer.byteLength(a) ? b : a));
    assert.ok(Buffer.byteLength(longest) > 255, 'the fixture really has a path over 255 bytes');
  });

  it('md5sums verify with md5sum -c and leave conffiles out; conffiles are exactly the files under /etc', async () => {
    for (const { deb } of built) {
      const dir = path.join(await tempDir(), 'x');
      must('dpkg-deb', ['--raw-extract', deb, dir]);
      const md5sums = await fs.readFile(path.join(dir, 'DEBIAN/md5sums'), 'utf8');
      const check = run('md5sum', ['--check', '--strict', path.join(dir, 'DEBIAN/md5sums')], { cwd: dir });
      assert.equal(check.code, 0, `${deb}: ${check.stdout}${check.stderr}`);
      const etcFiles = must('find', ['.', '-path', './etc/*', '-type', 'f'], { cwd: dir }).split('\n').filter((l) => l !== '').map((l) => l.slice(1)).sort();
      const conffiles = await fs.readFile(path.join(dir, 'DEBIAN/conffiles'), 'utf8').catch(() => '');
      assert.deepEqual(conffiles.split('\n').filter((l) => l !== ''), etcFiles);
      for (const conffile of etcFiles) assert.ok(!md5sums.includes(` ${conffile.slice(1)}\n`), `${conffile} must not be in md5sums`);
      const dataFiles = must('find', ['.', '-path', './DEBIAN', '-prune', '-o', '-type', 'f', '-print'], { cwd: dir }).split('\n').filter((l) => l !== '' && !l.startsWith('./etc/'));
      assert.equal(md5sums.split('\n').filter((l) => l !== '').length, dataFiles.length, `${deb}: one md5sums line per regular file`);
    }
  });

  it("Installed-Size equals what dpkg-gencontrol computes for the same tree", async () => {
    for (const { deb } of built) {
      const work = await tempDir();
      const tree = path.join(work, 'pkg');
      must('dpkg-deb', ['--raw-extract', deb, tree]);
      const control = await fs.readFile(path.join(tree, 'DEBIAN/control'), 'utf8');
      const ours = /^Installed-Size: (\d+)$/m.exec(control)![1];
      const packageName = /^Package: (.+)$/m.exec(control)![1]!;
      // dpkg-gencontrol runs before md5sums exist and writes control itself.
      await fs.rm(path.join(tree, 'DEBIAN/control'));
      await fs.rm(path.join(tree, 'DEBIAN/md5sums'), { force: true });
      const src = path.join(work, 'src');
      await fs.mkdir(path.join(src, 'debian'), { recursive: true });
      await fs.writeFile(path.join(src, 'debian/control'), `Source: probe\nMaintainer: Probe <probe@example.org>\n\nPackage: ${packageName}\nArchitecture: all\nDescription: probe\n probe\n`);
      await fs.writeFile(path.join(src, 'debian/changelog'), 'probe (1.0-1) unstable; urgency=medium\n\n  * probe\n\n -- Probe <probe@example.org>  Mon, 01 Jan 2024 00:00:00 +0000\n');
      const generated = must('dpkg-gencontrol', [`-p${packageName}`, `-P${tree}`, '-O'], { cwd: src });
      assert.equal(ours, /^Installed-Size: (\d+)$/m.exec(generated)![1], `${deb}: Installed-Size`);
    }
  });

  it('lintian reports zero errors and zero warnings', () => {
    // build() without a profile builds for the default one, noetic.
    for (const { deb } of built) assert.deepEqual(lintianFindings(deb, 'noetic'), [], deb);
  });

  it('writes GNU long names, never PAX headers, and root ownership with clamped mtimes', async () => {
    const tricky = built.find((b) => b.name === 'tricky_daemon')!;
    const deb = await readDeb(tricky.deb);
    // readDeb refuses PAX headers (as dpkg does): reading the package at all shows there are none.
    assert.ok(deb.dataItems.length > 0);
    assert.ok(deb.dataItems.every((i) => i.uid === 0 && i.gid === 0 && i.uname === 'root' && i.gname === 'root'));
    assert.ok(deb.dataItems.every((i) => i.mtime === EPOCH));
    assert.ok(deb.members.every((m) => m.uid === 0 && m.gid === 0 && m.mtime === EPOCH && m.mode === 0o100644));
    assert.deepEqual(deb.members.map((m) => m.name), ['debian-binary', 'control.tar.gz', 'data.tar.gz']);
    const raw = must('sh', ['-c', `dpkg-deb --fsys-tarfile "$1" | grep -c -a '././@LongLink' || true`, 'sh', tricky.deb]);
    assert.ok(Number(raw.trim()) > 0, 'long names are carried by GNU ././@LongLink records');
  });

  it('writes the control file as dpkg-gencontrol orders it, with the description formatted', async () => {
    const format2 = built.find((b) => b.name === 'format2_daemon')!;
    const control = must('dpkg-deb', ['--field', format2.deb]);
    const fields = control.split('\n').filter((l) => /^\S/.test(l)).map((l) => l.slice(0, l.indexOf(':')));
    assert.deepEqual(fields, ['Package', 'Version', 'Architecture', 'Maintainer', 'Installed-Size', 'Depends', 'Recommends', 'Section', 'Priority', 'Homepage', 'Description']);
    assert.match(control, /^Maintainer: Jürgen Müller-Ødegård <jurgen@example\.org>$/m);
    assert.match(control, /^Depends: ros-noetic-std-msgs, ros-noetic-sensor-msgs, python3, python3-yaml$/m);
    assert.match(control, /^Homepage: https:\/\/example\.org\/format2$/m);
    assert.match(control, /^ \.$/m, 'paragraphs separated by " ."');
    assert.match(control, /with markup that must be flattened/);
    assert.doesNotMatch(control, /rostest|rosdoc|message-generation|catkin/, 'test, doc and build-only keys never become Depends');
  });

  it('evaluates format 3 conditions against the profile and maps keys through rosdep.yaml', async () => {
    const out2 = await tempDir();
    const fixture = path.join(FIXTURES, 'good', 'format3_daemon');
    const noetic = await build(fixture, { outDir: out2, sourceDateEpoch: EPOCH, profile: 'noetic' });
    const humble = await build(fixture, { outDir: out2, sourceDateEpoch: EPOCH, profile: 'humble' });
    const jazzy = await build(fixture, { outDir: out2, sourceDateEpoch: EPOCH, profile: 'jazzy' });
    const depends = (deb: string): string => must('dpkg-deb', ['--field', deb, 'Depends']).trim();
    assert.equal(depends(noetic.path), 'ros-noetic-rospy, libspecial-driver1, python3, pulseaudio-utils, adduser, init-system-helpers (>= 1.52)');
    assert.equal(depends(humble.path), 'ros-humble-rclpy, libspecial-driver1, python3, pulseaudio-utils, adduser, init-system-helpers (>= 1.52)');
    assert.equal(depends(jazzy.path), 'ros-jazzy-rclpy, python3, pulseaudio-utils, adduser, init-system-helpers (>= 1.52)');
    assert.equal(must('dpkg-deb', ['--field', humble.path, 'Conflicts']).trim(), 'ros-humble-old-voice-helper');
  });

  it('substitutes @VARIABLES@ per profile and leaves ${X} and %-specifiers alone', async () => {
    const out2 = await tempDir();
    const fixture = path.join(FIXTURES, 'good', 'format1_daemon');
    for (const [profile, prefix, unitDir] of [['noetic', '/opt/ros/noetic', './lib/systemd/system'], ['debian-bookworm', '/usr', './usr/lib/systemd/system']] as const) {
      const result = await build(fixture, { outDir: out2, sourceDateEpoch: EPOCH, profile, defines: new Map([['EXTRA', 'x']]) });
      const unit = must('sh', ['-c', `dpkg-deb --fsys-tarfile "$1" | tar -xO ${unitDir}/format1-daemon.service`, 'sh', result.path]);
      assert.match(unit, new RegExp(`started from ${prefix}/lib/format1_daemon on \\$\\$\\{HOSTNAME:-%H\\}`));
      assert.match(unit, /Description=Format 1 daemon of format1_daemon 0\.3\.1/);
    }
  });
});

describe('reproducible builds', function () {
  this.timeout(120_000);

  it('gives the same sha256 from two checkout paths with different mtimes and a loose umask', async () => {
    const first = path.join(await tempDir('checkout-a-'), 'daemon');
    const second = path.join(await tempDir('checkout-bb-'), 'nested', 'daemon');
    await makeTrickyDaemon(first);
    await makeTrickyDaemon(second);
    const files = must('find', [second, '-type', 'f']).split('\n').filter((l) => l !== '');
    for (const [index, file] of files.entries()) {
      await fs.utimes(file, 1_000_000 + index, 2_000_000_000 + index);
      const mode = (await fs.stat(file)).mode;
      await fs.chmod(file, mode & 0o111 ? 0o777 : 0o666);
    }
    const a = await build(first, { outDir: await tempDir(), sourceDateEpoch: EPOCH, jobs: 1 });
    const b = await build(second, { outDir: await tempDir(), sourceDateEpoch: EPOCH, jobs: 2 });
    assert.equal(a.sha256, b.sha256);
    const onDisk = createHash('sha256').update(await fs.readFile(b.path)).digest('hex');
    assert.equal(onDisk, b.sha256, 'the reported sha256 is the file on disk');
  });

  it('SOURCE_DATE_EPOCH decides every mtime and the changelog date', async () => {
    const fixture = path.join(REPO_ROOT, 'daemons', 'robot_bringup');
    const one = await build(fixture, { outDir: await tempDir(), sourceDateEpoch: EPOCH });
    const two = await build(fixture, { outDir: await tempDir(), sourceDateEpoch: EPOCH + 86400 });
    assert.notEqual(one.sha256, two.sha256);
    const changelog = must('sh', ['-c', 'dpkg-deb --fsys-tarfile "$1" | tar -xO ./usr/share/doc/ros-noetic-robot-bringup/changelog.Debian.gz | gzip -dc', 'sh', two.path]);
    assert.match(changelog, / -- Robotics Team <robotics@example\.org>  Wed, 15 Nov 2023 22:13:20 \+0000/);
  });
});
