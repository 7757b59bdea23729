/**
 * zstd packages written by debforge: dpkg-deb, dpkg, lintian and inspect read them; each profile
 * names its distribution's compression; a target whose dpkg cannot read zstd is refused.
 * (The --jobs byte identity is in jobs.test.ts, the compressor against zstd(1) in compress.test.ts,
 * and reading dpkg-deb -Zzstd packages in reader.test.ts.)
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { checkSet } from '../../src/pipeline/check.js';
import { compressionProblem } from '../../src/pipeline/options.js';
import { distributionCompression, dpkgReadsZstd, PROFILES, type Profile } from '../../src/resolve/profiles.js';
import { debforge, dpkgUnpack, lintianFindings, must, REPO_ROOT, run, scratchRoot, tempDir } from '../support/tools.js';

const env = { ...process.env, SOURCE_DATE_EPOCH: '1700000000' };
const WATCHDOG = path.join(REPO_ROOT, 'daemons', 'ros_watchdog');

describe('zstd packages', function () {
  this.timeout(300_000);

  it('pass dpkg-deb -x, dpkg --unpack, lintian (but for the member names Debian\'s lintian does not know) and inspect', async () => {
    const out = await tempDir();
    const built = debforge(['build', WATCHDOG, '--profile', 'debian-bookworm', '--compression', 'zstd', '--out', out], { env });
    assert.equal(built.code, 0, built.stderr);
    const deb = built.stdout.trim();
    assert.deepEqual(must('ar', ['t', deb]).trim().split('\n'), ['debian-binary', 'control.tar.zst', 'data.tar.zst']);
    const extracted = await tempDir();
    must('dpkg-deb', ['-x', deb, extracted]);
    assert.match(must('dpkg-deb', ['-I', deb]), /^ Package: ros-watchdog$/m);
    const root = await scratchRoot();
    const unpacked = dpkgUnpack(root, deb);
    assert.equal(unpacked.code, 0, unpacked.stderr);
    // Debian's lintian (12's here, 13's too: test/system/zstd-lintian.test.ts) calls any package with
    // zstd members malformed, dpkg-deb's own -Zzstd packages included; everything else it checks must be clean.
    const zstdOnly = lintianFindings(deb, 'debian-bookworm').filter((line) => !/malformed-deb-archive (second|third) \(official\) member (control|data)\.tar\.zst not/.test(line));
    assert.deepEqual(zstdOnly, []);
    const gzipOut = await tempDir();
    const gzip = debforge(['build', WATCHDOG, '--profile', 'debian-bookworm', '--out', gzipOut], { env });
    assert.deepEqual(lintianFindings(gzip.stdout.trim(), 'debian-bookworm'), [], 'the same package with gzip is lintian-clean');
    const inspected = debforge(['inspect', '--json', deb]);
    assert.equal(inspected.code, 0, inspected.stderr);
    const shown = JSON.parse(inspected.stdout) as { control: Record<string, string>; files: Array<{ path: string; size: number }> };
    assert.equal(shown.control['Package'], 'ros-watchdog');
    const oracle = must('dpkg-deb', ['--contents', deb]).trim().split('\n').map((line) => line.split(/\s+/).slice(5).join(' '));
    assert.deepEqual(shown.files.map((f) => f.path), oracle);
    // The unpacked files are the gzip package's files.
    const gzipExtracted = await tempDir();
    must('dpkg-deb', ['-x', gzip.stdout.trim(), gzipExtracted]);
    assert.equal(run('diff', ['-r', extracted, gzipExtracted]).code, 0);
  });

  it('a payload larger than any block is one frame that dpkg-deb unpacks whole (dpkg stops after a first frame)', async () => {
    const dir = path.join(await tempDir(), 'big_daemon');
    assert.equal(debforge(['new', 'big_daemon', '--kind', 'plain', '--dir', path.dirname(dir)]).code, 0);
    const big = path.join(dir, 'files', 'usr', 'share', 'big-daemon', 'map.txt');
    await mkdir(path.dirname(big), { recursive: true });
    await writeFile(big, Array.from({ length: 400_000 }, (_, i) => `waypoint ${i} ${(i * 7919) % 100003}`).join('\n'));
    const out = await tempDir();
    const built = debforge(['build', dir, '--profile', 'plain', '--compression', 'zstd', '--out', out], { env });
    assert.equal(built.code, 0, built.stderr);
    const extracted = await tempDir();
    must('dpkg-deb', ['-x', built.stdout.trim(), extracted]);
    assert.equal(run('cmp', [big, path.join(extracted, 'usr/share/big-daemon/map.txt')]).code, 0);
  });

  it('--compression distribution writes what each profile names: zstd for jammy and noble, xz for focal and Debian', async () => {
    const expected: Record<string, string> = { noetic: 'xz', humble: 'zstd', jazzy: 'zstd', 'debian-bookworm': 'xz', plain: 'xz' };
    for (const profile of PROFILES) if (expected[profile.name] !== undefined) assert.equal(distributionCompression(profile), expected[profile.name], profile.name);
    const dir = path.join(await tempDir(), 'plain_daemon');
    assert.equal(debforge(['new', 'plain_daemon', '--kind', 'plain', '--dir', path.dirname(dir)]).code, 0);
    for (const [profile, extension] of [['jazzy', 'zst'], ['noetic', 'xz']] as const) {
      const out = await tempDir();
      const built = debforge(['build', dir, '--profile', profile, '--compression', 'distribution', '--out', out], { env });
      assert.equal(built.code, 0, built.stderr);
      assert.deepEqual(must('ar', ['t', built.stdout.trim()]).trim().split('\n'), ['debian-binary', `control.tar.${extension}`, `data.tar.${extension}`]);
    }
  });

  it('refuses zstd for a target whose dpkg cannot read it (Debian 11 and older, Ubuntu 18.04 and older), before anything is built', async () => {
    const bookworm = PROFILES.find((p) => p.name === 'plain')!;
    const retarget = (id: Profile['os']['id'], codename: string): Profile => ({ ...bookworm, os: { id, codename } });
    for (const profile of PROFILES) assert.ok(dpkgReadsZstd(profile), `${profile.name} reads zstd`);
    for (const [id, codename] of [['debian', 'bullseye'], ['debian', 'buster'], ['ubuntu', 'bionic'], ['ubuntu', 'xenial']] as const) assert.equal(dpkgReadsZstd(retarget(id, codename)), false, codename);
    assert.ok(dpkgReadsZstd(retarget('debian', 'trixie')) && dpkgReadsZstd(retarget('ubuntu', 'focal')));
    // Every profile debforge ships reads zstd: the refusal build and check give is asked of older targets directly.
    const refusal = compressionProblem('zstd', retarget('debian', 'bullseye'));
    assert.match(`${refusal?.file}: ${refusal?.message}`, /^--compression zstd: the dpkg of .* cannot read zstd members .*: use gzip or xz for profile plain$/);
    assert.equal(compressionProblem('distribution', retarget('ubuntu', 'bionic')), undefined, 'bionic\'s own packages are xz');
    assert.equal(compressionProblem('gzip', retarget('debian', 'buster')), undefined);
    assert.equal(compressionProblem('zstd', bookworm), undefined);
    const problems = await checkSet([WATCHDOG], { profile: 'debian-bookworm', compression: 'zstd' });
    assert.deepEqual(problems.filter((p) => p.severity === 'error'), []);
  });
});
