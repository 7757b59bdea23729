// Repository integrity against hostile input: control data apt could read differently from what
// debforge checked, and Release text that would inject fields. Every case crafts its input here,
// and asserts a one-line error, a time and peak-memory bound on the debforge process, and a
// repository left byte for byte as it was.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { arMember } from '../../src/debian/ar.js';
import { measuredDebforge, snapshot, startDebforge, type MeasuredRun } from '../support/measure.js';
import { CLI, dpkgUnpack, must, run, scratchRoot, tempDir } from '../support/tools.js';

const TIME_BOUND_MS = 30_000;
const PEAK_BOUND_KIB = 256 * 1024;

/** A .deb holding exactly the control text given (written with tar, wrapped in ar), and an empty payload. */
async function craftDeb(dir: string, name: string, control: string, options: { payloadBytes?: number } = {}): Promise<string> {
  const work = await tempDir('debforge-craft-');
  await fs.mkdir(path.join(work, 'control'));
  await fs.mkdir(path.join(work, 'data', 'usr', 'share'), { recursive: true });
  if (options.payloadBytes !== undefined) {
    // Random bytes: gzip stores them, so the .deb is as big as the payload.
    const handle = await fs.open(path.join(work, 'data', 'usr', 'share', 'blob'), 'w');
    for (let left = options.payloadBytes; left > 0; left -= 1024 * 1024) await handle.write(randomBytes(Math.min(left, 1024 * 1024)));
    await handle.close();
  }
  await fs.writeFile(path.join(work, 'control', 'control'), control);
  const tarOptions = ['--owner=0', '--group=0', '--numeric-owner', '--mtime=@1700000000', '--sort=name', '-czf'];
  must('tar', [...tarOptions, path.join(work, 'control.tar.gz'), '-C', path.join(work, 'control'), '.']);
  must('tar', [...tarOptions, path.join(work, 'data.tar.gz'), '-C', path.join(work, 'data'), '.']);
  const deb = path.join(dir, name);
  await fs.writeFile(
    deb,
    Buffer.concat([
      Buffer.from('!<arch>\n'),
      arMember('debian-binary', Buffer.from('2.0\n'), 1700000000),
      arMember('control.tar.gz', await fs.readFile(path.join(work, 'control.tar.gz')), 1700000000),
      arMember('data.tar.gz', await fs.readFile(path.join(work, 'data.tar.gz')), 1700000000),
    ]),
  );
  await fs.rm(work, { recursive: true, force: true });
  return deb;
}

function controlText(pkg: string, version = '1.0-1', extra = ''): string {
  return `Package: ${pkg}\nVersion: ${version}\nArchitecture: all\nMaintainer: Robotics Team <robotics@example.org>\n${extra}Description: crafted package\n for the repository tests\n`;
}

/** A repository holding one good package, to show that a refused run changes nothing in it. */
async function seededRepository(): Promise<{ repo: string; inputs: string }> {
  const inputs = await tempDir();
  const repo = path.join(await tempDir(), 'apt');
  const good = await craftDeb(inputs, 'good.deb', controlText('good-package'));
  const seeded = await measuredDebforge(['repo', good, '--out', repo, '--suite', 'stable']);
  assert.equal(seeded.code, 0, seeded.stderr);
  return { repo, inputs };
}

function assertRefused(result: MeasuredRun, code: number, message: RegExp): void {
  assert.equal(result.code, code, `exit code; stderr: ${result.stderr}`);
  const lines = result.stderr.split('\n').filter((line) => line !== '' && !/warning: no --sign-key/.test(line));
  assert.equal(lines.length, 1, `one line: ${JSON.stringify(result.stderr)}`);
  assert.match(lines[0]!, message);
  assert.doesNotMatch(result.stderr, /[\u0000-\u0008\u000b-\u001f\u007f]/, 'no control character reaches the terminal');
  assert.ok(result.ms < TIME_BOUND_MS, `took ${result.ms} ms`);
  assert.ok(result.peakKiB > 0 && result.peakKiB < PEAK_BOUND_KIB, `peak memory ${result.peakKiB} KiB`);
}

describe('repo: control data parsed strictly, Release text validated', function () {
  this.timeout(120_000);

  const hostileControls: Array<{ what: string; control: string; message: RegExp }> = [
    {
      what: 'a second Package field',
      control: `${controlText('innocent')}Package: evil-package\n`,
      message: /hostile\.deb: control file line 7: second Package field in one stanza: refused/,
    },
    {
      what: 'a second field whose name differs only in case',
      control: controlText('innocent', '1.0-1', 'depends: evil-package\nDepends: libc6\n'),
      message: /hostile\.deb: control file line 6: second Depends field in one stanza/,
    },
    {
      what: 'a field with a space before its colon',
      control: controlText('innocent', '1.0-1', 'Filename : pool/main/e/evil/evil.deb\n'),
      message: /hostile\.deb: control file line 5: "Filename " is not a field name/,
    },
    {
      what: 'a second stanza',
      control: `${controlText('innocent')}\nPackage: evil-package\nVersion: 6.6.6\nArchitecture: all\n`,
      message: /hostile\.deb: control file line 8: a second stanza after a blank line: a control file holds one/,
    },
    {
      what: 'a second stanza after a whitespace-only line',
      control: `${controlText('innocent')} \t\nPackage: evil-package\n`,
      message: /hostile\.deb: control file line 8: a second stanza/,
    },
    {
      what: 'an escape sequence in a field',
      control: controlText('innocent', '1.0-1', 'Homepage: https://example.org/\u001b]2;pwned\u0007\n'),
      message: /hostile\.deb: control file line 5: control character U\+001B/,
    },
    {
      what: 'a carriage return that hides the rest of a line',
      control: controlText('innocent', '1.0-1', 'Depends: libc6\rPre-Depends: evil\n'),
      message: /hostile\.deb: control file line 5: control character U\+000D/,
    },
    {
      what: 'a "#" comment line',
      control: `# Package: evil-package\n${controlText('innocent')}`,
      message: /hostile\.deb: control file line 1: a "#" comment line, which dpkg does not take in a control file: refused/,
    },
  ];

  for (const { what, control, message } of hostileControls) {
    it(`a control file with ${what} is refused, and nothing of it reaches Packages`, async () => {
      const { repo, inputs } = await seededRepository();
      const before = await snapshot(repo);
      const hostile = await craftDeb(inputs, 'hostile.deb', control);
      // With a good package beside it: a refused input stops the whole run.
      const also = await craftDeb(inputs, 'also-good.deb', controlText('also-good'));
      const result = await measuredDebforge(['repo', hostile, also, '--out', repo, '--suite', 'stable']);
      assertRefused(result, 1, message);
      assert.deepEqual(await snapshot(repo), before, 'the repository is byte for byte as it was');
    });
  }

  it('dpkg refuses a duplicate field and a second stanza, and apt-ftparchive reads the duplicate as another package (why they are refused)', async () => {
    const dir = await tempDir();
    const root = await scratchRoot();
    const duplicate = await craftDeb(dir, 'duplicate.deb', `${controlText('innocent')}Package: evil-package\n`);
    const twoStanzas = await craftDeb(dir, 'two.deb', `${controlText('innocent')}\nPackage: evil-package\nVersion: 6.6.6\n`);
    const unpackDuplicate = dpkgUnpack(root, duplicate);
    assert.notEqual(unpackDuplicate.code, 0);
    assert.match(unpackDuplicate.stderr, /duplicate value for 'Package' field/);
    const unpackTwo = dpkgUnpack(root, twoStanzas);
    assert.notEqual(unpackTwo.code, 0);
    assert.match(unpackTwo.stderr, /several package info entries found, only one allowed/);
    await fs.rm(twoStanzas);
    const indexed = must('apt-ftparchive', ['packages', '.'], { cwd: dir });
    assert.match(indexed, /^Package: evil-package$/m, indexed);
  });

  it('inspect reads a control file by the rules dpkg-deb reads it with: what dpkg-deb refuses is refused at its line, an escape sequence it takes is shown escaped', async () => {
    const dir = await tempDir();
    const refused: Array<[string, string, RegExp]> = [
      ['duplicate.deb', `${controlText('innocent')}Package: evil-package\n`, /control file line 7: second Package field in one stanza$/],
      ['two.deb', `${controlText('innocent')}\nPackage: evil-package\nVersion: 6.6.6\n`, /control file line 8: a second stanza after a blank line/],
      ['comment.deb', `# Package: evil-package\n${controlText('innocent')}`, /control file line 1: a "#" comment line/],
    ];
    for (const [name, control, message] of refused) {
      const deb = await craftDeb(dir, name, control);
      const oracle = run('dpkg-deb', ['--show', '--showformat=${Package}\\n', deb]);
      assert.notEqual(oracle.code, 0, `dpkg-deb reads ${name}: ${oracle.stdout}`);
      const inspected = await measuredDebforge(['inspect', deb]);
      assertRefused(inspected, 1, new RegExp(`^debforge: ${deb.replace(/[.]/g, '\\.')}: cannot read package: ${message.source}`));
    }
    const escape = await craftDeb(dir, 'escape.deb', controlText('innocent', '1.0-1', 'Homepage: https://example.org/\u001b]2;pwned\u0007\n'));
    const oracle = run('dpkg-deb', ['--show', '--showformat=${Homepage}', escape]);
    assert.equal(oracle.code, 0, oracle.stderr);
    assert.equal(oracle.stdout, 'https://example.org/\u001b]2;pwned\u0007');
    const shown = await measuredDebforge(['inspect', escape]);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /^Homepage: https:\/\/example\.org\/\\x1b\]2;pwned\\x07$/m);
    const json = await measuredDebforge(['inspect', '--json', escape]);
    assert.equal(json.code, 0, json.stderr);
    assert.doesNotMatch(json.stdout, /[\u0000-\u0009\u000b-\u001f]/, 'JSON escapes it');
    assert.equal((JSON.parse(json.stdout) as { control: Record<string, string> }).control['Homepage'], oracle.stdout);
  });

  const hostileOptions: Array<{ option: string; value: string }> = [
    { option: '--origin', value: 'debforge\nSuite: evil' },
    { option: '--label', value: 'robots\nSHA256:\n 0000 1 main/binary-all/Packages' },
    { option: '--origin', value: 'robots\u001b[2J' },
    { option: '--label', value: 'robots\r' },
    { option: '--origin', value: ' leading space' },
    { option: '--label', value: '' },
  ];

  for (const { option, value } of hostileOptions) {
    it(`${option} ${JSON.stringify(value)} is refused before anything is written`, async () => {
      const { repo, inputs } = await seededRepository();
      const before = await snapshot(repo);
      const deb = await craftDeb(inputs, 'next.deb', controlText('next-package'));
      const result = await measuredDebforge(['repo', deb, '--out', repo, '--suite', 'testing', option, value]);
      assertRefused(result, 1, new RegExp(`^debforge: ${option} .*: must be one line of 1 to 200 printable characters`));
      assert.deepEqual(await snapshot(repo), before, 'the repository is byte for byte as it was');
    });
  }

  it('a damaged Packages index in the repository is an error naming it and its line, not a crash', async () => {
    const { repo, inputs } = await seededRepository();
    const packages = path.join(repo, 'dists', 'stable', 'main', 'binary-all', 'Packages');
    await fs.appendFile(packages, 'Package: twice\nPackage: again\n');
    const before = await snapshot(repo);
    const deb = await craftDeb(inputs, 'next.deb', controlText('next-package'));
    const result = await measuredDebforge(['repo', deb, '--out', repo, '--suite', 'stable']);
    assertRefused(result, 1, /binary-all\/Packages:\d+: second Package field in one stanza: this repository file is damaged/);
    assert.deepEqual(await snapshot(repo), before);
  });
});

describe('repo: one run at a time, nothing in place until everything is signed', function () {
  this.timeout(180_000);
  const gnupgHomes: string[] = [];
  after(() => {
    for (const home of gnupgHomes) run('gpgconf', ['--kill', 'all'], { env: { ...process.env, GNUPGHOME: home } });
  });

  it('a wrong passphrase fails the signing and leaves the signed repository byte for byte as it was', async () => {
    const home = await tempDir('debforge-gpg-');
    gnupgHomes.push(home);
    await fs.chmod(home, 0o700);
    const gpgEnv = { ...process.env, GNUPGHOME: home };
    must('gpg', ['--batch', '--pinentry-mode', 'loopback', '--passphrase', 'right horse', '--quick-gen-key', 'Fleet <fleet@example.org>', 'default', 'default', 'never'], { env: gpgEnv });
    const fingerprint = /^fpr:(?:[^:]*:){8}([0-9A-F]{40}):/m.exec(must('gpg', ['--batch', '--with-colons', '--list-secret-keys'], { env: gpgEnv }))?.[1];
    assert.ok(fingerprint);
    const inputs = await tempDir();
    const repo = path.join(await tempDir(), 'apt');
    const first = await craftDeb(inputs, 'first.deb', controlText('first-package'));
    const signed = await measuredDebforge(['repo', first, '--out', repo, '--suite', 'stable', '--sign-key', fingerprint], { env: { ...gpgEnv, DEBFORGE_SIGN_PASSPHRASE: 'right horse' } });
    assert.equal(signed.code, 0, signed.stderr);
    must('gpgv', ['--keyring', path.join(repo, 'archive-keyring.gpg'), path.join(repo, 'dists', 'stable', 'InRelease')]);
    const before = await snapshot(repo);
    // The agent would answer from its cache: forget the passphrase it was given.
    must('gpgconf', ['--kill', 'gpg-agent'], { env: gpgEnv });
    const second = await craftDeb(inputs, 'second.deb', controlText('second-package'));
    const result = await measuredDebforge(['repo', second, '--out', repo, '--suite', 'stable', '--sign-key', fingerprint], { env: { ...gpgEnv, DEBFORGE_SIGN_PASSPHRASE: 'wrong horse' } });
    assertRefused(result, 1, /^debforge: --sign-key [0-9A-F]{40}: gpg could not sign .*Release: .*(Bad passphrase|bad passphrase|No secret key)/);
    assert.deepEqual(await snapshot(repo), before, 'no pool file, index or Release changed, no staging folder left');
  });

  it('a run waits for the one that holds the lock, says so, and then publishes', async () => {
    const { repo, inputs } = await seededRepository();
    const before = await snapshot(repo);
    // The holder keeps the lock until the test closes its stdin: however slowly debforge starts on
    // a busy machine, it finds the lock taken, and it is released only once debforge says it waits.
    const holder = spawn('flock', ['--exclusive', repo, 'cat'], { stdio: ['pipe', 'ignore', 'ignore'] });
    const holderExit = new Promise((resolve) => holder.on('exit', resolve));
    try {
      await waitUntilLocked(repo);
      const deb = await craftDeb(inputs, 'next.deb', controlText('next-package'));
      const started = await startDebforge(['repo', deb, '--out', repo, '--suite', 'stable']);
      let finished: MeasuredRun | undefined;
      void started.done.then((result) => (finished = result));
      const deadline = Date.now() + 120_000;
      while (!/waiting for another/.test(started.stderr()) && finished === undefined && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(finished, undefined, `it did not wait for the lock: ${finished?.stderr ?? ''}`);
      assert.match(started.stderr(), /waiting for another debforge repo run that is updating .*apt \(at most 600 s\)/);
      // Still waiting a moment later, with nothing published meanwhile.
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.equal(finished, undefined, 'it published while the lock was held');
      assert.deepEqual(await snapshot(repo), before, 'nothing changed while the lock was held');
      holder.stdin?.end();
      await holderExit;
      const result = await started.done;
      assert.equal(result.code, 0, result.stderr);
    } finally {
      holder.kill('SIGKILL');
    }
    const packages = await fs.readFile(path.join(repo, 'dists', 'stable', 'main', 'binary-all', 'Packages'), 'utf8');
    assert.deepEqual([...packages.matchAll(/^Package: (.*)$/gm)].map((m) => m[1]), ['good-package', 'next-package']);
  });

  it('a run that cannot get the lock within --lock-wait fails with one line and changes nothing', async () => {
    const { repo, inputs } = await seededRepository();
    const holder = spawn('flock', ['--exclusive', repo, 'sleep', '30'], { stdio: 'ignore' });
    try {
      await waitUntilLocked(repo);
      const before = await snapshot(repo);
      const deb = await craftDeb(inputs, 'next.deb', controlText('next-package'));
      const result = await measuredDebforge(['repo', deb, '--out', repo, '--suite', 'stable', '--lock-wait', '1']);
      const lines = result.stderr.split('\n').filter((line) => !/waiting for another/.test(line));
      assertRefused({ ...result, stderr: lines.join('\n') }, 1, /apt: another debforge repo run kept it locked for 1 s; nothing was changed/);
      assert.deepEqual(await snapshot(repo), before);
    } finally {
      holder.kill('SIGKILL');
    }
  });

  it('a run killed with SIGKILL while staging leaves the published repository as it was; the next run cleans up and publishes', async () => {
    const { repo, inputs } = await seededRepository();
    const before = await snapshot(repo);
    // A package big enough that copying it into the staging folder takes a while.
    const big = await craftDeb(inputs, 'big.deb', controlText('big-package'), { payloadBytes: 100 * 1024 * 1024 });
    const child = spawn(process.execPath, [CLI, 'repo', big, '--out', repo, '--suite', 'stable'], { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    const staging = path.join(repo, '.debforge-staging');
    const deadline = Date.now() + 60_000;
    while (!(await fs.readdir(staging).catch(() => [])).some((name) => name.endsWith('.deb')) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    child.kill('SIGKILL');
    await exited;
    const after = await snapshot(repo);
    assert.ok([...after.keys()].some((name) => name.startsWith('.debforge-staging')), 'killed while staging');
    assert.deepEqual(new Map([...after].filter(([name]) => !name.startsWith('.debforge-staging'))), before, 'nothing published changed');
    const next = await measuredDebforge(['repo', big, '--out', repo, '--suite', 'stable', '--lock-wait', '5']);
    assert.equal(next.code, 0, next.stderr);
    assert.ok(!(await fs.readdir(repo)).includes('.debforge-staging'), 'the leftover staging folder is gone');
    const packages = await fs.readFile(path.join(repo, 'dists', 'stable', 'main', 'binary-all', 'Packages'), 'utf8');
    assert.deepEqual([...packages.matchAll(/^Package: (.*)$/gm)].map((m) => m[1]), ['big-package', 'good-package']);
  });

  it('20 concurrent pairs of runs into one folder: every run that exits 0 has its package in the index', async () => {
    const inputs = await tempDir();
    const repo = path.join(await tempDir(), 'apt');
    const published: string[] = [];
    for (let round = 0; round < 20; round++) {
      const names = [`race-${round}-a`, `race-${round}-b`];
      const debs = await Promise.all(names.map((name) => craftDeb(inputs, `${name}.deb`, controlText(name))));
      const results = await Promise.all(debs.map((deb) => measuredDebforge(['repo', deb, '--out', repo, '--suite', 'stable'])));
      results.forEach((result, index) => {
        assert.equal(result.code, 0, result.stderr);
        assert.ok(result.peakKiB < PEAK_BOUND_KIB, `peak ${result.peakKiB} KiB`);
        published.push(names[index]!);
      });
      const packages = await fs.readFile(path.join(repo, 'dists', 'stable', 'main', 'binary-all', 'Packages'), 'utf8');
      const listed = [...packages.matchAll(/^Package: (.*)$/gm)].map((m) => m[1]!);
      assert.deepEqual(listed, [...published].sort(), `round ${round}`);
      // And Release vouches for the indexes that are there.
      const release = await fs.readFile(path.join(repo, 'dists', 'stable', 'Release'), 'utf8');
      const plain = await fs.readFile(path.join(repo, 'dists', 'stable', 'main', 'binary-all', 'Packages'));
      assert.ok(release.includes(` ${createHash('sha256').update(plain).digest('hex')} ${String(plain.length).padStart(8)} main/binary-all/Packages`), `round ${round}: Release names the index`);
    }
  });
});

/** Waits until `flock --nonblock` on the folder fails: another process holds its lock. */
async function waitUntilLocked(dir: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (run('flock', ['--nonblock', dir, 'true']).code === 0) {
    if (Date.now() > deadline) throw new Error(`${dir} never got locked`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
