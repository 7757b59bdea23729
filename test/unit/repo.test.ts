import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Io } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { parseStanzas, type Stanza } from '../../src/debian/deb822.js';
import { compareDebianVersions } from '../../src/debian/version.js';
import { publishRepository } from '../../src/repo/index.js';
import { poolDirectory } from '../../src/repo/pool.js';
import { releaseDate } from '../../src/repo/release.js';
import { EPOCH, demo, makeKey, stopGpgAgents } from '../support/repo-packages.js';
import { CLI, FIXTURES, debforge, must, run, tempDir } from '../support/tools.js';

/** Stops the gpg-agent each throwaway keyring started. */
after(function () {
  // One gpgconf per key made; slow on a busy machine.
  this.timeout(120_000);
  stopGpgAgents();
});

function capture(): Io & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    stdout: (text: string): void => {
      io.out += text;
    },
    stderr: (text: string): void => {
      io.err += text;
    },
  };
  return io;
}

const asObject = (stanza: Stanza): Record<string, string> => Object.fromEntries(stanza);
const hash = (algorithm: string, data: Buffer): string => createHash(algorithm).update(data).digest('hex');

describe('debforge repo', function () {
  this.timeout(120_000);
  let debs: string[];
  let noetic: string;
  let native: string;

  before(async () => {
    const out = await tempDir();
    debs = [await demo(out), await demo(out, { version: '1.1.0' }), await demo(out, { name: 'librobot_demo' }), await demo(out, { version: '1.0.10' })];
    native = await demo(out, { name: 'native_demo', arch: 'arm64' });
    noetic = await demo(await tempDir(), { profile: 'noetic' });
  });

  it('Packages stanzas agree field by field, and in order, with apt-ftparchive packages', async () => {
    const repo = await tempDir();
    await publishRepository([...debs, native, noetic], { outDir: repo });
    for (const suite of ['bookworm', 'focal']) {
      const ours: Stanza[] = [];
      for (const arch of suite === 'bookworm' ? ['all', 'arm64'] : ['all']) {
        ours.push(...parseStanzas(await fs.readFile(path.join(repo, 'dists', suite, 'main', `binary-${arch}`, 'Packages'), 'utf8')));
      }
      const ftparchive = run('apt-ftparchive', ['packages', 'pool'], { cwd: repo });
      assert.equal(ftparchive.code, 0, `apt-ftparchive (Debian: apt-get install apt-utils): ${ftparchive.stderr}`);
      const theirs = new Map(parseStanzas(ftparchive.stdout).map((s) => [`${asObject(s)['Package']} ${asObject(s)['Version']}`, s]));
      assert.equal(ours.length, suite === 'bookworm' ? 5 : 1);
      for (const stanza of ours) {
        const fields = asObject(stanza);
        const reference = theirs.get(`${fields['Package']} ${fields['Version']}`);
        assert.ok(reference, `apt-ftparchive lists ${fields['Package']} ${fields['Version']}`);
        // apt-ftparchive adds SHA1 and SHA512, which Debian's own archive no longer carries; all else is equal.
        const expected = reference.filter(([name]) => name !== 'SHA1' && name !== 'SHA512');
        assert.deepEqual(stanza, expected);
      }
    }
  });

  it('sorts stanzas by name and Debian version, and uses the lib prefix in the pool', async () => {
    const repo = await tempDir();
    await publishRepository(debs, { outDir: repo });
    const stanzas = parseStanzas(await fs.readFile(path.join(repo, 'dists', 'bookworm', 'main', 'binary-all', 'Packages'), 'utf8')).map(asObject);
    assert.deepEqual(stanzas.map((s) => `${s['Package']} ${s['Version']}`), ['librobot-demo 1.0.0-1', 'repo-demo 1.0.0-1', 'repo-demo 1.0.10-1', 'repo-demo 1.1.0-1']);
    assert.equal(stanzas[0]!['Filename'], 'pool/main/libr/librobot-demo/librobot-demo_1.0.0-1_all.deb');
    assert.equal(poolDirectory('main', 'libc6'), 'pool/main/libc/libc6');
    assert.equal(poolDirectory('main', 'lib'), 'pool/main/l/lib');
    assert.equal(poolDirectory('contrib', 'ros-noetic-x'), 'pool/contrib/r/ros-noetic-x');
  });

  it('pool files are the given files byte for byte, and every file apt reads is 0644 under a umask of 077', async () => {
    const repo = await tempDir();
    const result = run('sh', ['-c', 'umask 077 && exec "$0" "$@"', process.execPath, CLI, 'repo', ...debs, native, '--out', repo]);
    assert.equal(result.code, 0, result.stderr);
    const packages = (await fs.readdir(path.join(repo, 'dists', 'bookworm', 'main'))).map((arch) => path.join(repo, 'dists', 'bookworm', 'main', arch, 'Packages'));
    const pool: string[] = [];
    for (const index of packages) for (const stanza of parseStanzas(await fs.readFile(index, 'utf8'))) pool.push(path.join(repo, asObject(stanza)['Filename']!));
    assert.equal(pool.length, debs.length + 1);
    for (const given of [...debs, native]) {
      const placed = pool.find((file) => path.basename(file) === path.basename(given));
      assert.ok(placed, `${given} is in the pool`);
      assert.ok((await fs.readFile(placed)).equals(await fs.readFile(given)), `${placed} has the bytes of ${given}`);
    }
    for (const file of [...pool, ...packages, path.join(repo, 'dists', 'bookworm', 'Release')]) {
      assert.equal(((await fs.stat(file)).mode & 0o777).toString(8), '644', file);
    }
  });

  it('compares versions as dpkg does', () => {
    const ordered = ['0.9', '1.0~rc1', '1.0', '1.0-1', '1.0-1.1', '1.0+b1', '1.0.1', '1.0.10', '1.1', '1:0.1'];
    for (let i = 0; i + 1 < ordered.length; i++) {
      assert.ok(compareDebianVersions(ordered[i]!, ordered[i + 1]!) < 0, `${ordered[i]} < ${ordered[i + 1]}`);
      const dpkg = run('dpkg', ['--compare-versions', ordered[i]!, 'lt', ordered[i + 1]!]);
      assert.equal(dpkg.code, 0, `dpkg agrees that ${ordered[i]} < ${ordered[i + 1]}`);
    }
    assert.equal(compareDebianVersions('1.0-1', '1.0-1'), 0);
  });

  it('Release lists every index, the uncompressed Packages too, with their true sizes and hashes', async () => {
    const repo = await tempDir();
    await publishRepository([...debs, native], { outDir: repo });
    const dists = path.join(repo, 'dists', 'bookworm');
    const release = asObject(parseStanzas(await fs.readFile(path.join(dists, 'Release'), 'utf8'))[0]!);
    assert.equal(release['Suite'], 'bookworm');
    assert.equal(release['Codename'], 'bookworm');
    assert.equal(release['Components'], 'main');
    assert.equal(release['Architectures'], 'all arm64', 'all for Architecture: all packages, plus the real architectures packages have');
    assert.match(release['Date']!, /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} UTC$/);
    for (const [section, algorithm] of [['MD5Sum', 'md5'], ['SHA256', 'sha256']] as const) {
      const lines = release[section]!.split('\n').map((l) => l.trim()).filter((l) => l !== '');
      const files = lines.map((l) => l.split(/\s+/)[2]);
      for (const arch of ['all', 'arm64']) for (const name of ['Packages', 'Packages.gz', 'Packages.xz']) assert.ok(files.includes(`main/binary-${arch}/${name}`), `${section} lists main/binary-${arch}/${name}`);
      for (const line of lines) {
        const [digest, size, file] = line.split(/\s+/);
        const data = await fs.readFile(path.join(dists, file!));
        assert.equal(digest, hash(algorithm, data), file);
        assert.equal(Number(size), data.length, file);
        if (section === 'SHA256') assert.ok((await fs.readFile(path.join(dists, path.dirname(file!), 'by-hash', 'SHA256', digest!))).equals(data), `by-hash copy of ${file}`);
      }
    }
    const xz = must('sh', ['-c', `xz -dc ${path.join(dists, 'main', 'binary-all', 'Packages.xz')} | sha256sum`]).split(' ')[0];
    const gz = must('sh', ['-c', `gzip -dc ${path.join(dists, 'main', 'binary-all', 'Packages.gz')} | sha256sum`]).split(' ')[0];
    const plain = hash('sha256', await fs.readFile(path.join(dists, 'main', 'binary-all', 'Packages')));
    assert.equal(xz, plain);
    const arm64 = parseStanzas(await fs.readFile(path.join(dists, 'main', 'binary-arm64', 'Packages'), 'utf8')).map(asObject);
    assert.deepEqual(arm64.map((s) => s['Package']), ['native-demo'], 'binary-arm64 holds only the arm64 package: apt adds binary-all itself');
    assert.equal(gz, plain);
  });

  it('keeps earlier versions, refuses a different file under a published name/version, and re-adding the same file changes nothing', async () => {
    const repo = await tempDir();
    assert.equal(debforge(['repo', debs[0]!, '--out', repo]).code, 0);
    assert.equal(debforge(['repo', debs[1]!, '--out', repo]).code, 0);
    const packages = path.join(repo, 'dists', 'bookworm', 'main', 'binary-all', 'Packages');
    assert.deepEqual(parseStanzas(await fs.readFile(packages, 'utf8')).map((s) => asObject(s)['Version']), ['1.0.0-1', '1.1.0-1']);
    const before = await fs.readFile(path.join(repo, 'dists', 'bookworm', 'Release'));

    const rebuilt = await demo(await tempDir(), { epoch: EPOCH + 3600 });
    assert.notEqual(hash('sha256', await fs.readFile(rebuilt)), hash('sha256', await fs.readFile(debs[0]!)), 'a rebuild with another date has other bytes');
    const refused = debforge(['repo', rebuilt, '--out', repo]);
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, /repo-demo 1\.0\.0-1 \(all\) is already in bookworm as a different file .*immutable/);
    assert.ok((await fs.readFile(path.join(repo, 'dists', 'bookworm', 'Release'))).equals(before), 'a refused publish writes nothing');
    const pooled = path.join(repo, 'pool', 'main', 'r', 'repo-demo', 'repo-demo_1.0.0-1_all.deb');
    assert.ok((await fs.readFile(pooled)).equals(await fs.readFile(debs[0]!)), 'the pool keeps the published file');

    const again = debforge(['repo', debs[0]!, debs[1]!, '--out', repo]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /bookworm: unchanged/);
    assert.ok((await fs.readFile(path.join(repo, 'dists', 'bookworm', 'Release'))).equals(before), 'an identical re-add is a no-op');
  });

  it('refuses two different files for one name/version/architecture in one run', async () => {
    const rebuilt = await demo(await tempDir(), { epoch: EPOCH + 60 });
    const repo = await tempDir();
    await assert.rejects(publishRepository([debs[0]!, rebuilt], { outDir: repo }), /given twice with different contents/);
    await assert.rejects(fs.access(path.join(repo, 'dists')), 'nothing was written');
  });

  it('Date is the publish time: never behind the previous Date, never ahead of the clock', async () => {
    const repo = await tempDir();
    const now = new Date('2026-01-02T03:04:05Z');
    const first = await publishRepository([debs[0]!], { outDir: repo, now });
    assert.equal(first.suites[0]!.date, 'Fri, 02 Jan 2026 03:04:05 UTC');
    assert.equal(releaseDate(now), first.suites[0]!.date);
    const second = await publishRepository([debs[1]!], { outDir: repo, now });
    assert.equal(second.suites[0]!.date, 'Fri, 02 Jan 2026 03:04:05 UTC', 'a second publish within the same second keeps that second, not one in the future');
    const third = await publishRepository([debs[2]!], { outDir: repo, now: new Date('2025-01-01T00:00:00Z') });
    assert.equal(third.suites[0]!.date, 'Fri, 02 Jan 2026 03:04:05 UTC', 'a clock set back does not move Date backward');
    const fourth = await publishRepository([native], { outDir: repo, now: new Date('2026-01-02T03:04:09Z') });
    assert.equal(fourth.suites[0]!.date, 'Fri, 02 Jan 2026 03:04:09 UTC');
  });

  it('the suite comes from the package (its profile codename) unless --suite says otherwise', async () => {
    const repo = await tempDir();
    const result = await publishRepository([debs[0]!, noetic], { outDir: repo });
    assert.deepEqual(result.suites.map((s) => s.suite), ['bookworm', 'focal']);
    const forced = await publishRepository([noetic], { outDir: await tempDir(), suite: 'robots', component: 'extra' });
    assert.equal(forced.packages[0]!.filename, 'pool/extra/r/ros-noetic-repo-demo/ros-noetic-repo-demo_1.0.0-1_all.deb');
    assert.equal(forced.suites[0]!.suite, 'robots');
  });

  it('signs InRelease and Release.gpg so that gpgv verifies them with the exported keyring', async () => {
    const key = await makeKey('Repo Test');
    const repo = await tempDir();
    const result = debforge(['repo', debs[0]!, '--out', repo, '--sign-key', key.fingerprint], { env: key.env });
    assert.equal(result.code, 0, result.stderr);
    assert.doesNotMatch(result.stderr, /warning/);
    const dists = path.join(repo, 'dists', 'bookworm');
    assert.equal(result.stdout.trim(), path.join(dists, 'InRelease'));
    const keyring = path.join(repo, 'archive-keyring.gpg');
    must('gpgv', ['--keyring', keyring, path.join(dists, 'InRelease')]);
    must('gpgv', ['--keyring', keyring, path.join(dists, 'Release.gpg'), path.join(dists, 'Release')]);
    assert.ok((await fs.readFile(path.join(dists, 'InRelease'), 'utf8')).includes(await fs.readFile(path.join(dists, 'Release'), 'utf8')));
    assert.match(await fs.readFile(path.join(dists, 'Release.gpg'), 'utf8'), /^-----BEGIN PGP SIGNATURE-----/);
    assert.match(await fs.readFile(path.join(repo, 'archive-keyring.asc'), 'utf8'), /^-----BEGIN PGP PUBLIC KEY BLOCK-----/);

    // Another key's signature does not verify against this keyring.
    const other = await makeKey('Other');
    must('gpg', ['--batch', '--yes', '--local-user', other.fingerprint, '--clearsign', '--output', path.join(dists, 'InRelease'), path.join(dists, 'Release')], { env: other.env });
    assert.notEqual(run('gpgv', ['--keyring', keyring, path.join(dists, 'InRelease')]).code, 0);
  });

  it('signs with a secret key given as a file or in an environment variable, in a throwaway keyring', async () => {
    const key = await makeKey('File Key');
    const file = path.join(await tempDir(), 'signing-key.asc');
    await fs.writeFile(file, must('gpg', ['--batch', '--armor', '--export-secret-keys', key.fingerprint], { env: key.env }));
    const repo = await tempDir();
    const empty = await tempDir('debforge-gpg-');
    const result = debforge(['repo', debs[0]!, '--out', repo, '--sign-key', file], { env: { ...process.env, GNUPGHOME: empty } });
    assert.equal(result.code, 0, result.stderr);
    must('gpgv', ['--keyring', path.join(repo, 'archive-keyring.gpg'), path.join(repo, 'dists', 'bookworm', 'InRelease')]);
    assert.deepEqual(await fs.readdir(empty), [], 'the key never entered the caller\'s keyring');

    const fromEnv = await tempDir();
    const armored = await fs.readFile(file, 'utf8');
    const viaEnv = debforge(['repo', debs[0]!, '--out', fromEnv, '--sign-key', 'env:TEST_SIGNING_KEY'], { env: { ...process.env, GNUPGHOME: empty, TEST_SIGNING_KEY: armored } });
    assert.equal(viaEnv.code, 0, viaEnv.stderr);
    must('gpgv', ['--keyring', path.join(fromEnv, 'archive-keyring.gpg'), path.join(fromEnv, 'dists', 'bookworm', 'InRelease')]);
    const unset = debforge(['repo', debs[0]!, '--out', await tempDir(), '--sign-key', 'env:NOT_SET_ANYWHERE']);
    assert.equal(unset.code, 1);
    assert.match(unset.stderr, /NOT_SET_ANYWHERE is empty or not set/);
  });

  it('without a key: unsigned, with a warning, and no stale signature left behind', async () => {
    const key = await makeKey('Stale');
    const repo = await tempDir();
    assert.equal(debforge(['repo', debs[0]!, '--out', repo, '--sign-key', key.fingerprint], { env: key.env }).code, 0);
    const result = debforge(['repo', debs[1]!, '--out', repo]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /warning: no --sign-key: .* is unsigned/);
    const dists = path.join(repo, 'dists', 'bookworm');
    await assert.rejects(fs.access(path.join(dists, 'InRelease')));
    await assert.rejects(fs.access(path.join(dists, 'Release.gpg')));
    assert.equal(result.stdout.trim(), path.join(dists, 'Release'));
  });

  it('--help tells the truth; the repository inside an input folder is not read as input', async () => {
    const help = debforge(['repo', '--help']);
    assert.equal(help.code, 0);
    for (const option of ['--out DIR', '--suite S', '--component C', '--sign-key KEY', '--arch A', '--json']) assert.ok(help.stdout.includes(option), option);
    assert.match(debforge(['--help']).stdout, /^  repo <deb-or-dir>\.\.\. --out DIR$/m);
    const dist = await tempDir();
    await fs.copyFile(debs[0]!, path.join(dist, path.basename(debs[0]!)));
    assert.equal(debforge(['repo', dist, '--out', path.join(dist, 'apt')]).code, 0);
    const again = debforge(['repo', dist, '--out', path.join(dist, 'apt'), '--json']);
    assert.equal(again.code, 0, again.stderr);
    const result = JSON.parse(again.stdout) as { packages: Array<{ added: boolean }>; suites: Array<{ changed: boolean }> };
    assert.deepEqual(result.packages.map((p) => p.added), [false]);
    assert.deepEqual(result.suites.map((s) => s.changed), [false]);
  });

  it('--arch takes its list as build does: repeatable, comma-separated, trimmed, each once; an empty one is a usage error', async () => {
    const repo = await tempDir();
    const published = debforge(['repo', debs[0]!, '--out', repo, '--arch', ' amd64, arm64,', '--arch', 'arm64,riscv64']);
    assert.equal(published.code, 0, published.stderr);
    const release = asObject(parseStanzas(await fs.readFile(path.join(repo, 'dists', 'bookworm', 'Release'), 'utf8'))[0]!);
    assert.deepEqual(release['Architectures']!.split(' ').sort(), ['all', 'amd64', 'arm64', 'riscv64']);
    for (const command of [['repo', debs[0]!, '--out', await tempDir()], ['build', await tempDir()]]) {
      const empty = debforge([...command, '--arch', ' , ']);
      assert.equal(empty.code, 2, empty.stderr);
      assert.equal(empty.stderr, 'debforge: --arch needs an architecture such as amd64 or arm64\n');
    }
  });

  it('an unknown key, a missing --out or a non-.deb are one-line errors', async () => {
    const empty = await tempDir('debforge-gpg-');
    const unknown = debforge(['repo', debs[0]!, '--out', await tempDir(), '--sign-key', 'nobody@example.org'], { env: { ...process.env, GNUPGHOME: empty } });
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no secret key "nobody@example.org"/);
    assert.equal(debforge(['repo', debs[0]!]).code, 2);
    const notDeb = path.join(await tempDir(), 'x.deb');
    await fs.writeFile(notDeb, 'hello');
    const bad = debforge(['repo', notDeb, '--out', await tempDir()]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /x\.deb: not a readable \.deb/);
  });
});

describe('debforge check --tag', function () {
  this.timeout(60_000);
  const daemon = path.join(FIXTURES, 'repo', 'repo_demo');

  it('a wrong tag exits 1 naming the daemon, its version and the tag', async () => {
    const io = capture();
    assert.equal(await main(['check', '--profile', 'plain', '--tag', 'v1.2.0', daemon], io), 1);
    assert.match(io.err, /package\.xml:4: daemon .*repo_demo has version 1\.0\.0, but the release tag v1\.2\.0 says 1\.2\.0/);
  });

  it('the right tag, with or without v, exits 0', async () => {
    for (const tag of ['v1.0.0', '1.0.0']) {
      const io = capture();
      assert.equal(await main(['check', '--profile', 'plain', '--tag', tag, daemon], io), 0, io.err);
    }
  });

  it('a tag that is no version is a usage error', async () => {
    const io = capture();
    assert.equal(await main(['check', '--tag', 'latest', daemon], io), 2);
    assert.match(io.err, /--tag "latest" is not a version tag/);
  });
});
