// Bad input ends in one actionable line per problem, exit 1, no stack trace, and an output
// folder left exactly as it was: one daemon folder per mistake under test/fixtures/bad/<case>/.
// What git cannot hold (fifos, sockets, devices, non-UTF-8 or newline names, unreadable files)
// is added to a copy of the case's folder at test time.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { preparePackage } from '../../src/pipeline/stage.js';
import { main } from '../../src/cli/main.js';
import { ProblemList } from '../../src/errors.js';
import { writeDeb } from '../../src/write/index.js';
import { readDeb } from '../../src/deb/index.js';
import { measuredDebforge, snapshot as snapshotOf, type MeasuredRun } from '../support/measure.js';
import { CLI, FIXTURES, copyTree, dpkgUnpack, scratchRoot, tempDir, type Run } from '../support/tools.js';

const BAD = path.join(FIXTURES, 'bad');
const env = { ...process.env, SOURCE_DATE_EPOCH: '1700000000' };
const isRoot = process.getuid?.() === 0;

interface BadCase {
  /** Folder under test/fixtures/bad/. */
  name: string;
  /** The file the message names, relative to the daemon folder ('' for the folder itself). */
  file: string;
  line?: number;
  message: RegExp;
  /** Adds what git cannot hold; returns a reason to skip when the system cannot make it. */
  setup?: (dir: string) => Promise<string | undefined>;
  /** Run without the power to bypass file permissions (as root, permissions do not stop reads). */
  unprivileged?: boolean;
}

const SHARE = 'files/usr/share/bad-case';

const CASES: BadCase[] = [
  { name: 'malformed_xml', file: 'package.xml', line: 7, message: /malformed XML: Expected closing tag 'license'/ },
  { name: 'missing_name', file: 'package.xml', line: 2, message: /missing required element <name>/ },
  { name: 'empty_name', file: 'package.xml', line: 3, message: /<name> is empty/ },
  { name: 'empty_version', file: 'package.xml', line: 4, message: /<version> is empty: give the version as X\.Y\.Z/ },
  { name: 'version_not_xyz', file: 'package.xml', line: 4, message: /<version> "1\.2" must be X\.Y\.Z \(three integers\)/ },
  { name: 'version_with_prefix', file: 'package.xml', line: 4, message: /<version> "v1\.0\.0" must be X\.Y\.Z/ },
  { name: 'missing_description', file: 'package.xml', line: 2, message: /missing required element <description>/ },
  { name: 'empty_description', file: 'package.xml', line: 5, message: /<description> is empty/ },
  { name: 'missing_maintainer', file: 'package.xml', line: 2, message: /no <maintainer>: add <maintainer email=/ },
  { name: 'maintainer_without_email', file: 'package.xml', line: 6, message: /<maintainer> "Robotics Team" has no email/ },
  { name: 'missing_license', file: 'package.xml', line: 2, message: /no <license>/ },
  { name: 'empty_license', file: 'package.xml', line: 7, message: /<license> is empty/ },
  { name: 'name_shell_metacharacters', file: 'package.xml', line: 3, message: /<name> "robot\$\(reboot\)" gives Debian package name "ros-noetic-robot\$\(reboot\)", which is not valid/ },
  { name: 'name_upper_case', file: 'package.xml', line: 3, message: /<name> "Robot_Bringup" gives Debian package name "ros-noetic-Robot-Bringup", which is not valid/ },
  { name: 'name_too_short', file: 'package.xml', line: 3, message: /<name> "r" gives Debian package name "r", which is not valid: .*at least two characters/ },
  { name: 'unsupported_format', file: 'package.xml', line: 2, message: /unsupported manifest format "4": use format 1, 2 or 3/ },
  { name: 'format1_unknown_element', file: 'package.xml', line: 8, message: /<exec_depend> is not an element of a format 1 package\.xml/ },
  { name: 'bad_condition', file: 'package.xml', line: 8, message: /unexpected end of condition "\$ROS_VERSION =="/ },
  { name: 'unknown_variable_in_unit', file: 'etc/bad-case.service.in', line: 6, message: /unknown template variable @RESTART_POLICY@/ },
  { name: 'unknown_variable_in_payload', file: `${SHARE}/robot.yaml.in`, line: 3, message: /unknown template variable @ROBOT_NAME@/ },
  { name: 'misspelt_debforge_element', file: 'package.xml', line: 10, message: /unknown element <sectoin> in <debforge>: did you mean <section>\?/ },
  { name: 'unknown_debforge_attribute', file: 'package.xml', line: 10, message: /<unit> has unknown attribute "enabled" \(known: name, enable, start/ },
  { name: 'unit_option_names_no_unit', file: 'package.xml', line: 10, message: /<unit name="bad-cas\.service"> names no unit file .*units here: bad-case\.service/ },
  { name: 'unit_name_with_space', file: 'etc/bad case.service', message: /"bad case\.service" is not a unit name systemd accepts/ },
  { name: 'unit_name_with_dollar', file: 'etc/bad$case.service', message: /"bad\$case\.service" is not a unit name systemd accepts/ },
  { name: 'unit_name_with_quote', file: "etc/bad'case.service", message: /"bad'case\.service" is not a unit name systemd accepts/ },
  {
    name: 'unit_name_with_double_quote',
    file: 'etc/bad"case.service',
    message: /"bad\\"case\.service" is not a unit name systemd accepts/,
    setup: async (dir) => {
      await fs.mkdir(path.join(dir, 'etc'), { recursive: true });
      await fs.copyFile(path.join(BAD, 'unit_name_with_quote', "etc/bad'case.service"), path.join(dir, 'etc/bad"case.service'));
      return undefined;
    },
  },
  { name: 'unit_name_with_leading_dash', file: 'etc/-bad-case.service', message: /"-bad-case\.service" is not a unit name systemd accepts/ },
  { name: 'not_a_unit_file', file: 'etc/bad-case.conf', message: /not a unit file: expected a name ending in \.service/ },
  { name: 'symlink_escapes_folder', file: 'files/usr/bin/bad-case', message: /symlink to "\.\.\/\.\.\/\.\.\/\.\.\/outside\/secret" escapes the daemon folder/ },
  { name: 'symlink_absolute_outside', file: 'files/usr/bin/bad-case', message: /symlink points at \/etc\/shadow, outside the package/ },
  { name: 'homepage_injection', file: 'package.xml', line: 8, message: /<url> "https:\/\/example\.org\/robot\\nPackage: evil" is not one URL/ },
  { name: 'section_injection', file: 'package.xml', line: 10, message: /<section> "misc\\nEssential: yes" is not a Debian section/ },
  { name: 'email_injection', file: 'package.xml', line: 6, message: /<maintainer> email "robotics\$\(reboot\)@example\.org" is not a valid address/ },
  { name: 'relation_injection', file: 'package.xml', line: 10, message: /<depends> "adduser; rm -rf \/" is not a Debian relation/ },
  { name: 'instance_injection', file: 'package.xml', line: 10, message: /instance "x';reboot;'" of bad-case@\.service has characters systemd does not accept/ },
  { name: 'system_user_injection', file: 'package.xml', line: 10, message: /<system-user> name="robot;reboot" must be a valid user name/ },
  { name: 'bad_architecture', file: 'package.xml', line: 10, message: /<architecture> "x86 64" is not a Debian architecture name/ },
  { name: 'elf_in_architecture_all', file: 'files/usr/bin/bad-case', message: /is an ELF binary, so the package cannot be Architecture: all/ },
  { name: 'fragment_not_shell', file: 'debian/postinst', line: 1, message: /maintainer-script fragments must be sh or bash scripts, found "#!\/usr\/bin\/python3"/ },
  { name: 'fragment_token_twice', file: 'debian/postinst', line: 5, message: /#DEBFORGE# appears more than once/ },
  { name: 'unexpected_debian_file', file: 'debian/rules', message: /unexpected file in debian\/: only preinst, postinst, prerm, postrm fragments/ },
  { name: 'duplicate_install_path', file: `${SHARE}/robot.yaml.in`, message: /installs to \/usr\/share\/bad-case\/robot\.yaml, as files\/usr\/share\/bad-case\/robot\.yaml does/ },
  { name: 'no_package_xml', file: '', message: /holds no package\.xml and no daemon folders/ },
  {
    name: 'package_xml_fifo',
    file: 'package.xml',
    message: /is a fifo \(named pipe\), not a regular file: a package\.xml must be a plain file/,
    setup: async (dir) => mkfifo(path.join(dir, 'package.xml')),
  },
  {
    name: 'payload_fifo',
    file: `${SHARE}/robot.pipe`,
    message: /is a fifo \(named pipe\), a special file: only regular files, folders and symlinks can be packaged/,
    setup: async (dir) => mkfifo(path.join(dir, SHARE, 'robot.pipe')),
  },
  {
    name: 'payload_socket',
    file: `${SHARE}/robot.sock`,
    message: /is a socket, a special file/,
    setup: async (dir) => {
      await fs.mkdir(path.join(dir, SHARE), { recursive: true });
      // Socket paths are short (108 bytes): bind near the root, then move the socket into place.
      const short = path.join(os.tmpdir(), `df-${randomBytes(4).toString('hex')}.sock`);
      const server = net.createServer();
      await new Promise<void>((resolve, reject) => server.once('error', reject).listen(short, resolve));
      await fs.rename(short, path.join(dir, SHARE, 'robot.sock'));
      await new Promise<void>((resolve) => server.close(() => resolve()));
      return undefined;
    },
  },
  {
    name: 'payload_device',
    file: `${SHARE}/null`,
    message: /is a character device, a special file/,
    setup: async (dir) => {
      if (!isRoot) return 'creating a device node needs root';
      await fs.mkdir(path.join(dir, SHARE), { recursive: true });
      const made = spawnSync('mknod', [path.join(dir, SHARE, 'null'), 'c', '1', '3']);
      return made.status === 0 ? undefined : `mknod failed here (${String(made.stderr).trim() || made.error?.message})`;
    },
  },
  {
    name: 'payload_not_utf8',
    file: `${SHARE}/caf\\xe9.yaml`,
    message: /file name is not valid UTF-8: rename it/,
    setup: async (dir) => {
      await fs.mkdir(path.join(dir, SHARE), { recursive: true });
      const name = Buffer.concat([Buffer.from(path.join(dir, SHARE, 'caf')), Buffer.from([0xe9]), Buffer.from('.yaml')]);
      await fs.writeFile(name, 'latin-1 name\n');
      return undefined;
    },
  },
  {
    name: 'payload_newline_in_name',
    file: `${SHARE}/robot\\n.yaml`,
    message: /file name holds a line break or other control character/,
    setup: async (dir) => {
      await fs.mkdir(path.join(dir, SHARE), { recursive: true });
      await fs.writeFile(path.join(dir, SHARE, 'robot\n.yaml'), 'a: 1\n');
      return undefined;
    },
  },
  {
    name: 'payload_unreadable',
    file: `${SHARE}/secret.yaml`,
    message: /cannot read file: EACCES: fix its permissions/,
    unprivileged: true,
    setup: async (dir) => {
      if (isRoot && !hasCommand('setpriv')) return 'as root, an unreadable file needs setpriv (util-linux) to drop the capabilities that bypass permissions';
      await fs.mkdir(path.join(dir, SHARE), { recursive: true });
      await fs.writeFile(path.join(dir, SHARE, 'secret.yaml'), 'token: 1\n', { mode: 0o000 });
      await fs.chmod(path.join(dir, SHARE, 'secret.yaml'), 0o000);
      return undefined;
    },
  },
];

function hasCommand(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
}

async function mkfifo(file: string): Promise<string | undefined> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const made = spawnSync('mkfifo', [file]);
  return made.status === 0 ? undefined : `mkfifo failed (${String(made.stderr).trim() || made.error?.message})`;
}

/** Every entry under a folder: type, mode, modification time and bytes, to compare before and after. */
const snapshot = (dir: string): Promise<Map<string, string>> => snapshotOf(dir, { mtimes: true });

/**
 * An unprivileged run: as root, still root (so the checkout and its CLI stay reachable wherever
 * they live, even under a folder only root may enter) but without the two capabilities that let
 * root read a file its permissions forbid; otherwise as ourselves.
 */
function command(args: string[], unprivileged: boolean): [string, string[]] {
  const node: [string, string[]] = [process.execPath, [CLI, ...args]];
  if (!unprivileged || !isRoot) return node;
  return ['setpriv', ['--bounding-set=-dac_override,-dac_read_search', '--inh-caps=-dac_override,-dac_read_search', node[0], ...node[1]]];
}

function spawnRun(args: string[], cwd: string, unprivileged: boolean): Promise<Run> {
  const [file, argv] = command(args, unprivileged);
  return new Promise((resolve, reject) => {
    const child = spawn(file, argv, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 128, stdout, stderr }));
  });
}

async function inProcess(args: string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

interface Outcome {
  skipped?: string;
  dir: string;
  build: Run;
  check: Run;
  before: Map<string, string>;
  after: Map<string, string>;
}

function where(testCase: BadCase, prefix: string): string {
  const file = testCase.file === '' ? prefix : `${prefix}/${testCase.file}`;
  return testCase.line === undefined ? `${file}: ` : `${file}:${testCase.line}: `;
}

function assertOneCleanReport(run: Run, expected: string, message: RegExp, label: string): void {
  assert.equal(run.code, 1, `${label}: exit code 1; stderr:\n${run.stderr}`);
  assert.doesNotMatch(run.stderr, /^\s+at /m, `${label}: no stack trace in:\n${run.stderr}`);
  const lines = run.stderr.split('\n').filter((l) => l !== '');
  const hit = lines.find((l) => l.includes(expected) && message.test(l));
  assert.ok(hit, `${label}: a line naming ${JSON.stringify(expected)} and matching ${message}; got:\n${run.stderr}`);
}

describe('bad input: a clear error, exit 1, nothing lost', function () {
  this.timeout(120_000);
  const outcomes = new Map<string, Outcome>();
  const scratch: string[] = [];

  after(async () => {
    for (const dir of scratch) await fs.rm(dir, { recursive: true, force: true });
  });

  before(async () => {
    // The pre-existing package each failed build must leave alone: a real .deb with the very name
    // the bad daemons would build (ros-noetic-bad-case_1.0.0-1_all.deb).
    const seed = await tempDir();
    scratch.push(seed);
    const good = path.join(seed, 'bad_case');
    await copyTree(path.join(BAD, 'payload_fifo'), good);
    const built = await spawnRun(['build', good, '--out', path.join(seed, 'dist'), '--jobs', '1'], seed, false);
    assert.equal(built.code, 0, built.stderr);
    const deb = built.stdout.trim();
    const debName = path.basename(deb);
    const debBytes = await fs.readFile(deb);

    const work = await tempDir();
    scratch.push(work);
    const queue = [...CASES];
    const worker = async (): Promise<void> => {
      for (let testCase = queue.shift(); testCase; testCase = queue.shift()) {
        const dir = path.join(work, testCase.name);
        await copyTree(path.join(BAD, testCase.name), dir);
        const skipped = await testCase.setup?.(dir);
        const out = path.join(work, `${testCase.name}.out`);
        await fs.mkdir(out);
        await fs.writeFile(path.join(out, 'SENTINEL'), `${testCase.name} ${randomBytes(8).toString('hex')}\n`);
        await fs.writeFile(path.join(out, debName), debBytes);
        const before = await snapshot(out);
        const unprivileged = testCase.unprivileged ?? false;
        const build = skipped ? { code: 0, stdout: '', stderr: '' } : await spawnRun(['build', testCase.name, '--out', `${testCase.name}.out`, '--jobs', '1'], work, unprivileged);
        const check = skipped ? build : unprivileged ? await spawnRun(['check', testCase.name], work, true) : await inProcess(['check', dir]);
        outcomes.set(testCase.name, { ...(skipped ? { skipped } : {}), dir, build, check, before, after: await snapshot(out) });
      }
    };
    await Promise.all(Array.from({ length: Math.max(4, os.availableParallelism()) }, worker));
  });

  it('has at least 25 cases, each a folder under test/fixtures/bad/', async () => {
    assert.ok(CASES.length >= 25, `${CASES.length} cases`);
    const folders = (await fs.readdir(BAD)).sort();
    assert.deepEqual(folders, CASES.map((c) => c.name).sort(), 'every fixture folder has a case and every case a folder');
  });

  for (const testCase of CASES) {
    it(`${testCase.name}: ${testCase.file || 'the folder'}${testCase.line ? `:${testCase.line}` : ''}`, function () {
      const outcome = outcomes.get(testCase.name);
      assert.ok(outcome, 'the case ran');
      if (outcome.skipped) this.skip();
      assertOneCleanReport(outcome.build, `debforge: ${where(testCase, testCase.name)}`, testCase.message, 'build');
      assert.equal(outcome.build.stdout, '', 'build prints no package path');
      assert.deepEqual(outcome.after, outcome.before, 'the output folder is unchanged byte for byte: sentinel and pre-existing .deb survive, no temporary file');
      const checkPrefix = testCase.unprivileged ? testCase.name : outcome.dir;
      assertOneCleanReport(outcome.check, where(testCase, checkPrefix), testCase.message, 'check');
    });
  }
});

describe('nothing is lost: interrupted and successful builds', function () {
  this.timeout(120_000);
  let parent = '';
  let big = '';

  before(async () => {
    // A daemon with 300 MB of random data: incompressible, so the build takes long enough to be
    // caught halfway with its temporary file in the output folder.
    parent = await tempDir();
    big = path.join(parent, 'big_daemon');
    await fs.mkdir(path.join(big, 'files/usr/share/big-daemon'), { recursive: true });
    await fs.writeFile(
      path.join(big, 'package.xml'),
      '<package format="3"><name>big_daemon</name><version>1.0.0</version><description>Large payload for the interruption test.</description>' +
        '<maintainer email="robotics@example.org">Robotics Team</maintainer><license>MIT</license></package>\n',
    );
    const handle = await fs.open(path.join(big, 'files/usr/share/big-daemon/blob'), 'w');
    for (let i = 0; i < 300; i++) await handle.write(randomBytes(1024 * 1024));
    await handle.close();
  });

  after(async () => {
    if (parent) await fs.rm(parent, { recursive: true, force: true });
  });

  async function interrupt(signal: NodeJS.Signals, compression: string, out: string): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number; stderr: string }> {
    const child = spawn(process.execPath, [CLI, 'build', big, '--out', out, '--compression', compression, '--jobs', '1'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, sig) => resolve({ code, signal: sig })));
    const deadline = Date.now() + 60_000;
    for (;;) {
      if ((await fs.readdir(out)).some((name) => name.endsWith('.tmp'))) break;
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`no temporary file appeared in ${out}; stderr: ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const sent = Date.now();
    child.kill(signal);
    const result = await exited;
    return { ...result, ms: Date.now() - sent, stderr };
  }

  it('SIGTERM halfway through a large build: exits non-zero at once and leaves no file behind', async () => {
    const out = await tempDir();
    const result = await interrupt('SIGTERM', 'gzip', out);
    assert.ok(result.signal === 'SIGTERM' || (result.code !== null && result.code !== 0), `non-zero exit, got ${JSON.stringify(result)}`);
    assert.ok(result.ms < 5_000, `exited ${result.ms} ms after the signal`);
    assert.doesNotMatch(result.stderr, /^\s+at /m);
    assert.deepEqual(await fs.readdir(out), [], 'no temporary file, no package');
  });

  it('SIGINT during an xz build: the sentinel and the previous .deb are untouched, no temporary file', async () => {
    const out = await tempDir();
    await fs.writeFile(path.join(out, 'SENTINEL'), 'keep me\n');
    await fs.writeFile(path.join(out, 'ros-noetic-big-daemon_1.0.0-1_all.deb'), 'the previous package\n');
    const before = await snapshot(out);
    const result = await interrupt('SIGINT', 'xz', out);
    assert.ok(result.signal === 'SIGINT' || (result.code !== null && result.code !== 0), `non-zero exit, got ${JSON.stringify(result)}`);
    assert.ok(result.ms < 5_000, `exited ${result.ms} ms after the signal (compressor threads must not hold it)`);
    assert.deepEqual(await snapshot(out), before);
  });

  it('a successful build replaces an existing .deb by rename: a reader of the old file keeps the old bytes', async () => {
    const source = path.join(parent, 'small_daemon');
    await copyTree(path.join(FIXTURES, 'good', 'format1_daemon'), source);
    const out = await tempDir();
    const first = await spawnRun(['build', source, '--out', out, '--jobs', '1'], parent, false);
    assert.equal(first.code, 0, first.stderr);
    const deb = first.stdout.trim();
    const oldBytes = await fs.readFile(deb);
    const oldInode = (await fs.stat(deb)).ino;
    await fs.writeFile(path.join(out, 'SENTINEL'), 'keep me\n');
    // Hold the old package open, as apt or a web server might while the new one is written.
    const reader = await fs.open(deb, 'r');
    try {
      const second = await spawnRun(['build', source, '--out', out, '--jobs', '1', '--revision', '2'], parent, false);
      assert.equal(second.code, 0, second.stderr);
      const third = await spawnRun(['build', source, '--out', out, '--jobs', '1', '--compression', 'xz'], parent, false);
      assert.equal(third.code, 0, third.stderr);
      assert.equal(third.stdout.trim(), deb, 'the same file name is rebuilt');
      const held = Buffer.alloc(oldBytes.length + 16);
      const { bytesRead } = await reader.read(held, 0, held.length, 0);
      assert.ok(held.subarray(0, bytesRead).equals(oldBytes), 'the old file was never rewritten in place');
    } finally {
      await reader.close();
    }
    assert.notEqual((await fs.stat(deb)).ino, oldInode, 'the new package is a new file renamed over the old one');
    assert.deepEqual((await fs.readdir(out)).sort(), ['SENTINEL', path.basename(deb), path.basename(deb).replace('-1_all', '-2_all')].sort());
    assert.equal(await fs.readFile(path.join(out, 'SENTINEL'), 'utf8'), 'keep me\n');
  });
});

describe('no input injects into the control file, the copyright file or the maintainer scripts', function () {
  this.timeout(60_000);

  it('line breaks and shell syntax in names, descriptions and licences stay data', async () => {
    const parent = await tempDir();
    const dir = path.join(parent, 'sneaky_daemon');
    await fs.mkdir(path.join(dir, 'etc'), { recursive: true });
    await fs.writeFile(
      path.join(dir, 'package.xml'),
      `<?xml version="1.0"?>
<package format="3">
  <name>sneaky_daemon</name>
  <version>1.0.0</version>
  <description>Daemon whose texts try $(touch /tmp/debforge-pwned) and \`id\`.
.
Package: evil
Essential: yes

.
 Depends: evil</description>
  <maintainer email="robotics@example.org">Robotics
Team
Essential: yes</maintainer>
  <author>Ada
License: evil</author>
  <license>MIT
Files: *</license>
  <export>
    <debforge>
      <synopsis>Sneaky
Essential: yes</synopsis>
      <depends>adduser
  (>= 3.11)</depends>
    </debforge>
  </export>
</package>
`,
    );
    await fs.writeFile(path.join(dir, 'etc', 'sneaky:daemon.service'), '[Unit]\nDescription=$(reboot)\n\n[Service]\nExecStart=/bin/true\n\n[Install]\nWantedBy=multi-user.target\n');
    const out = path.join(parent, 'out');
    const built = await spawnRun(['build', dir, '--out', out, '--jobs', '1'], parent, false);
    assert.equal(built.code, 0, built.stderr);
    const deb = built.stdout.trim();

    const control = spawnSync('dpkg-deb', ['--field', deb], { encoding: 'utf8' });
    assert.equal(control.status, 0, control.stderr);
    const fields = control.stdout.split('\n').filter((l) => /^\S/.test(l)).map((l) => l.slice(0, l.indexOf(':')));
    assert.deepEqual(fields, ['Package', 'Version', 'Architecture', 'Maintainer', 'Installed-Size', 'Depends', 'Section', 'Priority', 'Description']);
    assert.match(control.stdout, /^Package: ros-noetic-sneaky-daemon$/m);
    assert.match(control.stdout, /^Maintainer: Robotics Team Essential: yes <robotics@example\.org>$/m);
    assert.match(control.stdout, /^Depends: adduser \(>= 3\.11\)$/m);
    assert.match(control.stdout, /^Description: Sneaky Essential: yes$/m);

    const contents = await readDebFile(deb);
    const copyright = contents.get('./usr/share/doc/ros-noetic-sneaky-daemon/copyright')!.toString('utf8');
    // DEP-5: every line is a field, a continuation (leading space) or a paragraph break.
    for (const line of copyright.split('\n')) assert.match(line, /^(|[A-Z][A-Za-z-]*: .*| .*)$/, `copyright line ${JSON.stringify(line)}`);
    assert.doesNotMatch(copyright, /^License: evil/m, 'the author stays inside Copyright:');
    assert.equal(copyright.split('\n').filter((l) => l === 'Files: *').length, 1, 'the licence adds no Files: paragraph');

    let scripts = 0;
    for (const [name, text] of contents) {
      if (!/^control:(preinst|postinst|prerm|postrm)$/.test(name)) continue;
      scripts++;
      assert.doesNotMatch(text.toString('utf8'), /\$\(touch|\$\(reboot|`id`/, `${name} carries no text from package.xml`);
      const syntax = spawnSync('sh', ['-n'], { input: text });
      assert.equal(syntax.status, 0, `${name}: sh -n`);
    }
    assert.ok(scripts >= 2, 'the unit gave the package maintainer scripts');
    assert.match(contents.get('control:postinst')!.toString('utf8'), /deb-systemd-helper enable 'sneaky:daemon\.service'/);
  });
});

/** Every regular file of a package: data paths as they are, control members as `control:<name>`. */
async function readDebFile(deb: string): Promise<Map<string, Buffer>> {
  const contents = await readDeb(deb, { withContents: true });
  const files = new Map<string, Buffer>();
  for (const item of contents.dataItems) if (item.content) files.set(item.name, item.content);
  for (const item of contents.controlItems) if (item.content) files.set(`control:${item.name.replace(/^\.\//, '')}`, item.content);
  return files;
}

/**
 * Hostile input, each case generated here from a small good daemon: a clear one-line error (or a
 * safe result) from both `build` and `check`, within a time and a peak-memory bound measured on
 * the child process, and an output folder that is never created.
 */
describe('hostile input: confined, bounded, validated where it is used', function () {
  this.timeout(180_000);
  /** Bounds for one CLI run of a small daemon; a hang or a blow-up exceeds them many times over. */
  const SECONDS = 30;
  const PEAK_KIB = 256 * 1024;
  const NAME = 'hostile_case';
  let parent = '';

  before(async () => {
    parent = await tempDir();
  });
  after(async () => {
    if (parent) await fs.rm(parent, { recursive: true, force: true });
  });

  interface Manifest {
    head?: string;
    maintainer?: string;
    description?: string;
    depend?: string;
    debforge?: string;
  }

  /** package.xml with known line numbers: name 3, description 5, maintainer 6, depend 8, debforge 9. */
  function packageXml(m: Manifest = {}): string {
    return [
      m.head ?? '<?xml version="1.0"?>',
      '<package format="3">',
      `  <name>${NAME}</name>`,
      '  <version>1.0.0</version>',
      `  <description>${m.description ?? 'Daemon for the hostile input tests.'}</description>`,
      `  <maintainer email="robotics@example.org">${m.maintainer ?? 'Robotics Team'}</maintainer>`,
      '  <license>MIT</license>',
      `  ${m.depend ?? '<exec_depend>bash</exec_depend>'}`,
      `  <export><debforge>${m.debforge ?? ''}</debforge></export>`,
      '</package>',
      '',
    ].join('\n');
  }

  /** A fresh good daemon (a unit, a payload file, a postinst fragment) in its own folder. */
  async function daemon(label: string, manifest: Manifest | Buffer = {}): Promise<{ home: string; dir: string }> {
    const home = path.join(parent, label);
    const dir = path.join(home, NAME);
    await fs.mkdir(path.join(dir, 'etc'), { recursive: true });
    await fs.mkdir(path.join(dir, 'files/usr/share/hostile-case'), { recursive: true });
    await fs.mkdir(path.join(dir, 'debian'), { recursive: true });
    await fs.writeFile(path.join(dir, 'package.xml'), Buffer.isBuffer(manifest) ? manifest : packageXml(manifest));
    await fs.writeFile(path.join(dir, 'etc/hostile-case.service'), '[Unit]\nDescription=Hostile case\n\n[Service]\nExecStart=/bin/true\n\n[Install]\nWantedBy=multi-user.target\n');
    await fs.writeFile(path.join(dir, 'files/usr/share/hostile-case/robot.yaml'), 'robot: 1\n');
    await fs.writeFile(path.join(dir, 'debian/postinst'), '#!/bin/sh\nset -e\n#DEBFORGE#\n');
    // Something outside the daemon folder that no package may pick up.
    await fs.mkdir(path.join(home, 'outside/usr/share/secret'), { recursive: true });
    await fs.writeFile(path.join(home, 'outside/usr/share/secret/host-key'), 'secret\n');
    await fs.writeFile(path.join(home, 'outside/postinst'), '#!/bin/sh\necho from elsewhere\n');
    await fs.writeFile(path.join(home, 'outside/x.yaml'), 'evil_key:\n  ubuntu: [evil-pkg]\n');
    await fs.mkdir(path.join(home, 'out'));
    await fs.writeFile(path.join(home, 'out', 'SENTINEL'), `${label}\n`);
    return { home, dir };
  }

  /** The CLI under GNU time (peak resident memory of the child), killed if it outlives the bound; output kept byte for byte. */
  function bounded(args: string[], cwd: string): Promise<MeasuredRun> {
    return measuredDebforge(args, { cwd, env, group: true, encoding: 'latin1', timeoutSeconds: 4 * SECONDS });
  }

  function assertBounds(run: MeasuredRun, label: string, seconds = SECONDS): void {
    assert.ok(run.ms < seconds * 1000, `${label}: took ${run.ms} ms (bound ${seconds} s); stderr:\n${run.stderr}`);
    assert.ok(run.peakKiB > 0 && run.peakKiB < PEAK_KIB, `${label}: peak ${run.peakKiB} KiB (bound ${PEAK_KIB} KiB)`);
  }

  /** No byte a terminal would act on, in everything the CLI printed. */
  function assertNoControlBytes(run: Run, label: string): void {
    assert.doesNotMatch(run.stderr + run.stdout, /[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]/, `${label}: control characters printed raw: ${JSON.stringify(run.stderr)}`);
  }

  interface Hostile {
    label: string;
    make: () => Promise<{ home: string; dir: string } | string>;
    file: string;
    line?: number;
    message: RegExp;
  }

  const noFifo = async (file: string): Promise<string | undefined> => mkfifo(file);

  /** A daemon with the text `content` gives written at `relative` in its folder (made only when the case runs). */
  const withFile = (label: string, relative: string, content: () => string) => async (): Promise<{ home: string; dir: string }> => {
    const made = await daemon(label);
    await fs.writeFile(path.join(made.dir, relative), content());
    return made;
  };

  /** A daemon whose `folder` is a symlink to `target` (given its home) instead of a real folder. */
  const symlinkedFolder = (label: string, folder: string, target: (home: string) => string) => async (): Promise<{ home: string; dir: string }> => {
    const made = await daemon(label);
    await fs.rm(path.join(made.dir, folder), { recursive: true });
    await fs.symlink(target(made.home), path.join(made.dir, folder));
    return made;
  };

  const CASES: Hostile[] = [
    {
      label: 'files-is-a-symlink',
      file: 'files',
      message: /is a symlink \(to ".*outside"\): files\/ must be a real folder inside the daemon folder/,
      make: symlinkedFolder('files-is-a-symlink', 'files', () => '../outside'),
    },
    {
      label: 'debian-is-a-symlink',
      file: 'debian',
      message: /is a symlink .*: debian\/ must be a real folder inside the daemon folder/,
      make: symlinkedFolder('debian-is-a-symlink', 'debian', (home) => path.join(home, 'outside')),
    },
    {
      label: 'etc-is-a-symlink',
      file: 'etc',
      message: /is a symlink .*: etc\/ must be a real folder inside the daemon folder/,
      make: symlinkedFolder('etc-is-a-symlink', 'etc', () => '/etc/systemd/system'),
    },
    {
      label: 'bloom-templates-is-a-symlink',
      file: 'templates',
      message: /is a symlink .*: templates\/ must be a real folder inside the daemon folder/,
      make: async () => {
        const made = await daemon('bloom-templates-is-a-symlink');
        await fs.mkdir(path.join(made.home, 'outside/templates'));
        await fs.writeFile(path.join(made.home, 'outside/templates/postinst.em'), '#!/bin/sh\necho from elsewhere\n');
        await fs.symlink('../outside/templates', path.join(made.dir, 'templates'));
        return made;
      },
    },
    {
      label: 'rosdep-path-climbs-out',
      file: 'package.xml',
      line: 9,
      message: /<rosdep> "\.\.\/\.\.\/\.\.\/x\.yaml" leaves the daemon folder: give a path inside it/,
      make: async () => daemon('rosdep-path-climbs-out', { depend: '<exec_depend>evil_key</exec_depend>', debforge: '<rosdep>../../../x.yaml</rosdep>' }),
    },
    {
      label: 'rosdep-symlink-out',
      file: 'deps/rosdep.yaml',
      message: /resolves to ".*outside\/x\.yaml", outside the daemon folder/,
      make: async () => {
        const made = await daemon('rosdep-symlink-out', { depend: '<exec_depend>evil_key</exec_depend>', debforge: '<rosdep>deps/rosdep.yaml</rosdep>' });
        await fs.mkdir(path.join(made.dir, 'deps'));
        await fs.symlink('../../outside/x.yaml', path.join(made.dir, 'deps/rosdep.yaml'));
        return made;
      },
    },
    {
      label: 'rosdep-fifo',
      file: 'rosdep.yaml',
      message: /is a fifo \(named pipe\), not a regular file: a rosdep file must be a plain file/,
      make: async () => {
        const made = await daemon('rosdep-fifo');
        return (await noFifo(path.join(made.dir, 'rosdep.yaml'))) ?? made;
      },
    },
    {
      label: 'rosdep-device',
      file: 'rosdep.yaml',
      message: /is a character device, not a regular file/,
      make: async () => {
        if (!isRoot) return 'creating a device node needs root';
        const made = await daemon('rosdep-device');
        const node = spawnSync('mknod', [path.join(made.dir, 'rosdep.yaml'), 'c', '1', '5']);
        return node.status === 0 ? made : `mknod failed here (${String(node.stderr).trim()})`;
      },
    },
    {
      label: 'yaml-alias-bomb',
      file: 'rosdep.yaml',
      // a: 10 values, b: 91, ... g: 5 380 840, past the bound of 4 000 000 in all.
      line: 7,
      message: /YAML aliases \(\*name\) expand to more than 4000000 values \(at key "g"\): write the rules out/,
      make: async () => {
        const made = await daemon('yaml-alias-bomb', { depend: '<exec_depend>bomb</exec_depend>' });
        const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
        const names = 'abcdefghi';
        for (let i = 1; i < names.length; i++) {
          const previous = names[i - 1]!;
          lines.push(`${names[i]}: &${names[i]} [${Array.from({ length: 9 }, () => `*${previous}`).join(',')}]`);
        }
        lines.push('bomb:', '  ubuntu: *i');
        const yaml = `${lines.join('\n')}\n`;
        assert.ok(yaml.length < 1024, `the bomb is ${yaml.length} bytes`);
        await fs.writeFile(path.join(made.dir, 'rosdep.yaml'), yaml);
        return made;
      },
    },
    {
      label: 'yaml-too-big',
      file: 'rosdep.yaml',
      message: /is \d+ bytes or more; a rosdep file may have at most 8 MiB/,
      make: withFile('yaml-too-big', 'rosdep.yaml', () => `# ${'x'.repeat(9 * 1024 * 1024)}\n`),
    },
    {
      label: 'template-too-big',
      file: 'files/usr/share/hostile-case/big.yaml.in',
      message: /is \d+ bytes or more; a template may have at most 16 MiB/,
      make: withFile('template-too-big', 'files/usr/share/hostile-case/big.yaml.in', () => `# ${'x'.repeat(17 * 1024 * 1024)}\n`),
    },
    {
      label: 'xml-too-big',
      file: 'package.xml',
      message: /is \d+ bytes or more; a package\.xml may have at most 1 MiB/,
      make: async () => daemon('xml-too-big', { description: `Daemon for the hostile input tests. ${'word '.repeat(300_000)}` }),
    },
    {
      label: 'dependency-key-with-comma',
      file: 'package.xml',
      line: 8,
      message: /<exec_depend> "foo, evil-pkg" is not a ROS package name or rosdep key/,
      make: async () => daemon('dependency-key-with-comma', { depend: '<exec_depend>foo, evil-pkg</exec_depend>' }),
    },
    {
      label: 'version-attribute-injection',
      file: 'package.xml',
      line: 8,
      message: /<exec_depend> version_gte="1\.0\), evil-pkg \(>= 0" is not a version/,
      make: async () => daemon('version-attribute-injection', { depend: '<exec_depend version_gte="1.0), evil-pkg (&gt;= 0">bash</exec_depend>' }),
    },
    {
      label: 'architecture-any',
      file: 'package.xml',
      line: 9,
      message: /<architecture> "any" is a wildcard for source packages: a built package names one architecture/,
      make: async () => daemon('architecture-any', { debforge: '<architecture>any</architecture>' }),
    },
    {
      label: 'escape-in-maintainer',
      file: 'package.xml',
      line: 6,
      message: /holds control character U\+001B: remove it/,
      make: async () => daemon('escape-in-maintainer', { maintainer: 'Robotics \x1b[2J\x1b]0;owned\x07Team' }),
    },
    {
      label: 'escape-by-reference',
      file: 'package.xml',
      line: 5,
      message: /"&#27;" refers to U\+001B, a control or non-XML character: remove it/,
      make: async () => daemon('escape-by-reference', { description: 'Daemon &#27;[31m for the hostile input tests.' }),
    },
    {
      label: 'invalid-utf8',
      file: 'package.xml',
      line: 6,
      message: /byte 0xe9 is not valid UTF-8: save the file as UTF-8/,
      make: async () => daemon('invalid-utf8', Buffer.from(packageXml({ maintainer: 'Ren\u00e9 Team' }), 'latin1')),
    },
    {
      label: 'unsupported-encoding',
      file: 'package.xml',
      line: 1,
      message: /encoding "Shift_JIS" is not supported: save the file as UTF-8/,
      make: async () => daemon('unsupported-encoding', { head: '<?xml version="1.0" encoding="Shift_JIS"?>' }),
    },
    {
      label: 'entity-declaration',
      file: 'package.xml',
      line: 2,
      message: /has a <!DOCTYPE> declaration: remove it/,
      make: async () =>
        daemon('entity-declaration', {
          head: '<?xml version="1.0"?>\n<!DOCTYPE package [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>',
          maintainer: '&b;',
        }),
    },
    {
      label: 'name-too-long-for-dpkg',
      file: `files/usr/share/hostile-case/${'n'.repeat(247)}`,
      message: /name is 247 bytes: dpkg can unpack names of at most 246 bytes \(it writes <name>\.dpkg-new first/,
      make: async () => {
        const made = await daemon('name-too-long-for-dpkg');
        await fs.writeFile(path.join(made.dir, 'files/usr/share/hostile-case', 'n'.repeat(247)), 'long\n');
        return made;
      },
    },
  ];

  const PACKAGE = 'ros-noetic-hostile-case';
  CASES.push(
    {
      label: 'payload-symlink-swallows-unit',
      file: 'files/lib/systemd',
      message: /is a symlink \(to \.\.\/usr\/lib\/systemd\) at \/lib\/systemd, where the generated unit hostile-case\.service \(from etc\/hostile-case\.service\) \/lib\/systemd\/system\/hostile-case\.service needs a folder/,
      make: async () => {
        const made = await daemon('payload-symlink-swallows-unit');
        await fs.mkdir(path.join(made.dir, 'files/usr/lib/systemd/system'), { recursive: true });
        await fs.mkdir(path.join(made.dir, 'files/lib'), { recursive: true });
        await fs.symlink('../usr/lib/systemd', path.join(made.dir, 'files/lib/systemd'));
        return made;
      },
    },
    {
      label: 'payload-replaces-copyright',
      file: `files/usr/share/doc/${PACKAGE}/copyright`,
      message: new RegExp(`installs to /usr/share/doc/${PACKAGE}/copyright, where debforge writes the generated copyright file`),
      make: async () => {
        const made = await daemon('payload-replaces-copyright');
        await fs.mkdir(path.join(made.dir, `files/usr/share/doc/${PACKAGE}`), { recursive: true });
        await fs.writeFile(path.join(made.dir, `files/usr/share/doc/${PACKAGE}/copyright`), 'All rights reserved\n');
        return made;
      },
    },
    {
      label: 'payload-replaces-unit',
      file: 'files/lib/systemd/system/hostile-case.service',
      message: /installs to \/lib\/systemd\/system\/hostile-case\.service, where debforge writes the generated unit hostile-case\.service \(from etc\/hostile-case\.service\)/,
      make: async () => {
        const made = await daemon('payload-replaces-unit');
        await fs.mkdir(path.join(made.dir, 'files/lib/systemd/system'), { recursive: true });
        await fs.writeFile(path.join(made.dir, 'files/lib/systemd/system/hostile-case.service'), '[Service]\nExecStart=/bin/false\n');
        return made;
      },
    },
    {
      label: 'payload-in-dpkg-database',
      file: `files/var/lib/dpkg/info/${PACKAGE}.postinst`,
      message: new RegExp(`installs to /var/lib/dpkg/info/${PACKAGE}\\.postinst, inside dpkg's database, where dpkg keeps this package's generated maintainer scripts and md5sums`),
      make: async () => {
        const made = await daemon('payload-in-dpkg-database');
        await fs.mkdir(path.join(made.dir, 'files/var/lib/dpkg/info'), { recursive: true });
        await fs.writeFile(path.join(made.dir, `files/var/lib/dpkg/info/${PACKAGE}.postinst`), '#!/bin/sh\necho replaced\n');
        return made;
      },
    },
  );

  for (const testCase of CASES) {
    const shown = testCase.file.length > 60 ? `${testCase.file.slice(0, 40)}...(${testCase.file.length} characters)` : testCase.file;
    it(`${testCase.label}: ${shown}${testCase.line ? `:${testCase.line}` : ''}`, async function () {
      const made = await testCase.make();
      if (typeof made === 'string') this.skip();
      const { home } = made as { home: string };
      const before = await snapshot(path.join(home, 'out'));
      const where = `${NAME}/${testCase.file}${testCase.line === undefined ? '' : `:${testCase.line}`}: `;
      const build = await bounded(['build', NAME, '--out', 'out/never', '--jobs', '1'], home);
      assertBounds(build, 'build');
      assertNoControlBytes(build, 'build');
      assertOneCleanReport(build, `debforge: ${where}`, testCase.message, 'build');
      assert.equal(build.stdout, '', 'build prints no package path');
      assert.deepEqual(await snapshot(path.join(home, 'out')), before, 'the output folder is not created, its parent unchanged byte for byte');
      const check = await bounded(['check', NAME], home);
      assertBounds(check, 'check');
      assertNoControlBytes(check, 'check');
      assertOneCleanReport(check, where, testCase.message, 'check');
    });
  }

  it('a payload file or conffile edited in place after it was hashed fails the build, in memory and streamed, and writes nothing', async () => {
    for (const [smallPackageBytes, relative] of [
      [undefined, 'files/usr/share/hostile-case/robot.yaml'],
      [0, 'files/usr/share/hostile-case/robot.yaml'],
      [undefined, 'files/etc/hostile-case/robot.yaml'],
      [0, 'files/etc/hostile-case/robot.yaml'],
    ] as const) {
      const made = await daemon(`edited-after-hashing-${smallPackageBytes ?? 'small'}-${relative.split('/')[1]}`);
      const victim = path.join(made.dir, relative);
      await fs.mkdir(path.dirname(victim), { recursive: true });
      await fs.writeFile(victim, 'robot: 1\n');
      const problems = new ProblemList();
      const prepared = await preparePackage(made.dir, { jobs: 1, sourceDateEpoch: 1700000000 }, problems);
      assert.ok(prepared, JSON.stringify(problems.items));
      // Same size, other bytes: only the md5 can tell.
      await fs.writeFile(victim, 'robot: 2\n');
      const out = path.join(made.home, 'out');
      const before = await snapshot(out);
      await assert.rejects(
        writeDeb(prepared.layout, { outDir: out, compression: 'gzip', jobs: 1, mtime: 1700000000, ...(smallPackageBytes === undefined ? {} : { smallPackageBytes }) }),
        (error: Error) => error.message.includes(`${victim} changed during the build: its content no longer has the md5 it had when md5sums was written`),
      );
      assert.deepEqual(await snapshot(out), before, 'no package and no temporary file');
    }
  });

  it('a payload file edited in place while the CLI streams the package fails the build: a clear line, bounded, nothing written', async () => {
    const made = await daemon('edited-while-streaming');
    const share = path.join(made.dir, 'files/usr/share/hostile-case');
    // Compressible, so that gzip takes seconds over it: the last file is edited meanwhile.
    const big = await fs.open(path.join(share, 'aa.bin'), 'w');
    for (let i = 0; i < 96; i++) await big.write(Buffer.from(randomBytes(768 * 1024).toString('base64')));
    await big.close();
    const victim = path.join(share, 'zz.txt');
    await fs.writeFile(victim, 'before\n');
    const out = path.join(made.home, 'out');
    const before = await snapshot(out);
    // plain: a profile with nothing to note (noetic's end of life would be a line of its own).
    const run = bounded(['build', NAME, '--profile', 'plain', '--out', 'out', '--jobs', '1'], made.home);
    const deadline = Date.now() + 30_000;
    while (!(await fs.readdir(out)).some((name) => name.endsWith('.tmp'))) {
      assert.ok(Date.now() < deadline, 'the build started writing');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const handle = await fs.open(victim, 'r+');
    await handle.write('after!\n', 0);
    await handle.close();
    const result = await run;
    // Compressing the big file is the point here: a slower bound, still far from a hang.
    assertBounds(result, 'build', 90);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /^debforge: .*zz\.txt changed during the build: its content no longer has the md5 it had when md5sums was written; build again/m);
    assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
    assert.equal(result.stdout, '');
    assert.deepEqual(await snapshot(out), before, 'no package and no temporary file');
  });

  /** The control fields dpkg reads from a package. */
  function dpkgField(deb: string, field: string): string {
    const result = spawnSync('dpkg-deb', ['--field', deb, field], { encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    return result.stdout.trim();
  }

  it('ISO-8859-1 declared in the XML declaration is decoded as ISO-8859-1, and character references are decoded', async () => {
    const latin1 = packageXml({ head: '<?xml version="1.0" encoding="ISO-8859-1"?>', maintainer: 'Ren\u00e9 \u00c5str\u00f6m' });
    const made = await daemon('latin1', Buffer.from(latin1, 'latin1'));
    const run = await bounded(['build', NAME, '--out', 'dist', '--jobs', '1'], made.home);
    assertBounds(run, 'build');
    assert.equal(run.code, 0, run.stderr);
    assert.equal(dpkgField(path.join(made.home, run.stdout.trim()), 'Maintainer'), 'Ren\u00e9 \u00c5str\u00f6m <robotics@example.org>');

    const references = await daemon('references', { maintainer: 'Ren&#233; &#xC5;str&#246;m &amp; Co' });
    const built = await bounded(['build', NAME, '--out', 'dist', '--jobs', '1'], references.home);
    assert.equal(built.code, 0, built.stderr);
    assert.equal(dpkgField(path.join(references.home, built.stdout.trim()), 'Maintainer'), 'Ren\u00e9 \u00c5str\u00f6m & Co <robotics@example.org>');
  });

  it(`a name of ${246} bytes builds and dpkg unpacks it; dpkg itself refuses one byte more`, async function () {
    if (!isRoot) this.skip();
    const made = await daemon('longest-name');
    const longest = 'n'.repeat(246);
    await fs.writeFile(path.join(made.dir, 'files/usr/share/hostile-case', longest), 'longest\n');
    const run = await bounded(['build', NAME, '--out', 'dist', '--jobs', '1'], made.home);
    assert.equal(run.code, 0, run.stderr);
    const root = await scratchRoot();
    try {
      const unpacked = dpkgUnpack(root, path.join(made.home, run.stdout.trim()));
      assert.equal(unpacked.code, 0, unpacked.stderr);
      assert.equal(await fs.readFile(path.join(root, 'usr/share/hostile-case', longest), 'utf8'), 'longest\n');
    } finally {
      await fs.rm(root, { recursive: true, force: true });
    }
    // The oracle for the limit: dpkg-deb packs a 247-byte name, dpkg cannot unpack it.
    const tree = path.join(made.home, 'tree');
    await fs.mkdir(path.join(tree, 'DEBIAN'), { recursive: true });
    await fs.mkdir(path.join(tree, 'usr/share/x'), { recursive: true });
    await fs.writeFile(path.join(tree, 'DEBIAN/control'), 'Package: name-limit\nVersion: 1\nArchitecture: all\nMaintainer: A <a@example.org>\nDescription: limit\n');
    await fs.writeFile(path.join(tree, 'usr/share/x', 'n'.repeat(247)), 'x\n');
    const packed = spawnSync('dpkg-deb', ['--build', tree, path.join(made.home, 'limit.deb')], { encoding: 'utf8' });
    assert.equal(packed.status, 0, packed.stderr);
    const root2 = await scratchRoot();
    try {
      const refused = dpkgUnpack(root2, path.join(made.home, 'limit.deb'));
      assert.notEqual(refused.code, 0);
      assert.match(refused.stderr, /File name too long/);
    } finally {
      await fs.rm(root2, { recursive: true, force: true });
    }
  });
});
