/**
 * From `debforge repo` to `apt install` on a booted Debian 12: a repository signed with a
 * throwaway key, served over HTTP from the host (the machine shares the host's network), added on
 * the machine with signed-by as docs/releasing.md tells a robot to; then an upgrade through the
 * repository, and tampering that apt must refuse.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { measuredDebforge } from '../support/measure.js';
import { demo, makeKey, stopGpgAgents } from '../support/repo-packages.js';
import { must, tempDir } from '../support/tools.js';
import { publishSigned, serve } from './apt-repo.js';
import { Machine, requireRoot } from './harness.js';

const KEYRING = '/usr/share/keyrings/debforge-test.gpg';
const LIST = '/etc/apt/sources.list.d/debforge-test.list';

/** The machine's architecture (the host's: the container runs the host's kernel and binaries). */
const NATIVE = must('dpkg', ['--print-architecture']).trim();

/** A minimal Architecture: all package, made by dpkg-deb itself. */
async function tinyDeb(dir: string, name: string): Promise<string> {
  const tree = path.join(dir, name);
  await fs.mkdir(path.join(tree, 'DEBIAN'), { recursive: true });
  await fs.mkdir(path.join(tree, 'usr', 'share', 'doc', name), { recursive: true });
  await fs.writeFile(path.join(tree, 'usr', 'share', 'doc', name, 'README'), `${name}\n`);
  await fs.writeFile(path.join(tree, 'DEBIAN', 'control'), `Package: ${name}\nVersion: 1.0-1\nArchitecture: all\nMaintainer: Robotics Team <robotics@example.org>\nDescription: concurrency test package\n`);
  const deb = path.join(dir, `${name}_1.0-1_all.deb`);
  must('dpkg-deb', ['--root-owner-group', '--build', tree, deb]);
  return deb;
}

/** Lines apt marks as warnings, errors or notices. */
function aptComplaints(output: string): string[] {
  return output.split('\n').filter((line) => /^(W|E|N|Err):?/.test(line));
}

describe('debforge repo on a booted Debian 12: signed-by, install, upgrade, tampering', function () {
  this.timeout(900_000);
  let machine: Machine;
  let server: Awaited<ReturnType<typeof serve>>;
  let repo: string;
  let key: Awaited<ReturnType<typeof makeKey>>;
  const debs: Record<string, string> = {};

  const publish = (...files: string[]): void => publishSigned(repo, key, files);
  const update = (): Promise<{ code: number; stdout: string; stderr: string }> => machine.sh('apt-get update 2>&1', { timeoutSec: 120 });
  /** A robot that has never seen the repository: no cached lists, so apt fetches every index. */
  const freshUpdate = async (): Promise<{ code: number; stdout: string; stderr: string }> => {
    await machine.must('rm -rf /var/lib/apt/lists/127.0.0.1*');
    return update();
  };

  before(async () => {
    requireRoot();
    const out = await tempDir();
    debs['v1'] = await demo(out, { version: '1.0.0' });
    debs['v2'] = await demo(out, { version: '1.1.0' });
    debs['native'] = await demo(out, { version: '1.0.0', name: 'native_demo', arch: NATIVE });
    key = await makeKey('Robot Fleet');
    repo = path.join(await tempDir('debforge-repo-'), 'apt');
    publish(debs['v1']!, debs['native']!);
    server = await serve(repo);
    machine = await Machine.boot('repo');
  });

  after(async () => {
    await machine?.poweroff();
    await server?.close();
    stopGpgAgents();
  });

  it('1. added with signed-by, apt-get update prints no warning, error or notice', async () => {
    // What docs/releasing.md tells a robot to do, with the machine's own downloader (no curl on it).
    await machine.must(`/usr/lib/apt/apt-helper download-file ${server.url}/archive-keyring.gpg ${KEYRING}`);
    // Only this repository: the machine's Debian mirror is not what is under test.
    await machine.must(`rm -f /etc/apt/sources.list && echo 'deb [signed-by=${KEYRING}] ${server.url} bookworm main' > ${LIST}`);
    const result = await update();
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.deepEqual(aptComplaints(result.stdout + result.stderr), [], result.stdout);
    assert.match(result.stdout, /Get:\d+ http:\/\/127\.0\.0\.1:\d+ bookworm InRelease/);
    assert.match(result.stdout, /bookworm\/main all Packages/, 'apt reads binary-all');
    assert.match(result.stdout, new RegExp(`bookworm/main ${NATIVE} Packages`), 'and its own architecture\'s index');
    assert.ok(server.requests.some((r) => r.includes('/by-hash/SHA256/')), `apt fetched the index by hash: ${server.requests.join(' ')}`);
  });

  it('1b. a suite of Architecture: all packages only (Release says `Architectures: all`) is read silently on any robot', async () => {
    publish('--suite', 'fleet', debs['v1']!);
    const release = await fs.readFile(path.join(repo, 'dists', 'fleet', 'Release'), 'utf8');
    assert.match(release, /^Architectures: all$/m);
    const list = '/etc/apt/sources.list.d/debforge-fleet.list';
    await machine.must(`echo 'deb [signed-by=${KEYRING}] ${server.url} fleet main' > ${list}`);
    try {
      const result = await update();
      assert.equal(result.code, 0, result.stdout);
      assert.deepEqual(aptComplaints(result.stdout + result.stderr), [], result.stdout);
      assert.match(await machine.must('apt-cache policy repo-demo'), new RegExp(`${server.url.replace(/\./g, '\\.')} fleet/main all Packages`));
    } finally {
      await machine.must(`rm -f ${list} && apt-get update >/dev/null 2>&1`);
    }
  });

  it('2. apt-get install installs the daemons (Architecture: all from binary-all, the native one from binary-<arch>) and starts them', async () => {
    await machine.must('DEBIAN_FRONTEND=noninteractive apt-get install -y repo-demo native-demo </dev/null', { timeoutSec: 300 });
    assert.equal((await machine.must("dpkg-query -W -f '${Version}' repo-demo")).trim(), '1.0.0-1');
    assert.equal((await machine.must("dpkg-query -W -f '${Architecture}' native-demo")).trim(), NATIVE);
    await machine.waitFor(async () => (await machine.sh('systemctl is-active repo-demo.service')).stdout.trim() === 'active', 10_000, 'repo-demo active');
  });

  it('3. a second release published into the same repository is picked up by update + upgrade; the first stays', async () => {
    publish(debs['v2']!);
    const result = await update();
    assert.equal(result.code, 0, result.stdout);
    assert.deepEqual(aptComplaints(result.stdout + result.stderr), [], result.stdout);
    await machine.must('DEBIAN_FRONTEND=noninteractive apt-get upgrade -y </dev/null', { timeoutSec: 300 });
    assert.equal((await machine.must("dpkg-query -W -f '${Version}' repo-demo")).trim(), '1.1.0-1');
    const policy = await machine.must('apt-cache policy repo-demo');
    assert.match(policy, /1\.0\.0-1/, `the earlier version is still offered (a robot can downgrade): ${policy}`);
  });

  it('3b. 20 concurrent pairs of repo runs into one folder: every run that exits 0 has its package in the index, and apt-get update accepts the result every time', async () => {
    const inputs = await tempDir();
    const list = '/etc/apt/sources.list.d/debforge-race.list';
    await machine.must(`echo 'deb [signed-by=${KEYRING}] ${server.url} race main' > ${list}`);
    try {
      const published: string[] = [];
      for (let round = 0; round < 20; round++) {
        const names = [`race-${round}-a`, `race-${round}-b`];
        const debs = await Promise.all(names.map((name) => tinyDeb(inputs, name)));
        const runs = await Promise.all(
          debs.map((deb) => measuredDebforge(['repo', deb, '--out', repo, '--suite', 'race', '--sign-key', key.fingerprint], { env: key.env })),
        );
        runs.forEach((result, index) => {
          if (result.code === 0) published.push(names[index]!);
          else assert.match(result.stderr, /^debforge: .*: another debforge repo run kept it locked/m, `round ${round}: a run that fails says why: ${result.stderr}`);
          assert.ok(result.peakKiB < 256 * 1024, `round ${round}: peak ${result.peakKiB} KiB`);
        });
        const result = await update();
        assert.equal(result.code, 0, `round ${round}: ${result.stdout}`);
        assert.deepEqual(aptComplaints(result.stdout + result.stderr), [], `round ${round}: ${result.stdout}`);
        const known = (await machine.must("apt-cache pkgnames race- | sort")).trim().split('\n');
        assert.deepEqual(known, [...published].sort(), `round ${round}: apt knows every package whose run exited 0`);
      }
      assert.equal(published.length, 40, 'with the default --lock-wait every run waits its turn and succeeds');
    } finally {
      await machine.must(`rm -f ${list} && apt-get update >/dev/null 2>&1`);
    }
  });

  describe('tampering', () => {
    let pristine: string;
    beforeEach(async () => {
      pristine = path.join(await tempDir(), 'pristine');
      await fs.cp(repo, pristine, { recursive: true });
    });
    afterEach(async () => {
      await fs.rm(repo, { recursive: true, force: true });
      await fs.rename(pristine, repo);
    });

    it('4. a flipped byte in a Packages index fails apt-get update', async () => {
      const dir = path.join(repo, 'dists', 'bookworm', 'main', 'binary-all');
      const original = await fs.readFile(path.join(dir, 'Packages'));
      const tampered = Buffer.from(original);
      const at = tampered.indexOf('Version: 1.1.0-1') + 'Version: 1.'.length;
      tampered[at] = '9'.charCodeAt(0);
      // Every form apt might fetch carries the same flipped byte, by name and by hash.
      const xz = must('sh', ['-c', `printf '%s' '${tampered.toString('base64')}' | base64 -d | xz -6 | base64 -w0`]);
      const forms: Array<[string, Buffer]> = [
        ['Packages', tampered],
        ['Packages.gz', gzipSync(tampered)],
        ['Packages.xz', Buffer.from(xz, 'base64')],
      ];
      const byHash = await fs.readdir(path.join(dir, 'by-hash', 'SHA256'));
      for (const [name, data] of forms) {
        const before = await fs.readFile(path.join(dir, name));
        for (const hash of byHash) {
          if ((await fs.readFile(path.join(dir, 'by-hash', 'SHA256', hash))).equals(before)) await fs.writeFile(path.join(dir, 'by-hash', 'SHA256', hash), data);
        }
        await fs.writeFile(path.join(dir, name), data);
      }
      const result = await freshUpdate();
      assert.notEqual(result.code, 0, result.stdout);
      assert.match(result.stdout, /Hash Sum mismatch|unexpected size/, result.stdout);
    });

    it('5. an InRelease signed by another key fails apt-get update', async () => {
      assert.equal((await freshUpdate()).code, 0, 'the robot starts with good lists');
      const other = await makeKey('Someone Else');
      const dists = path.join(repo, 'dists', 'bookworm');
      const env = { ...process.env, GNUPGHOME: other.home };
      const sign = ['--batch', '--yes', '--pinentry-mode', 'loopback', '--local-user', other.fingerprint];
      must('gpg', [...sign, '--clearsign', '--output', path.join(dists, 'InRelease'), path.join(dists, 'Release')], { env });
      must('gpg', [...sign, '--armor', '--detach-sign', '--output', path.join(dists, 'Release.gpg'), path.join(dists, 'Release')], { env });
      // A robot that already has the lists keeps them and says why (apt's own choice: exit 0, a warning).
      const known = await update();
      assert.match(known.stdout, /^W: .*NO_PUBKEY/m, known.stdout);
      assert.match(known.stdout, /previous index files will be used/, known.stdout);
      // A robot that has none gets nothing from the repository: apt-get update fails.
      const result = await freshUpdate();
      assert.notEqual(result.code, 0, result.stdout);
      assert.match(result.stdout, /^E: The repository .* is not signed/m, result.stdout);
      assert.match(result.stdout, /NO_PUBKEY/, result.stdout);
    });

    it('after the tampering is undone, the robot updates cleanly again', async () => {
      await fs.rm(repo, { recursive: true, force: true });
      await fs.cp(pristine, repo, { recursive: true });
      const result = await freshUpdate();
      assert.equal(result.code, 0, result.stdout);
      assert.deepEqual(aptComplaints(result.stdout + result.stderr), [], result.stdout);
    });
  });
});
