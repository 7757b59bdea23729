// A long build shows its work on a terminal: debforge runs under a pseudo-terminal (util-linux's
// script), building an xz package of tens of MiB, and redraws its progress line several times
// (bytes compressed of the total); piped, the same build prints one line per package and no
// terminal control at all; NO_COLOR takes the colours away and --quiet the progress.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { findProfile } from '../../src/index.js';
import { buildReporter } from '../../src/cli/progress.js';
import { seededRandomBytes } from '../support/seeded.js';
import { CLI, FIXTURES, copyTree, must, run, tempDir } from '../support/tools.js';

const MIB = 1024 * 1024;
const ENV = { ...process.env, SOURCE_DATE_EPOCH: '1700000000' };
/** Any escape sequence: SGR colours, cursor movement, erasing. */
const ESCAPE = /\x1b\[/;
/** One progress line as drawn: `<folder> (<profile>): <n> MiB of <n> MiB compressed, <n>%`. */
const PROGRESS = /big_daemon \(noetic\): [0-9.]+ (?:B|KiB|MiB) of 32\.0 MiB compressed, [0-9]+%/g;

function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Runs debforge with stdout and stderr on a pseudo-terminal of 120 columns; returns what the terminal was sent. */
function onTerminal(args: readonly string[], env: NodeJS.ProcessEnv = ENV): { code: number; output: string } {
  const command = `stty cols 120 rows 40; exec ${[process.execPath, CLI, ...args].map(shellQuote).join(' ')}`;
  const result = run('script', ['-qfec', command, '/dev/null'], { env });
  return { code: result.code, output: result.stdout };
}

/** The note a run for noetic, the default profile, prints once: its distribution is at end of life. */
const NOETIC_END_OF_LIFE = /^debforge: profile noetic: note: ROS 1 noetic is at end of life/;

describe('build progress: redrawn on a terminal, one line per package otherwise', function () {
  this.timeout(600_000);
  let daemon: string;
  let work: string;

  before(async function () {
    if (run('script', ['--version']).code !== 0) throw new Error('util-linux script(1) is needed for the pseudo-terminal');
    work = await tempDir('debforge-progress-');
    daemon = path.join(work, 'big_daemon');
    await copyTree(path.join(FIXTURES, 'good', 'format2_daemon'), daemon);
    const share = path.join(daemon, 'files', 'usr', 'share', 'big-daemon');
    await fs.mkdir(share, { recursive: true });
    await fs.writeFile(path.join(share, 'blob.bin'), seededRandomBytes(32 * MIB - 64 * 1024, 'progress-test'));
  });

  after(async () => {
    await fs.rm(work, { recursive: true, force: true });
  });

  it('on a terminal: several progress updates of bytes compressed, redrawn in place, then the package line', async () => {
    const out = path.join(work, 'tty');
    const { code, output } = onTerminal(['build', daemon, '--compression', 'xz', '--jobs', '2', '--out', out]);
    assert.equal(code, 0, output);
    const updates = output.match(PROGRESS) ?? [];
    assert.ok(updates.length >= 3, `at least three progress updates, got ${updates.length}:\n${JSON.stringify(output)}`);
    const fractions = updates.map((line) => Number(/([0-9]+)%$/.exec(line)![1]));
    assert.deepEqual(fractions, [...fractions].sort((a, b) => a - b), 'the fraction compressed never goes back');
    assert.match(output, /\x1b\[1A\r\x1b\[J/, 'the progress line is erased and drawn again in place');
    assert.match(output, /\x1b\[2m/, 'progress is drawn dim');
    assert.match(output, /debforge: built \S+\.deb \([0-9.]+ MiB, noetic\)/);
    // The package is what it would be off the terminal: dpkg-deb reads it whole.
    must('dpkg-deb', ['--info', path.join(out, (await fs.readdir(out))[0]!)]);
  });

  it('piped: the same build prints one line per package and no terminal control', () => {
    const result = run(process.execPath, [CLI, 'build', daemon, '--compression', 'xz', '--jobs', '2', '--out', path.join(work, 'piped')], { env: ENV });
    assert.equal(result.code, 0, result.stderr);
    assert.doesNotMatch(result.stderr, ESCAPE);
    assert.doesNotMatch(result.stderr, /compressed/);
    // Besides the package line, only the note that noetic, the default profile, is at end of life.
    const lines = result.stderr.split('\n').filter((line) => line !== '' && !NOETIC_END_OF_LIFE.test(line));
    assert.equal(lines.length, 1, result.stderr);
    assert.equal(result.stderr.split('\n').filter((line) => NOETIC_END_OF_LIFE.test(line)).length, 1, result.stderr);
    assert.match(lines[0]!, /^debforge: built \S+\.deb \([0-9.]+ MiB, noetic\)$/);
    assert.equal(result.stdout.trim(), lines[0]!.split(' ')[2]);
    // Notes and warnings too are plain lines off the terminal.
    const noted = run(process.execPath, [CLI, 'build', path.join(FIXTURES, 'system', 'svc_demo_catkin'), '--out', path.join(work, 'noted')], { env: ENV });
    assert.equal(noted.code, 0, noted.stderr);
    assert.match(noted.stderr, /: note: /);
    assert.doesNotMatch(noted.stderr, ESCAPE);
  });

  it('a package that fails leaves the progress lines; what is drawn last is only what still runs', () => {
    let stderr = '';
    let clock = 0;
    const reporter = buildReporter({ stdout: () => undefined, stderr: (text) => (stderr += text), terminalColumns: 80 }, { terminalColumns: 80, color: false, quiet: false }, () => clock);
    const profile = findProfile('noetic')!;
    const tasks = [{ dir: '/x/alpha', profile, architecture: undefined }, { dir: '/x/beta', profile, architecture: 'arm64' }];
    reporter.onEvent({ kind: 'plan', tasks });
    tasks.forEach((task, index) => reporter.onEvent({ kind: 'start', index, task }));
    for (const bytes of [1, 2, 3]) {
      clock += 1000;
      reporter.onEvent({ kind: 'progress', index: 0, bytes: bytes * MIB, total: 4 * MIB });
      reporter.onEvent({ kind: 'progress', index: 1, bytes: bytes * MIB, total: 8 * MIB });
    }
    reporter.onEvent({ kind: 'failed', index: 1 });
    reporter.onEvent({ kind: 'problem', problem: { file: '/x/beta/files/big', message: 'changed size during the build', severity: 'error' } });
    const lastDraw = stderr.slice(stderr.lastIndexOf('\x1b[J'));
    assert.match(lastDraw, /alpha \(noetic\): 3\.0 MiB of 4\.0 MiB compressed, 75%, 1\.0 MiB\/s, 0:01 left/);
    assert.doesNotMatch(lastDraw, /beta \(noetic, arm64\)/, 'the failed package is no longer drawn');
    assert.match(stderr, /(?:^|\x1b\[J)debforge: \/x\/beta\/files\/big: changed size during the build\n/m, 'the problem is a line above the progress lines');
    reporter.finish();
    assert.ok(stderr.endsWith('\x1b[J'), 'finish erases the progress lines');
  });

  it('NO_COLOR: progress on a terminal without colour; --quiet: no progress and no package line', () => {
    const plain = onTerminal(['build', daemon, '--compression', 'xz', '--jobs', '2', '--out', path.join(work, 'no-color')], { ...ENV, NO_COLOR: '1' });
    assert.equal(plain.code, 0, plain.output);
    assert.ok((plain.output.match(PROGRESS) ?? []).length >= 1, plain.output);
    assert.doesNotMatch(plain.output, /\x1b\[[0-9;]*m/, 'no SGR colour sequence');

    // Without colour, so that what is left is seen whole: the end-of-life note of noetic, a problem, stays.
    const quiet = onTerminal(['build', daemon, '--compression', 'xz', '--jobs', '2', '--quiet', '--out', path.join(work, 'quiet')], { ...ENV, NO_COLOR: '1' });
    assert.equal(quiet.code, 0, quiet.output);
    assert.doesNotMatch(quiet.output, ESCAPE);
    assert.doesNotMatch(quiet.output, /compressed|debforge: built/);
    assert.match(quiet.output, /^debforge: profile noetic: note: [^\n]*end of life[^\n]*\r?\n\S+\.deb\r?\n$/, 'only the problems (the end-of-life note) and the path, on stdout');
  });
});
