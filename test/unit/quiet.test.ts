// --quiet on every command that reports progress or a summary (build's own is in progress.test.ts):
// check, repo (publish, prune, phase) and new print their problems and results, and nothing else;
// --json output is the same with and without it; --help says so.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { demo } from '../support/repo-packages.js';
import { FIXTURES, debforge, tempDir, type Run } from '../support/tools.js';

const DAEMON = path.join(FIXTURES, 'repo', 'repo_demo');

/** The lines of a stream, without the empty one after the last newline. */
function lines(text: string): string[] {
  return text.split('\n').filter((line) => line !== '');
}

function ok(result: Run): Run {
  assert.equal(result.code, 0, result.stderr);
  return result;
}

describe('--quiet: problems and results only', function () {
  this.timeout(120_000);

  it('check --quiet prints no summary, but every problem; check --json is the same with it', () => {
    const loud = ok(debforge(['check', DAEMON, '--profile', 'plain']));
    assert.match(loud.stdout, /^checked 1 daemon folder for 1 profile \(plain\): no problems\n$/);
    const quiet = ok(debforge(['check', DAEMON, '--profile', 'plain', '--quiet']));
    assert.deepEqual([quiet.stdout, quiet.stderr], ['', '']);
    // noetic is at end of life: its note is a problem, printed with or without --quiet.
    const noted = ok(debforge(['check', DAEMON, '--profile', 'noetic', '-q']));
    assert.equal(noted.stdout, '');
    assert.deepEqual(lines(noted.stderr).map((line) => /^profile noetic: note: .*end of life/.test(line)), [true]);
    assert.equal(noted.stderr, ok(debforge(['check', DAEMON, '--profile', 'noetic'])).stderr);
    const json = ok(debforge(['check', DAEMON, '--profile', 'noetic', '--json']));
    assert.deepEqual(JSON.parse(ok(debforge(['check', DAEMON, '--profile', 'noetic', '--json', '--quiet'])).stdout), JSON.parse(json.stdout));
  });

  it('repo, repo prune and repo phase --quiet print the Release files and the warnings, not what they read, added or removed', async () => {
    const dist = await tempDir();
    const first = await demo(dist);
    const second = await demo(dist, { version: '1.1.0' });
    const repo = path.join(await tempDir(), 'apt');
    const release = path.join(repo, 'dists', 'bookworm', 'Release');
    const loud = ok(debforge(['repo', first, '--out', repo]));
    assert.equal(loud.stdout, `${release}\n`);
    assert.ok(lines(loud.stderr).some((line) => line.startsWith('debforge: added pool/')), loud.stderr);
    assert.ok(lines(loud.stderr).some((line) => line.startsWith('debforge: read 1 of 1 package')), loud.stderr);
    const warning = `debforge: warning: no --sign-key: ${repo} is unsigned, and apt refuses unsigned repositories unless a robot marks it [trusted=yes]`;
    const published = ok(debforge(['repo', second, '--out', repo, '--quiet']));
    assert.equal(published.stdout, `${release}\n`);
    assert.deepEqual(lines(published.stderr), [warning]);
    const packages = await fs.readFile(path.join(repo, 'dists', 'bookworm', 'main', 'binary-all', 'Packages'), 'utf8');
    assert.deepEqual(packages.match(/^Version: .*$/gm), ['Version: 1.0.0-1', 'Version: 1.1.0-1'], 'the quiet run published');
    const phased = ok(debforge(['repo', 'phase', 'repo-demo', 'latest', '50', '--out', repo, '-q']));
    assert.deepEqual([phased.stdout, phased.stderr], [`${release}\n`, '']);
    const pruned = ok(debforge(['repo', 'prune', '--out', repo, '--keep', '1', '--quiet', '--json']));
    assert.equal(pruned.stderr, '');
    const result = JSON.parse(pruned.stdout) as { dropped: Array<{ version: string }>; removed: string[] };
    assert.deepEqual(result.dropped.map((entry) => entry.version), ['1.0.0-1']);
    assert.deepEqual(result.removed, ['pool/main/r/repo-demo/repo-demo_1.0.0-1_all.deb']);
    const again = ok(debforge(['repo', 'prune', '--out', repo, '--keep', '1', '--quiet']));
    assert.deepEqual([again.stdout, again.stderr], ['', ''], 'nothing to change, and nothing said');
    assert.match(ok(debforge(['repo', 'prune', '--out', repo, '--keep', '1'])).stderr, /^debforge: nothing to change in /m);
  });

  it('new --quiet prints only the folder written', async () => {
    const parent = await tempDir();
    const quiet = ok(debforge(['new', 'quiet_daemon', '--kind', 'plain', '--dir', parent, '--quiet']));
    assert.deepEqual([quiet.stdout, quiet.stderr], [`${path.join(parent, 'quiet_daemon')}\n`, '']);
    const loud = ok(debforge(['new', 'loud_daemon', '--kind', 'plain', '--dir', parent]));
    assert.equal(lines(loud.stderr).length, 2);
    const files = async (name: string): Promise<string[]> => (await fs.readdir(path.join(parent, name), { recursive: true })).map(String).sort();
    assert.deepEqual((await files('quiet_daemon')).map((file) => file.replace(/quiet[_-]daemon/g, 'X')), (await files('loud_daemon')).map((file) => file.replace(/loud[_-]daemon/g, 'X')));
  });

  it('--help of build, check, repo, repo prune, repo phase and new offers -q, --quiet', () => {
    for (const command of [['build'], ['check'], ['repo'], ['repo', 'prune'], ['repo', 'phase'], ['new']]) {
      const help = ok(debforge([...command, '--help']));
      assert.match(help.stdout, /^ {2}-q, --quiet {13}print /m, command.join(' '));
    }
  });
});
