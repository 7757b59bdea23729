/**
 * zstd packages judged by Debian 13's lintian (2.122), run in a chroot of a Debian 13 root
 * filesystem (debootstrap, then only lintian). Debian's lintian, 13's as 12's, still calls a .deb
 * whose members are control.tar.zst and data.tar.zst malformed (its deb-format check accepts gz
 * and xz members only; Ubuntu patches its own lintian), and it does so for dpkg-deb -Zzstd's own
 * packages too. Every other check still runs on the unpacked package, so the verdict here is: a
 * debforge zstd package gets exactly the findings of the same tree built by dpkg-deb -Zzstd, and
 * exactly those of the same package with gzip members but for the two member-name findings.
 */
import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import path from 'node:path';
import { debforge, must, REPO_ROOT, tempDir } from '../support/tools.js';
import { chrootSh, requireRoot, withOverlay, type Release } from './harness.js';

const TRIXIE_LINTIAN: Release = {
  suite: 'trixie',
  rootfsVersion: 'trixie-lintian-1',
  include: [],
  packages: ['lintian'],
};

const env = { ...process.env, SOURCE_DATE_EPOCH: '1700000000' };
const WATCHDOG = path.join(REPO_ROOT, 'daemons', 'ros_watchdog');

/** lintian's version as "major.minor" numbers. */
function lintianVersion(output: string): [number, number] {
  const match = /v?(\d+)\.(\d+)/.exec(output);
  assert.ok(match, `no version in: ${output}`);
  return [Number(match[1]), Number(match[2])];
}

describe("zstd packages under Debian 13's lintian", function () {
  this.timeout(3_600_000);

  it('a debforge zstd package: the findings of dpkg-deb -Zzstd\'s own, and of the gzip package but for the member names', async () => {
    requireRoot();
    const out = await tempDir();
    const built = debforge(['build', WATCHDOG, '--profile', 'debian-bookworm', '--compression', 'zstd', '--out', out], { env });
    assert.equal(built.code, 0, built.stderr);
    const ours = built.stdout.trim();
    assert.deepEqual(must('ar', ['t', ours]).trim().split('\n'), ['debian-binary', 'control.tar.zst', 'data.tar.zst']);
    // The Ubuntu way: dpkg-deb -Zzstd builds the same tree (staged from our package).
    const staged = path.join(await tempDir(), 'tree');
    must('dpkg-deb', ['-R', ours, staged]);
    const dpkgDeb = path.join(await tempDir(), 'ubuntu-style.deb');
    must('dpkg-deb', ['--root-owner-group', '-Zzstd', '--build', staged, dpkgDeb]);
    assert.deepEqual(must('ar', ['t', dpkgDeb]).trim().split('\n'), ['debian-binary', 'control.tar.zst', 'data.tar.zst']);

    const gzipOut = await tempDir();
    const gzip = debforge(['build', WATCHDOG, '--profile', 'debian-bookworm', '--out', gzipOut], { env });
    assert.equal(gzip.code, 0, gzip.stderr);

    await withOverlay(async (root) => {
      copyFileSync(ours, path.join(root, 'tmp', 'ours.deb'));
      copyFileSync(dpkgDeb, path.join(root, 'tmp', 'dpkg-deb.deb'));
      copyFileSync(gzip.stdout.trim(), path.join(root, 'tmp', 'gzip.deb'));
      const version = await chrootSh(root, 'lintian --version');
      assert.equal(version.code, 0, version.stderr);
      const [major, minor] = lintianVersion(version.stdout);
      assert.ok(major > 2 || (major === 2 && minor >= 120), `Debian 13's lintian is 2.120 or later, got ${version.stdout.trim()}`);
      /** Every finding, informational, pedantic, experimental and overridden ones too: they show which checks ran. */
      const findings = async (deb: string): Promise<string[]> => {
        const result = await chrootSh(root, `lintian --allow-root --pedantic --display-info --display-experimental --show-overrides /tmp/${deb}`);
        assert.ok(result.code === 0 || result.code === 1 || result.code === 2, `lintian failed on ${deb}: ${result.stderr}`);
        return `${result.stdout}\n${result.stderr}`.split('\n').filter((line) => /^[EWIPXO]: /.test(line)).sort();
      };
      const [zstd, dpkgDebZstd, gzipped] = [await findings('ours.deb'), await findings('dpkg-deb.deb'), await findings('gzip.deb')];
      console.log(`      ${version.stdout.trim()}, on debforge's zstd package:\n${zstd.map((line) => `        ${line}`).join('\n')}`);
      assert.deepEqual(zstd, dpkgDebZstd, "the findings of dpkg-deb -Zzstd's own package");
      const memberNames = [
        'E: ros-watchdog: malformed-deb-archive second (official) member control.tar.zst not control.tar.(gz|xz)',
        'E: ros-watchdog: malformed-deb-archive third (official) member data.tar.zst not data.tar.(gz|xz|bz2|lzma)',
      ];
      assert.deepEqual(zstd.filter((line) => line.startsWith('E: ') || line.startsWith('W: ')), memberNames, 'no error or warning but the member names');
      // The same checks ran on the contents: the gzip package's findings, compression aside.
      const compression = /malformed-deb-archive|(control|data)-tarball-compression-format/;
      assert.deepEqual(zstd.filter((line) => !compression.test(line)), gzipped.filter((line) => !compression.test(line)));
      assert.ok(zstd.some((line) => /\[usr\//.test(line)), 'lintian checked the files inside the zstd package');
    }, TRIXIE_LINTIAN);
  });
});
