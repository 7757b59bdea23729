// Interrupted builds: a signal at any point of any compression ends the build with the exit of
// that signal and the output folder as it was; the temporary file of a killed build is removed by
// the next build in that folder; an output folder that cannot be made fails at once. Each run is
// measured on the child process (time, peak memory); folders are compared byte for byte.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { measuredDebforge, snapshot, startDebforge, type MeasuredRun } from '../support/measure.js';
import { prng } from '../support/seeded.js';
import { CLI, must, tempDir } from '../support/tools.js';

const env = { ...process.env, SOURCE_DATE_EPOCH: '1700000000' };
const PEAK_BOUND_KIB = 512 * 1024;
const DEB = 'ros-noetic-interrupt-daemon_1.0.0-1_all.deb';

/** The same seed gives the same signal times, so a failure reproduces. */
function seeded(seed: number): () => number {
  const next = prng(seed);
  return () => next() / 0x1_0000_0000;
}

/** A daemon whose payload is half random, half text: both kinds of compressor block. */
async function daemon(parent: string, megabytes: number): Promise<string> {
  const dir = path.join(parent, `interrupt_daemon_${megabytes}`);
  await fs.mkdir(path.join(dir, 'files/usr/share/interrupt-daemon'), { recursive: true });
  await fs.writeFile(
    path.join(dir, 'package.xml'),
    '<package format="3"><name>interrupt_daemon</name><version>1.0.0</version><description>Payload for the interruption tests.</description>' +
      '<maintainer email="robotics@example.org">Robotics Team</maintainer><license>MIT</license></package>\n',
  );
  const text = Buffer.from(Array.from({ length: 20000 }, (_, i) => `line ${i} of a log the robot wrote, value ${(i * 7919) % 1000}\n`).join(''));
  const handle = await fs.open(path.join(dir, 'files/usr/share/interrupt-daemon/blob'), 'w');
  for (let i = 0; i < megabytes; i++) await handle.write(i % 2 === 0 ? randomBytes(1024 * 1024) : text.subarray(0, 1024 * 1024));
  await handle.close();
  return dir;
}

/** What a crash prints: a C++ terminate, an abort, a V8 fatal error or a JavaScript stack. */
const CRASH = /terminate called|Napi::Error|Aborted|core dumped|FATAL ERROR|^\s+at /m;

describe('interrupted builds: the exit of the signal, the folder as it was', function () {
  this.timeout(600_000);
  let parent = '';
  let small = '';
  let large = '';
  let tiny = '';

  before(async () => {
    parent = await tempDir();
    small = await daemon(parent, 6);
    large = await daemon(parent, 40);
    tiny = await daemon(parent, 2);
  });

  after(async () => {
    if (parent) await fs.rm(parent, { recursive: true, force: true });
  });

  /** A build in its own process group, sent `signal` as a terminal sends Ctrl-C, `afterMs` after it started. */
  async function interrupted(dir: string, out: string, compression: string, signal: NodeJS.Signals, afterMs: number): Promise<MeasuredRun> {
    const started = await startDebforge(['build', dir, '--out', out, '--compression', compression, '--jobs', '2'], { env, group: true });
    await new Promise((resolve) => setTimeout(resolve, afterMs));
    try {
      process.kill(-started.pid, signal);
    } catch {
      // The group is gone: the build finished first.
    }
    return started.done;
  }

  /** Asserts the run died of the signal with the folder as it was, or finished first with only the package added. */
  async function assertClean(result: MeasuredRun, out: string, before: Map<string, string>, signal: NodeJS.Signals, what: string): Promise<'interrupted' | 'finished'> {
    assert.doesNotMatch(result.stderr, CRASH, `${what}: no crash message`);
    assert.ok(result.peakKiB > 0 && result.peakKiB < PEAK_BOUND_KIB, `${what}: peak ${result.peakKiB} KiB`);
    const now = await snapshot(out);
    if (result.code === 0) {
      const others = (entries: Map<string, string>): Map<string, string> => new Map([...entries].filter(([name]) => name !== DEB));
      assert.deepEqual(others(now), others(before), `${what}: finished before the signal, only the package changed`);
      must('dpkg-deb', ['--info', path.join(out, DEB)]);
      return 'finished';
    }
    assert.equal(result.signal, signal, `${what}: died of ${signal}; exit ${result.code}, stderr ${result.stderr}`);
    assert.equal(result.code, 128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1), `${what}: exit code 128 + signal`);
    if (now.get(DEB) !== before.get(DEB)) {
      // The signal came after the package was complete and renamed into place, before the exit.
      const others = (entries: Map<string, string>): Map<string, string> => new Map([...entries].filter(([name]) => name !== DEB));
      assert.deepEqual(others(now), others(before), `${what}: nothing but the finished package changed`);
      must('dpkg-deb', ['--info', path.join(out, DEB)]);
      return 'finished';
    }
    assert.deepEqual(now, before, `${what}: the output folder is byte for byte as it was`);
    return 'interrupted';
  }

  async function ctrlCRounds(compression: 'gzip' | 'xz', dir: string, seed: number): Promise<void> {
    // How long an uninterrupted build takes here, so the signals fall all over it.
    const out = await tempDir();
    const full = await measuredDebforge(['build', dir, '--out', out, '--compression', compression, '--jobs', '2'], { env });
    assert.equal(full.code, 0, full.stderr);
    await fs.rm(out, { recursive: true, force: true });
    const random = seeded(seed);
    const outcomes: string[] = [];
    for (let round = 0; round < 20; round++) {
      const folder = await tempDir();
      await fs.writeFile(path.join(folder, 'SENTINEL'), 'keep me\n');
      await fs.writeFile(path.join(folder, DEB), 'the previous package\n');
      const before = await snapshot(folder);
      const afterMs = Math.floor(random() * full.ms * 0.9);
      const what = `${compression} round ${round} (seed ${seed}, Ctrl-C after ${afterMs} ms of ${full.ms})`;
      const result = await interrupted(dir, folder, compression, 'SIGINT', afterMs);
      outcomes.push(await assertClean(result, folder, before, 'SIGINT', what));
      await fs.rm(folder, { recursive: true, force: true });
    }
    // Timing under load varies: the check is that interruptions did happen, not how many.
    assert.ok(outcomes.filter((outcome) => outcome === 'interrupted').length >= 5, `at least 5 rounds were interrupted: ${outcomes.join(' ')}`);
  }

  it('Ctrl-C at random points of 20 gzip builds: never a crash message, never a leftover file', async () => {
    await ctrlCRounds('gzip', large, Number(process.env['DEBFORGE_TEST_SEED'] ?? 20261202));
  });

  it('Ctrl-C at random points of 20 xz builds: never a crash message, never a leftover file', async () => {
    await ctrlCRounds('xz', tiny, Number(process.env['DEBFORGE_TEST_SEED'] ?? 20261202) + 1);
  });

  for (const [signal, compression] of [['SIGTERM', 'xz'], ['SIGHUP', 'gzip'], ['SIGHUP', 'xz']] as const) {
    it(`${signal} halfway through an ${compression} build: exit 128 + signal, the folder as it was`, async () => {
      const folder = await tempDir();
      await fs.writeFile(path.join(folder, 'SENTINEL'), 'keep me\n');
      const before = await snapshot(folder);
      const started = await startDebforge(['build', compression === 'xz' ? small : large, '--out', folder, '--compression', compression, '--jobs', '2'], { env, group: true });
      // Halfway: once the temporary file is there.
      const deadline = Date.now() + 60_000;
      while (!(await fs.readdir(folder)).some((name) => name.endsWith('.tmp')) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      const sent = Date.now();
      // To debforge itself (GNU time, which measures it, would die of SIGTERM and SIGHUP too).
      process.kill(await started.debforgePid(), signal);
      const result = await started.done;
      assert.ok(Date.now() - sent < 5_000, 'it stops at once');
      assert.equal(await assertClean(result, folder, before, signal, `${signal} ${compression}`), 'interrupted');
    });
  }

  it('the temporary file of a build killed with SIGKILL is removed by the next build in that folder; a live process\'s is kept', async () => {
    const folder = await tempDir();
    const child = spawn(process.execPath, [CLI, 'build', large, '--out', folder, '--compression', 'gzip', '--jobs', '1'], { env, stdio: 'ignore' });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    const deadline = Date.now() + 60_000;
    while (!(await fs.readdir(folder)).some((name) => name.endsWith('.tmp')) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    child.kill('SIGKILL');
    await exited;
    const leftovers = (await fs.readdir(folder)).filter((name) => name.endsWith('.tmp'));
    assert.equal(leftovers.length, 1, 'SIGKILL cannot be caught: the temporary file stays for now');
    assert.match(leftovers[0]!, new RegExp(`^\\.${DEB.replace(/\./g, '\\.')}\\.${child.pid}\\.[0-9a-f]{8}\\.tmp$`));
    // A temporary file of a process that is alive (this one) is not touched.
    const live = `.other-daemon_1.0.0-1_all.deb.${process.pid}.0123abcd.tmp`;
    await fs.writeFile(path.join(folder, live), 'being written\n');
    const next = await measuredDebforge(['build', small, '--out', folder, '--compression', 'gzip', '--jobs', '2'], { env });
    assert.equal(next.code, 0, next.stderr);
    assert.deepEqual((await fs.readdir(folder)).sort(), [live, DEB].sort());
  });

  it('an output folder that cannot be created fails at once with one line, and creates nothing', async () => {
    for (const out of ['/proc/forbidden', '/proc/forbidden/deeper/still']) {
      // plain: a profile with nothing to note (noetic's end of life would be a line of its own).
      const result = await measuredDebforge(['build', small, '--profile', 'plain', '--out', out], { env });
      assert.equal(result.code, 1, result.stderr);
      assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
      assert.match(result.stderr, new RegExp(`^debforge: ${out.replace(/\//g, '\\/')}: cannot create the output folder \\(ENOENT\\)`));
      assert.ok(result.ms < 10_000, `took ${result.ms} ms`);
      assert.ok(result.peakKiB < PEAK_BOUND_KIB, `peak ${result.peakKiB} KiB`);
    }
    // A folder that is a file is refused the same way, and the file stays as it was.
    const parentDir = await tempDir();
    const file = path.join(parentDir, 'dist');
    await fs.writeFile(file, 'not a folder\n');
    const before = await snapshot(parentDir);
    const result = await measuredDebforge(['build', small, '--out', path.join(file, 'sub')], { env });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /cannot create the output folder \(ENOTDIR\)/);
    assert.deepEqual(await snapshot(parentDir), before);
  });
});
