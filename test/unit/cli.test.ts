import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { FIXTURES, REPO_ROOT, copyTree, debforge, must, tempDir, type Run } from '../support/tools.js';

const env = { ...process.env, SOURCE_DATE_EPOCH: '1700000000' };

/** An error is one line on stderr, naming where, with no stack trace (beside any warnings `check` also gives). */
function assertOneLineError(result: Run, code: number, pattern: RegExp): void {
  assert.equal(result.code, code, `exit code; stderr: ${result.stderr}`);
  const lines = result.stderr.split('\n').filter((l) => l !== '' && !/^debforge: [^ ]*: warning: /.test(l));
  assert.equal(lines.length, 1, `exactly one error line on stderr, got:\n${result.stderr}`);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(result.stderr, /^\s+at /m, 'no stack trace');
  assert.equal(result.stdout, '');
}

async function brokenCopy(edit: (dir: string) => Promise<void>): Promise<string> {
  const parent = await tempDir();
  const dir = path.join(parent, 'broken_daemon');
  await copyTree(path.join(REPO_ROOT, 'daemons', 'robot_bringup'), dir);
  // robot_bringup depends on the watchdog daemon, which must stay its sibling.
  await copyTree(path.join(REPO_ROOT, 'daemons', 'ros_watchdog'), path.join(parent, 'ros_watchdog'));
  await edit(dir);
  return dir;
}

describe('debforge CLI', function () {
  this.timeout(60_000);

  it('--help on every command tells the truth and exits 0', () => {
    for (const command of [[], ['build'], ['check'], ['inspect'], ['profiles']]) {
      const result = debforge([...command, '--help']);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /Usage: debforge/);
    }
    assert.match(debforge(['build', '--help']).stdout, /--compression KIND/);
  });

  it('usage errors exit 2 with one line', () => {
    assertOneLineError(debforge(['frobnicate']), 2, /^debforge: unknown command "frobnicate"/);
    assertOneLineError(debforge(['build', 'daemons/robot_bringup', '--profile', 'kinetic'], { cwd: REPO_ROOT }), 2, /unknown profile "kinetic": choose one of noetic, humble, jazzy, kilted, lyrical, rolling, debian-bookworm, debian-trixie, plain/);
    assertOneLineError(debforge(['build', 'daemons/robot_bringup', '--compression', 'lz4'], { cwd: REPO_ROOT }), 2, /--compression "lz4" must be gzip, xz, zstd, none or distribution/);
    assertOneLineError(debforge(['build', 'daemons/robot_bringup', '--jobs', '0'], { cwd: REPO_ROOT }), 2, /--jobs must be a positive whole number/);
    assertOneLineError(debforge(['build', 'daemons/robot_bringup', '--define', 'no-equals'], { cwd: REPO_ROOT }), 2, /--define "no-equals" must be NAME=VALUE/);
    assertOneLineError(debforge(['build', '--frob']), 2, /Unknown option '--frob'/);
    assertOneLineError(debforge(['build']), 2, /build needs at least one daemon folder/);
  });

  it('a missing folder is an input error naming it', async () => {
    const missing = path.join(await tempDir(), 'nope');
    assertOneLineError(debforge(['build', missing]), 1, new RegExp(`^debforge: ${missing}: no such folder`));
  });

  it('an unknown @VARIABLE@ names file:line', async () => {
    let line = 0;
    const dir = await brokenCopy(async (d) => {
      const unit = path.join(d, 'etc', 'robot-bringup.service.in');
      const text = await fs.readFile(unit, 'utf8');
      line = text.split('\n').indexOf('Restart=always') + 1;
      await fs.writeFile(unit, text.replace('Restart=always', 'Restart=@RESTART_POLICY@'));
    });
    assert.ok(line > 0);
    const out = await tempDir();
    assertOneLineError(debforge(['build', dir, '--out', out], { env }), 1, new RegExp(`broken_daemon/etc/robot-bringup\\.service\\.in:${line}: unknown template variable @RESTART_POLICY@`));
    assert.deepEqual(await fs.readdir(out), [], 'nothing written on failure');
    const defined = debforge(['build', dir, '--out', out, '--define', 'RESTART_POLICY=on-failure'], { env });
    assert.equal(defined.code, 0, defined.stderr);
  });

  it('a version that is not X.Y.Z names package.xml:line', async () => {
    const dir = await brokenCopy(async (d) => {
      const manifest = path.join(d, 'package.xml');
      await fs.writeFile(manifest, (await fs.readFile(manifest, 'utf8')).replace('<version>1.0.0</version>', '<version>1.2</version>'));
    });
    assertOneLineError(debforge(['build', dir, '--out', await tempDir()], { env }), 1, /broken_daemon\/package\.xml:4: <version> "1\.2" must be X\.Y\.Z \(three integers\)/);
  });

  it('an ELF binary in an Architecture: all package is refused', async () => {
    const dir = await brokenCopy(async (d) => {
      await fs.mkdir(path.join(d, 'files/usr/bin'), { recursive: true });
      await fs.copyFile(process.execPath, path.join(d, 'files/usr/bin/driver')).catch(async () => {
        await fs.writeFile(path.join(d, 'files/usr/bin/driver'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]));
      });
    });
    assertOneLineError(debforge(['build', dir, '--out', await tempDir()], { env }), 1, /files\/usr\/bin\/driver: is an ELF binary, so the package cannot be Architecture: all/);
  });

  it('malformed XML names the line', async () => {
    const dir = await brokenCopy(async (d) => {
      const manifest = path.join(d, 'package.xml');
      await fs.writeFile(manifest, (await fs.readFile(manifest, 'utf8')).replace('</license>', '</licence>'));
    });
    assertOneLineError(debforge(['build', dir, '--out', await tempDir()], { env }), 1, /broken_daemon\/package\.xml:12: malformed XML/);
  });

  it('build --json reports path, package, version, arch, size and sha256', async () => {
    const out = await tempDir();
    const result = debforge(['build', path.join(FIXTURES, 'good', 'format1_daemon'), '--out', out, '--json', '--profile', 'noetic', '--profile', 'debian-bookworm'], { env });
    assert.equal(result.code, 0, result.stderr);
    const parsed = JSON.parse(result.stdout) as { path: string; package: string; version: string; architecture: string; size: number; sha256: string }[];
    assert.deepEqual(parsed.map((r) => r.package).sort(), ['format1-daemon', 'ros-noetic-format1-daemon']);
    for (const entry of parsed) {
      assert.equal((await fs.stat(entry.path)).size, entry.size);
      assert.match(entry.sha256, /^[0-9a-f]{64}$/);
      // debian-bookworm marks its Debian revision with the release, as Debian does (+deb12).
      assert.equal(entry.version, entry.package === 'format1-daemon' ? '0.3.1-1+deb12' : '0.3.1-1');
      assert.equal(must('dpkg-deb', ['-f', entry.path, 'Version']).trim(), entry.version);
    }
  });

  it('inspect shows control fields, scripts and files; a non-package is an input error', async () => {
    const out = await tempDir();
    const built = debforge(['build', path.join(REPO_ROOT, 'daemons', 'robot_bringup'), '--out', out], { env });
    assert.equal(built.code, 0, built.stderr);
    const deb = built.stdout.trim();
    const shown = debforge(['inspect', deb]);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /^Package: ros-noetic-robot-bringup$/m);
    assert.match(shown.stdout, /^--- postinst ---$/m);
    assert.match(shown.stdout, /^ {2}-0644 root\/root +\d+ \.\/lib\/systemd\/system\/robot-bringup\.service$/m);
    const notDeb = path.join(out, 'not.deb');
    await fs.writeFile(notDeb, 'hello');
    assertOneLineError(debforge(['inspect', notDeb]), 1, /not\.deb: cannot read package: not an ar archive/);
  });

  it('profiles lists every profile and its variables', () => {
    const result = debforge(['profiles']);
    assert.equal(result.code, 0);
    for (const name of ['noetic (default)', 'humble', 'jazzy', 'debian-bookworm', 'plain']) assert.match(result.stdout, new RegExp(`^${name.replace(/[()]/g, '\\$&')}:`, 'm'));
    assert.match(result.stdout, /@CMAKE_INSTALL_PREFIX@ = \/opt\/ros\/noetic/);
  });

  it('ar-async, an independent ar reader, lists the members we write', async () => {
    const require = createRequire(import.meta.url);
    const ar = require('ar-async') as { ArReader: new (file: string) => NodeJS.EventEmitter };
    const out = await tempDir();
    const built = debforge(['build', path.join(REPO_ROOT, 'daemons', 'robot_bringup'), '--out', out], { env });
    const names: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const reader = new ar.ArReader(built.stdout.trim());
      reader.on('entry', (entry: { fileName(): string }, next: () => void) => {
        names.push(entry.fileName());
        next();
      });
      reader.on('error', reject);
      reader.on('end', () => resolve());
    });
    assert.deepEqual(names, ['debian-binary', 'control.tar.gz', 'data.tar.gz']);
  });
});
