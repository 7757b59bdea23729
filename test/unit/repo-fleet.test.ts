// Running a fleet from the repository: earlier versions kept (and pruned) so a robot can go back,
// phased rollout, signing-key rotation, and publishing that reads only new or changed packages.
// The oracle is apt itself (apt-get and apt-cache on a scratch root reading the repository through
// file://, verifying signatures with the keyring its sources line names) and gpgv.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseStanzas } from '../../src/debian/deb822.js';
import { publishRepository } from '../../src/repo/index.js';
import { aptComplaints, missingKey, scratchApt, type ScratchApt } from '../support/apt.js';
import { EPOCH, demo, makeKey, stopGpgAgents } from '../support/repo-packages.js';
import { debforge, must, run, tempDir, type Run } from '../support/tools.js';

after(function () {
  // One gpgconf per key made; slow on a busy machine.
  this.timeout(120_000);
  stopGpgAgents();
});

/** Every stanza of one index of the repository, as objects. */
async function listed(repo: string, suite = 'bookworm'): Promise<Array<Record<string, string>>> {
  const text = await fs.readFile(path.join(repo, 'dists', suite, 'main', 'binary-all', 'Packages'), 'utf8');
  return parseStanzas(text).map((stanza) => Object.fromEntries(stanza));
}

/** name -> versions listed, sorted as the index has them. */
async function versions(repo: string): Promise<Record<string, string[]>> {
  const byName: Record<string, string[]> = {};
  for (const stanza of await listed(repo)) (byName[stanza['Package']!] ??= []).push(stanza['Version']!);
  return byName;
}

/** Every .deb under the repository's pool, relative to the repository. */
async function poolFiles(repo: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else found.push(path.relative(repo, full));
    }
  };
  await walk(path.join(repo, 'pool'));
  return found.sort();
}

function ok(result: Run, what: string): Run {
  assert.equal(result.code, 0, `${what}: ${result.stdout}\n${result.stderr}`);
  return result;
}

/** apt-get update must succeed with no warning, error or notice. */
function cleanUpdate(apt: ScratchApt, what: string): void {
  const update = apt.aptGet(['update']);
  assert.equal(update.code, 0, `${what}: ${update.stdout}${update.stderr}`);
  assert.deepEqual(aptComplaints(`${update.stdout}\n${update.stderr}`), [], `${what}: apt-get update is clean`);
}

/** The versions apt-cache madison finds for a package. */
function madison(apt: ScratchApt, pkg: string): string[] {
  return ok(apt.aptCache(['madison', pkg]), 'apt-cache madison')
    .stdout.split('\n')
    .filter((line) => line.includes('|'))
    .map((line) => line.split('|')[1]!.trim())
    .sort();
}

async function exportPublicKey(key: { fingerprint: string; env: NodeJS.ProcessEnv }, file: string): Promise<string> {
  must('gpg', ['--batch', '--yes', '--output', file, '--export', key.fingerprint], { env: key.env });
  return file;
}

async function exportSecretKey(key: { fingerprint: string; env: NodeJS.ProcessEnv }, file: string): Promise<string> {
  await fs.writeFile(file, must('gpg', ['--batch', '--armor', '--export-secret-keys', key.fingerprint], { env: key.env }));
  return file;
}

describe('repo: earlier versions kept, so a robot can go back; prune keeps exactly N', function () {
  this.timeout(600_000);
  let demos: string[];
  let libs: string[];

  before(async () => {
    const out = await tempDir();
    demos = [];
    for (const version of ['1.0.0', '1.1.0', '1.2.0', '1.3.0']) demos.push(await demo(out, { version }));
    libs = [];
    for (const version of ['1.0.0', '1.1.0', '1.2.0']) libs.push(await demo(out, { name: 'librobot_demo', version }));
  });

  it('keeps the newest 3 by default, and apt-get install PACKAGE=<previous> finds the previous version', async () => {
    const key = await makeKey('Retention');
    const repo = await tempDir();
    for (const deb of [...demos.slice(0, 3), ...libs]) ok(debforge(['repo', deb, '--out', repo, '--sign-key', key.fingerprint], { env: key.env }), 'publish');
    assert.deepEqual(await versions(repo), { 'librobot-demo': ['1.0.0-1', '1.1.0-1', '1.2.0-1'], 'repo-demo': ['1.0.0-1', '1.1.0-1', '1.2.0-1'] });
    const fourth = ok(debforge(['repo', demos[3]!, '--out', repo, '--sign-key', key.fingerprint, '--json'], { env: key.env }), 'the fourth version');
    assert.deepEqual((await versions(repo))['repo-demo'], ['1.1.0-1', '1.2.0-1', '1.3.0-1']);
    const report = JSON.parse(fourth.stdout) as { dropped: Array<{ version: string }>; removed: string[] };
    assert.deepEqual(report.dropped.map((d) => d.version), ['1.0.0-1']);
    assert.deepEqual(report.removed, ['pool/main/r/repo-demo/repo-demo_1.0.0-1_all.deb']);
    assert.ok(!(await poolFiles(repo)).includes('pool/main/r/repo-demo/repo-demo_1.0.0-1_all.deb'), 'the dropped version left the pool');

    const apt = await scratchApt();
    await apt.setSource(repo, 'bookworm', path.join(repo, 'archive-keyring.gpg'));
    cleanUpdate(apt, 'after the fourth version');
    assert.deepEqual(madison(apt, 'repo-demo'), ['1.1.0-1', '1.2.0-1', '1.3.0-1']);
    const install = ok(apt.aptGet(['install', '-s', '-y', 'repo-demo=1.2.0-1']), 'apt-get install repo-demo=1.2.0-1');
    assert.match(install.stdout, /^Inst repo-demo \(1\.2\.0-1 /m, install.stdout);
  });

  it('a given version older than the versions kept is not published, and says so', async () => {
    const repo = await tempDir();
    ok(debforge(['repo', ...demos.slice(1), '--out', repo]), 'three newer versions');
    const older = ok(debforge(['repo', demos[0]!, '--out', repo]), 'an older version');
    assert.match(older.stderr, /warning: repo-demo 1\.0\.0-1 \(all\) is older than the 3 versions bookworm keeps: not published/);
    assert.deepEqual((await versions(repo))['repo-demo'], ['1.1.0-1', '1.2.0-1', '1.3.0-1']);
    assert.ok(!(await poolFiles(repo)).some((file) => file.includes('1.0.0-1')));
    ok(debforge(['repo', demos[0]!, '--out', repo, '--keep', 'all']), '--keep all');
    assert.deepEqual((await versions(repo))['repo-demo'], ['1.0.0-1', '1.1.0-1', '1.2.0-1', '1.3.0-1']);
  });

  it("without --keep, the project config's repo keep applies (debforge.yaml found from the current folder), and a bad one is refused at its line", async () => {
    const project = await tempDir();
    await fs.mkdir(path.join(project, '.git'));
    await fs.writeFile(path.join(project, 'debforge.yaml'), 'repo:\n  keep: 2\n');
    const repo = await tempDir();
    ok(debforge(['repo', ...demos.slice(0, 3), '--out', repo], { cwd: project }), 'three versions, keep 2');
    assert.deepEqual((await versions(repo))['repo-demo'], ['1.1.0-1', '1.2.0-1']);
    await fs.writeFile(path.join(project, 'debforge.yaml'), 'repo:\n  keep: 0\n');
    const refused = debforge(['repo', demos[3]!, '--out', repo], { cwd: project });
    assert.equal(refused.code, 1, refused.stderr);
    assert.deepEqual(refused.stderr.trim().split('\n'), ['debforge: debforge.yaml:2: repo keep is "0"; it must be a whole number of at least 1, or all']);
    assert.deepEqual((await versions(repo))['repo-demo'], ['1.1.0-1', '1.2.0-1'], 'nothing published');
  });

  it('repo prune --keep 2 leaves exactly two versions per package in the index and the pool; apt accepts the repository before and after', async () => {
    const key = await makeKey('Prune');
    const repo = await tempDir();
    ok(debforge(['repo', ...demos, ...libs, '--out', repo, '--keep', 'all', '--sign-key', key.fingerprint], { env: key.env }), 'publish every version');
    const apt = await scratchApt();
    await apt.setSource(repo, 'bookworm', path.join(repo, 'archive-keyring.gpg'));
    cleanUpdate(apt, 'before the prune');
    assert.deepEqual(madison(apt, 'repo-demo'), ['1.0.0-1', '1.1.0-1', '1.2.0-1', '1.3.0-1']);
    assert.equal((await poolFiles(repo)).length, 7);

    const unsigned = debforge(['repo', 'prune', '--out', repo, '--keep', '2']);
    assert.equal(unsigned.code, 1, unsigned.stderr);
    assert.match(unsigned.stderr, /bookworm is signed: give --sign-key so that repo prune signs it again \(nothing was changed\)/);
    assert.equal((await poolFiles(repo)).length, 7, 'a refused prune removes nothing');

    const pruned = ok(debforge(['repo', 'prune', '--out', repo, '--keep', '2', '--sign-key', key.fingerprint, '--json'], { env: key.env }), 'repo prune --keep 2');
    assert.deepEqual(await versions(repo), { 'librobot-demo': ['1.1.0-1', '1.2.0-1'], 'repo-demo': ['1.2.0-1', '1.3.0-1'] });
    assert.deepEqual(await poolFiles(repo), [
      'pool/main/libr/librobot-demo/librobot-demo_1.1.0-1_all.deb',
      'pool/main/libr/librobot-demo/librobot-demo_1.2.0-1_all.deb',
      'pool/main/r/repo-demo/repo-demo_1.2.0-1_all.deb',
      'pool/main/r/repo-demo/repo-demo_1.3.0-1_all.deb',
    ]);
    const report = JSON.parse(pruned.stdout) as { removed: string[]; suites: Array<{ changed: boolean }> };
    assert.equal(report.removed.length, 3);
    must('gpgv', ['--keyring', path.join(repo, 'archive-keyring.gpg'), path.join(repo, 'dists', 'bookworm', 'InRelease')]);
    cleanUpdate(apt, 'after the prune');
    assert.deepEqual(madison(apt, 'repo-demo'), ['1.2.0-1', '1.3.0-1']);
    assert.deepEqual(madison(apt, 'librobot-demo'), ['1.1.0-1', '1.2.0-1']);
    const fetch = ok(apt.aptGet(['install', '-y', '--download-only', 'repo-demo=1.2.0-1']), 'the kept previous version downloads');
    assert.deepEqual(aptComplaints(fetch.stdout + fetch.stderr), []);

    const again = ok(debforge(['repo', 'prune', '--out', repo, '--keep', '2', '--sign-key', key.fingerprint], { env: key.env }), 'a second prune');
    assert.match(again.stderr, /nothing to change/);
  });

  it('a pool file another suite still lists stays when one suite drops it', async () => {
    const repo = await tempDir();
    ok(debforge(['repo', ...demos.slice(0, 2), '--out', repo, '--suite', 'stable']), 'stable');
    ok(debforge(['repo', ...demos.slice(0, 2), '--out', repo, '--suite', 'testing']), 'testing');
    ok(debforge(['repo', 'prune', '--out', repo, '--keep', '1', '--suite', 'testing']), 'prune testing');
    const stable = (await listed(repo, 'stable')).map((s) => s['Version']);
    const testing = (await listed(repo, 'testing')).map((s) => s['Version']);
    assert.deepEqual([stable, testing], [['1.0.0-1', '1.1.0-1'], ['1.1.0-1']]);
    assert.ok((await poolFiles(repo)).includes('pool/main/r/repo-demo/repo-demo_1.0.0-1_all.deb'), 'stable still lists 1.0.0-1');
  });

  it('bad --keep values and a folder that is no repository are one-line errors', async () => {
    for (const value of ['0', '-1', 'many', '1.5']) {
      const result = debforge(['repo', 'prune', '--out', await tempDir(), `--keep=${value}`]);
      assert.equal(result.code, 2, value);
      assert.match(result.stderr, /--keep must be a whole number of at least 1, or all/);
    }
    assert.equal(debforge(['repo', 'prune', '--out', await tempDir()]).code, 2);
    const notRepo = debforge(['repo', 'prune', '--out', await tempDir(), '--keep', '2']);
    assert.equal(notRepo.code, 1);
    assert.match(notRepo.stderr, /is not a repository \(it has no dists folder\)/);
    assert.equal(notRepo.stderr.trim().split('\n').length, 1);
    const help = ok(debforge(['repo', 'prune', '--help']), 'repo prune --help');
    for (const option of ['--out DIR', '--keep N', '--suite S', '--sign-key KEY']) assert.ok(help.stdout.includes(option), option);
  });
});

describe('repo: phased rollout', function () {
  this.timeout(600_000);

  it('a version published at 0% is held back by apt-get upgrade, and taken once `repo phase` raises it to 100%, without a rebuild', async () => {
    const out = await tempDir();
    const first = await demo(out, { version: '1.0.0' });
    const second = await demo(out, { version: '1.1.0' });
    const key = await makeKey('Phase');
    const repo = await tempDir();
    ok(debforge(['repo', first, '--out', repo, '--sign-key', key.fingerprint], { env: key.env }), '1.0.0');
    ok(debforge(['repo', second, '--out', repo, '--sign-key', key.fingerprint, '--phase', 'repo-demo=0'], { env: key.env }), '1.1.0 at 0%');
    const phased = (await listed(repo)).find((s) => s['Version'] === '1.1.0-1')!;
    assert.equal(phased['Phased-Update-Percentage'], '0');
    assert.equal((await listed(repo)).find((s) => s['Version'] === '1.0.0-1')!['Phased-Update-Percentage'], undefined);
    const pool = await poolFiles(repo);

    // Three robots with 1.0.0 installed, each with its own machine ID.
    const installed = `Package: repo-demo\nStatus: install ok installed\nVersion: 1.0.0-1\nArchitecture: all\nMaintainer: Test Team <tests@example.org>\nDescription: demo\n`;
    const robots: ScratchApt[] = [];
    for (const id of ['0f1e2d3c4b5a69788796a5b4c3d2e1f0', '11111111222222223333333344444444', 'c0ffee00c0ffee00c0ffee00c0ffee00']) {
      const apt = await scratchApt({ machineId: id });
      await apt.setSource(repo, 'bookworm', path.join(repo, 'archive-keyring.gpg'));
      await apt.setInstalled([installed]);
      cleanUpdate(apt, `robot ${id}`);
      const upgrade = ok(apt.aptGet(['upgrade', '-s']), 'apt-get upgrade -s');
      assert.doesNotMatch(upgrade.stdout, /^Inst repo-demo/m, `robot ${id} holds 1.1.0 back: ${upgrade.stdout}`);
      assert.match(upgrade.stdout, /kept back:\n\s+repo-demo|deferred due to phasing:\n\s+repo-demo/);
      assert.match(ok(apt.aptCache(['policy', 'repo-demo']), 'apt-cache policy').stdout, /1\.1\.0-1 500 \(phased 0%\)/);
      robots.push(apt);
    }
    // Without phasing (the machine keeps the switch apt gives), the same robot would upgrade: the hold is the phasing.
    const always = robots[0]!.aptGet(['upgrade', '-s', '-o', 'APT::Get::Always-Include-Phased-Updates=true']);
    assert.match(always.stdout, /^Inst repo-demo \[1\.0\.0-1\] \(1\.1\.0-1 /m);
    // Phasing holds back upgrades only: naming the package takes it (docs/fleet.md says so).
    assert.match(ok(robots[0]!.aptGet(['install', '-s', 'repo-demo']), 'apt-get install -s repo-demo').stdout, /^Inst repo-demo \[1\.0\.0-1\] \(1\.1\.0-1 /m);

    const raised = ok(debforge(['repo', 'phase', 'repo-demo', 'latest', '100', '--out', repo, '--sign-key', key.fingerprint, '--json'], { env: key.env }), 'repo phase 100');
    assert.deepEqual((JSON.parse(raised.stdout) as { packages: Array<{ version: string }> }).packages.map((p) => p.version), ['1.1.0-1']);
    assert.equal((await listed(repo)).find((s) => s['Version'] === '1.1.0-1')!['Phased-Update-Percentage'], undefined);
    assert.deepEqual(await poolFiles(repo), pool, 'the pool is untouched: nothing was rebuilt or copied');
    must('gpgv', ['--keyring', path.join(repo, 'archive-keyring.gpg'), path.join(repo, 'dists', 'bookworm', 'InRelease')]);
    for (const apt of robots) {
      cleanUpdate(apt, 'after the phase was raised');
      assert.match(ok(apt.aptGet(['upgrade', '-s']), 'apt-get upgrade -s').stdout, /^Inst repo-demo \[1\.0\.0-1\] \(1\.1\.0-1 /m);
    }

    ok(debforge(['repo', 'phase', 'repo-demo', '1.1.0-1', '40', '--out', repo, '--sign-key', key.fingerprint], { env: key.env }), 'repo phase 40');
    assert.equal((await listed(repo)).find((s) => s['Version'] === '1.1.0-1')!['Phased-Update-Percentage'], '40');
    // Re-publishing the same file keeps the phasing repo phase set.
    ok(debforge(['repo', first, second, '--out', repo, '--sign-key', key.fingerprint], { env: key.env }), 're-publish');
    assert.equal((await listed(repo)).find((s) => s['Version'] === '1.1.0-1')!['Phased-Update-Percentage'], '40');
  });

  it('phase errors: an unpublished version, a bad percentage, an unsigned re-sign of a signed suite, a --phase for no package of the run', async () => {
    const out = await tempDir();
    const deb = await demo(out);
    const repo = await tempDir();
    ok(debforge(['repo', deb, '--out', repo]), 'publish');
    const missing = debforge(['repo', 'phase', 'repo-demo', '9.9-1', '10', '--out', repo]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /repo-demo 9\.9-1 is not published in bookworm/);
    for (const percent of ['101', '-1', 'half']) assert.equal(debforge(['repo', 'phase', 'repo-demo', 'latest', percent, '--out', repo]).code, 2, percent);
    const wrongName = debforge(['repo', deb, '--out', repo, '--phase', 'other-demo=10']);
    assert.equal(wrongName.code, 1);
    assert.match(wrongName.stderr, /--phase other-demo: no package other-demo is given to this run/);
    assert.equal(debforge(['repo', deb, '--out', repo, '--phase', 'repo-demo=200']).code, 2);
    const help = ok(debforge(['repo', 'phase', '--help']), 'repo phase --help');
    assert.match(help.stdout, /Usage: debforge repo phase PACKAGE VERSION\|latest PERCENT --out DIR/);
  });
});

describe('repo: signing-key rotation', function () {
  this.timeout(600_000);

  it('during the window robots trusting only the old key and only the new key both update cleanly; afterwards the old-key robot is refused', async () => {
    const out = await tempDir();
    const [v1, v2, v3] = [await demo(out, { version: '1.0.0' }), await demo(out, { version: '1.1.0' }), await demo(out, { version: '1.2.0' })];
    const oldKey = await makeKey('Old Key');
    const newKey = await makeKey('New Key');
    const keys = await tempDir();
    const oldSecret = await exportSecretKey(oldKey, path.join(keys, 'old.asc'));
    const newSecret = await exportSecretKey(newKey, path.join(keys, 'new.asc'));
    const oldRing = await exportPublicKey(oldKey, path.join(keys, 'old.gpg'));
    const newRing = await exportPublicKey(newKey, path.join(keys, 'new.gpg'));
    const repo = await tempDir();
    const empty = { ...process.env, GNUPGHOME: await tempDir('debforge-gpg-') };

    ok(debforge(['repo', v1, '--out', repo, '--sign-key', oldSecret], { env: empty }), 'before the window: old key');
    const oldRobot = await scratchApt();
    await oldRobot.setSource(repo, 'bookworm', oldRing);
    const newRobot = await scratchApt();
    await newRobot.setSource(repo, 'bookworm', newRing);
    cleanUpdate(oldRobot, 'old-key robot before the window');

    const window = ok(debforge(['repo', v2, '--out', repo, '--sign-key', oldSecret, '--sign-key', newSecret], { env: empty }), 'the window: both keys');
    assert.match(window.stderr, new RegExp(`signed with ${oldKey.fingerprint} and ${newKey.fingerprint}`));
    const dists = path.join(repo, 'dists', 'bookworm');
    // One keyring: gpgv finds that key's good signature (and exits 2 for the other, which it cannot check).
    for (const [ring, name] of [[oldRing, 'Old Key'], [newRing, 'New Key']] as const) {
      for (const args of [[path.join(dists, 'InRelease')], [path.join(dists, 'Release.gpg'), path.join(dists, 'Release')]]) {
        const checked = run('gpgv', ['--keyring', ring, ...args]);
        assert.match(checked.stderr, new RegExp(`Good signature from "${name} <test@example.org>"`), checked.stderr);
        assert.doesNotMatch(checked.stderr, /BAD signature/);
      }
    }
    must('gpgv', ['--keyring', oldRing, '--keyring', newRing, path.join(dists, 'InRelease')]);
    must('gpgv', ['--keyring', oldRing, '--keyring', newRing, path.join(dists, 'Release.gpg'), path.join(dists, 'Release')]);
    const shown = must('gpg', ['--batch', '--with-colons', '--show-keys', path.join(repo, 'archive-keyring.gpg')], { env: empty });
    assert.deepEqual([...shown.matchAll(/^fpr:(?:[^:]*:){8}([0-9A-F]{40}):/gm)].map((m) => m[1]).filter((f) => f === oldKey.fingerprint || f === newKey.fingerprint).sort(), [oldKey.fingerprint, newKey.fingerprint].sort());
    cleanUpdate(oldRobot, 'old-key robot during the window');
    cleanUpdate(newRobot, 'new-key robot during the window');
    assert.deepEqual(madison(oldRobot, 'repo-demo'), ['1.0.0-1', '1.1.0-1']);
    assert.deepEqual(madison(newRobot, 'repo-demo'), ['1.0.0-1', '1.1.0-1']);

    ok(debforge(['repo', v3, '--out', repo, '--sign-key', newSecret], { env: empty }), 'after the window: new key only');
    cleanUpdate(newRobot, 'new-key robot after the window');
    assert.deepEqual(madison(newRobot, 'repo-demo'), ['1.0.0-1', '1.1.0-1', '1.2.0-1']);
    // apt keeps the old indexes and warns (exit 0 unless --error-on=any, which robots' fleet tooling can use).
    const refused = oldRobot.aptGet(['update', '--error-on=any']);
    const output = `${refused.stdout}\n${refused.stderr}`;
    assert.notEqual(refused.code, 0, output);
    assert.match(output, missingKey(newKey.fingerprint));
    assert.match(output, /The repository is not updated/);
    assert.ok(!madison(oldRobot, 'repo-demo').includes('1.2.0-1'), 'the old-key robot does not see what only the new key signed');
  });

  it('the same key given twice is refused before anything is written', async () => {
    const key = await makeKey('Twice');
    const repo = await tempDir();
    const result = debforge(['repo', await demo(await tempDir()), '--out', repo, '--sign-key', key.fingerprint, '--sign-key', key.fingerprint], { env: key.env });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /is the same key as --sign-key/);
    await assert.rejects(fs.access(path.join(repo, 'dists')));
  });
});

describe('repo: a publish reads only new or changed packages', function () {
  this.timeout(600_000);

  /** Waits until every file under `dir` is older than the cache's racy window. */
  async function settle(): Promise<void> {
    await sleep(2_100);
  }

  it('remembers what it read; a new file is read, a changed file is read again, a damaged cache is ignored and rebuilt', async () => {
    const out = await tempDir();
    for (const version of ['1.0.0', '1.1.0', '1.2.0']) await demo(out, { version });
    await settle();
    const repo = await tempDir();
    const first = ok(debforge(['repo', out, '--out', repo]), 'first publish');
    assert.match(first.stderr, /read 3 of 3 packages \(0 remembered\)/);
    const again = ok(debforge(['repo', out, '--out', repo]), 'the same again');
    assert.match(again.stderr, /read 0 of 3 packages \(3 remembered\)/);
    assert.match(again.stderr, /bookworm: unchanged/);

    const extra = await demo(await tempDir(), { name: 'other_demo' });
    const added = ok(debforge(['repo', out, extra, '--out', repo]), 'one more');
    assert.match(added.stderr, /read 1 of 4 packages \(3 remembered\)/);

    // The same repository published from scratch, reading everything, has the same index.
    const fresh = await tempDir();
    ok(debforge(['repo', out, extra, '--out', fresh]), 'fresh');
    assert.equal(await fs.readFile(path.join(repo, 'dists/bookworm/main/binary-all/Packages'), 'utf8'), await fs.readFile(path.join(fresh, 'dists/bookworm/main/binary-all/Packages'), 'utf8'));

    // A damaged cache is ignored (everything read again) and rewritten whole.
    const cache = path.join(repo, '.debforge-cache.json');
    await fs.writeFile(cache, '{"format":"debforge-read-cache-1","debs":{"x":');
    const damaged = ok(debforge(['repo', out, '--out', repo]), 'damaged cache');
    assert.match(damaged.stderr, /read 3 of 3 packages \(0 remembered\)/);
    assert.equal(typeof JSON.parse(await fs.readFile(cache, 'utf8')), 'object');

    // An entry whose contents were altered (a hash that is no hash) is not trusted.
    await settle();
    ok(debforge(['repo', out, '--out', repo]), 'remember again');
    const remembered = JSON.parse(await fs.readFile(cache, 'utf8')) as { debs: Record<string, { sha256: string }> };
    for (const entry of Object.values(remembered.debs)) entry.sha256 = 'not a hash';
    await fs.writeFile(cache, JSON.stringify(remembered));
    assert.match(ok(debforge(['repo', out, '--out', repo]), 'altered entries').stderr, /read 3 of 3 packages \(0 remembered\)/);

    // A file changed in place (same path, other bytes) is read again: here it is a rebuild of a
    // published version, which is refused, where a trusted cache would have said "unchanged".
    await settle();
    ok(debforge(['repo', out, '--out', repo]), 'remember again');
    const target = path.join(out, 'repo-demo_1.0.0-1_all.deb');
    const rebuilt = await demo(await tempDir(), { version: '1.0.0', epoch: EPOCH + 3600 });
    await fs.writeFile(target, await fs.readFile(rebuilt));
    const changed = debforge(['repo', out, '--out', repo]);
    assert.equal(changed.code, 1, changed.stderr);
    assert.match(changed.stderr, /repo-demo 1\.0\.0-1 \(all\) is already in bookworm as a different file/);
  });

  it('a file written just before the run is read but not remembered (its ctime could repeat)', async () => {
    const deb = await demo(await tempDir());
    const dir = await tempDir();
    const repo = await tempDir();
    const lines: string[] = [];
    const log = (line: string): void => {
      lines.push(line);
    };
    await fs.copyFile(deb, path.join(dir, 'fresh.deb'));
    await publishRepository([dir], { outDir: repo, log });
    await publishRepository([dir], { outDir: repo, log });
    assert.deepEqual(lines.filter((line) => line.startsWith('read ')), ['read 1 of 1 package (0 remembered)', 'read 1 of 1 package (0 remembered)']);
  });
});
