/**
 * The release workflow, the CI workflow and the reusable action: valid for GitHub (action-validator),
 * every third-party action pinned to a commit, and the action's own scripts run here as GitHub
 * would run them.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { load as loadYaml } from 'js-yaml';
import { PROFILES } from '../../src/index.js';
import { FIXTURES, REPO_ROOT, debforge, must, run, tempDir } from '../support/tools.js';
import { twoArchitectureFolder } from '../support/multiarch.js';

const FILES = ['action.yml', '.github/workflows/release.yml', '.github/workflows/ci.yml'];
const VALIDATOR = path.join(REPO_ROOT, 'node_modules', '.bin', 'action-validator');

type Yaml = Record<string, unknown>;
const asRecord = (value: unknown): Yaml => {
  assert.ok(value !== null && typeof value === 'object' && !Array.isArray(value), `expected a mapping, got ${JSON.stringify(value)}`);
  return value as Yaml;
};
async function load(file: string): Promise<Yaml> {
  return asRecord(loadYaml(await fs.readFile(path.join(REPO_ROOT, file), 'utf8')));
}

describe('workflows and the reusable action', function () {
  this.timeout(120_000);

  for (const file of FILES) {
    it(`${file} passes action-validator`, () => {
      const result = run(VALIDATOR, [path.join(REPO_ROOT, file)]);
      assert.equal(result.code, 0, `${result.stdout}${result.stderr}`);
    });
  }

  it('action-validator does reject a broken workflow (the checks above are not vacuous)', async () => {
    const broken = path.join(await tempDir(), 'broken.yml');
    await fs.writeFile(broken, 'name: broken\non: [push]\njobs:\n  x:\n    steps:\n      - run: true\n');
    assert.notEqual(run(VALIDATOR, [broken]).code, 0);
  });

  it('every third-party action is pinned to a full commit SHA with its version in a comment', async () => {
    let count = 0;
    for (const file of FILES) {
      const lines = (await fs.readFile(path.join(REPO_ROOT, file), 'utf8')).split('\n');
      for (const [index, line] of lines.entries()) {
        const match = /^\s*(?:-\s+)?uses:\s*(\S+)(.*)$/.exec(line);
        if (!match) continue;
        const [, target, rest] = match;
        if (target!.startsWith('./') || target!.startsWith('docker://')) continue;
        count++;
        assert.match(target!, /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.\/-]+@[0-9a-f]{40}$/, `${file}:${index + 1}: ${target} is not pinned to a 40-hex commit`);
        assert.match(rest!, /^\s+#\s*v\d/, `${file}:${index + 1}: say which version the commit is (# vX)`);
      }
    }
    assert.ok(count >= 4, 'the workflows do use third-party actions');
  });

  it('every workflow and the action run on a Node.js LTS line still in support (20 ended in April 2026)', async () => {
    // LTS lines in support from the Node.js release schedule (end of life: 22 April 2027,
    // 24 April 2028, 26 April 2029); odd lines are never LTS.
    const supported = new Set(['22', '24', '26']);
    let count = 0;
    for (const file of FILES) {
      const lines = (await fs.readFile(path.join(REPO_ROOT, file), 'utf8')).split('\n');
      for (const [index, line] of lines.entries()) {
        const match = /^\s*(?:node-version:\s*"?(\d+)|image:\s*node:(\d+))/.exec(line);
        if (!match) continue;
        count++;
        const major = match[1] ?? match[2]!;
        assert.ok(supported.has(major), `${file}:${index + 1}: Node.js ${major} is not a supported LTS line`);
      }
    }
    assert.equal(count, 4, 'the release jobs, the action and the CI container each name their Node.js');
  });

  it('release.yml: on published releases, least privilege, one publish at a time, every distinct profile', async () => {
    const workflow = await load('.github/workflows/release.yml');
    const on = asRecord(workflow['on']);
    assert.deepEqual(asRecord(on['release'])['types'], ['published']);
    assert.deepEqual(workflow['permissions'], {}, 'nothing granted at the top; each job asks for its own');
    assert.equal(asRecord(workflow['concurrency'])['cancel-in-progress'], false);
    const jobs = asRecord(workflow['jobs']);
    const granted = new Set<string>();
    for (const job of Object.values(jobs)) {
      const permissions = asRecord(asRecord(job)['permissions']);
      for (const [scope, level] of Object.entries(permissions)) {
        assert.ok(level === 'read' || level === 'write', `${scope}: ${String(level)}`);
        if (level === 'write') granted.add(scope);
      }
    }
    assert.deepEqual([...granted].sort(), ['contents', 'id-token', 'pages']);
    const text = await fs.readFile(path.join(REPO_ROOT, '.github/workflows/release.yml'), 'utf8');
    assert.match(text, /debforge\.js check --tag "\$TAG" daemons/);
    assert.match(text, /debforge\.js repo releases --out public --sign-key env:APT_SIGNING_KEY/);
    assert.doesNotMatch(text, /run:.*\$\{\{/, 'no expression is pasted into a script (injection): values go through env');
    const matrix = asRecord(asRecord(asRecord(jobs['build'])['strategy'])['matrix']);
    const profiles = matrix['profile'] as string[];
    for (const name of profiles) assert.ok(PROFILES.some((p) => p.name === name), `${name} is a debforge profile`);
    const build = (asRecord(jobs['build'])['steps'] as Yaml[]).map(asRecord).find((step) => step['uses'] === './');
    assert.deepEqual(String(asRecord(build?.['with'] ?? {})['architectures']).split(/\s+/).sort(), ['amd64', 'arm64'], 'amd64 and arm64 from one run');
    const suites = profiles.map((name) => PROFILES.find((p) => p.name === name)!.os.codename);
    assert.equal(new Set(suites).size, suites.length, 'one profile per suite: two profiles in one suite would publish two files under one name');
    // The ROS 1 tree is built for every ROS 1 profile, the ROS 2 tree for one ROS 2 profile per suite.
    const version = (name: string): number | undefined => PROFILES.find((p) => p.name === name)!.ros?.version;
    assert.deepEqual(profiles.filter((p) => version(p) === 1).sort(), PROFILES.filter((p) => p.ros?.version === 1).map((p) => p.name).sort());
    assert.deepEqual(profiles.filter((p) => version(p) === 2).sort(), ['humble', 'jazzy', 'lyrical']);
  });

  it('every daemon builds for every profile of the release matrix, each profile to files of its own', async () => {
    const workflow = await load('.github/workflows/release.yml');
    const matrix = asRecord(asRecord(asRecord(asRecord(workflow['jobs'])['build'])['strategy'])['matrix']);
    const out = await tempDir();
    const built = debforge(['build', path.join(REPO_ROOT, 'daemons'), ...(matrix['profile'] as string[]).flatMap((p) => ['--profile', p]), '--arch', 'amd64', '--arch', 'arm64', '--out', out]);
    assert.equal(built.code, 0, built.stderr);
    // One file per daemon and profile (the daemons here are Architecture: all): no two profiles
    // write one name, which the release's assets and the repository's pool could not hold.
    const files = await fs.readdir(out);
    // Each daemon for the profiles of the ROS versions its package.xml targets (every one without <target>).
    const daemons = await fs.readdir(path.join(REPO_ROOT, 'daemons'));
    const targets = await Promise.all(daemons.map(async (d) => /<target ros-version="([^"]+)"\/>/.exec(await fs.readFile(path.join(REPO_ROOT, 'daemons', d, 'package.xml'), 'utf8'))?.[1]?.split(' ')));
    const expected = (matrix['profile'] as string[])
      .map((name) => String(PROFILES.find((p) => p.name === name)!.ros?.version ?? 'none'))
      .reduce((sum, version) => sum + targets.filter((t) => t === undefined || t.includes(version)).length, 0);
    assert.equal(files.length, expected, files.join(' '));
  });

  it("the action's build and repo steps work when run as GitHub runs them", async () => {
    const action = await load('action.yml');
    const steps = (asRecord(action['runs'])['steps'] as Yaml[]).map(asRecord);
    const temp = await tempDir();
    const daemons = path.join(temp, 'daemons');
    await fs.cp(path.join(FIXTURES, 'repo'), daemons, { recursive: true });
    // A daemon with files-amd64/ and files-arm64/: both packages from one run of the action.
    const driver = path.join(daemons, 'robot_driver');
    await fs.cp(await twoArchitectureFolder(), driver, { recursive: true });
    const manifest = path.join(driver, 'package.xml');
    await fs.writeFile(manifest, (await fs.readFile(manifest, 'utf8')).replace('<version>1.2.0</version>', '<version>1.0.0</version>'));
    const home = await tempDir('debforge-gpg-');
    await fs.chmod(home, 0o700);
    const gpgEnv = { ...process.env, GNUPGHOME: home };
    must('gpg', ['--batch', '--passphrase', '', '--quick-gen-key', 'Action Test <action@example.org>', 'default', 'default', 'never'], { env: gpgEnv });
    const secretKey = must('gpg', ['--batch', '--armor', '--export-secret-keys'], { env: gpgEnv });
    run('gpgconf', ['--kill', 'all'], { env: gpgEnv });

    const inputs: Record<string, string> = { paths: 'daemons', profiles: 'plain\nnoetic', architectures: 'amd64\narm64', revision: '3', out: 'out dir', compression: 'xz', tag: 'v1.0.0', repo: 'apt', suite: '', 'sign-key': secretKey };
    const outputs: Record<string, string> = {};
    const expression = (value: string): string =>
      value.replace(/\$\{\{\s*(inputs\.[\w-]+|steps\.build\.outputs\.files)\s*\}\}/g, (_, name: string) => (name.startsWith('inputs.') ? inputs[name.slice(7)]! : outputs['files'] ?? ''));
    const githubOutput = path.join(temp, 'github-output');
    for (const step of steps.filter((s) => typeof s['run'] === 'string')) {
      if (step['working-directory'] !== undefined) continue; // npm ci: this checkout is installed already
      if (typeof step['if'] === 'string' && /inputs\.(\w+) != ''/.test(step['if']) && inputs[/inputs\.(\w+)/.exec(step['if'])![1]!] === '') continue;
      const env: NodeJS.ProcessEnv = { PATH: process.env['PATH'], HOME: process.env['HOME'], GITHUB_ACTION_PATH: REPO_ROOT, RUNNER_TEMP: temp, GITHUB_OUTPUT: githubOutput, GNUPGHOME: await tempDir('debforge-gpg-') };
      for (const [name, value] of Object.entries(asRecord(step['env'] ?? {}))) env[name] = expression(String(value));
      const result = run('bash', ['-e', '-c', String(step['run'])], { cwd: temp, env });
      assert.equal(result.code, 0, `step "${String(step['name'])}":\n${result.stdout}${result.stderr}`);
      for (const line of (await fs.readFile(githubOutput, 'utf8').catch(() => '')).split('\n')) {
        const eq = line.indexOf('=');
        if (eq > 0) outputs[line.slice(0, eq)] = line.slice(eq + 1);
      }
    }
    const files = JSON.parse(outputs['files'] ?? '[]') as string[];
    assert.deepEqual(files.map((f) => path.basename(f)).sort(), [
      'repo-demo_1.0.0-3_all.deb',
      'robot-driver_1.0.0-3_amd64.deb',
      'robot-driver_1.0.0-3_arm64.deb',
      'ros-noetic-repo-demo_1.0.0-3_all.deb',
      'ros-noetic-robot-driver_1.0.0-3_amd64.deb',
      'ros-noetic-robot-driver_1.0.0-3_arm64.deb',
    ]);
    for (const file of files) assert.ok(file.startsWith('out dir/'), file);
    for (const suite of ['bookworm', 'focal']) {
      must('gpgv', ['--keyring', path.join(temp, 'apt', 'archive-keyring.gpg'), path.join(temp, 'apt', 'dists', suite, 'InRelease')]);
    }

    // A wrong tag stops the action before it builds anything.
    const check = steps.find((s) => String(s['name']).startsWith('Check that the release tag'))!;
    const env: NodeJS.ProcessEnv = { PATH: process.env['PATH'], GITHUB_ACTION_PATH: REPO_ROOT, DEBFORGE_PATHS: 'daemons', DEBFORGE_PROFILES: 'plain', DEBFORGE_ARCHITECTURES: '', DEBFORGE_TAG: 'v9.9.9' };
    const wrong = run('bash', ['-e', '-c', String(check['run'])], { cwd: temp, env });
    assert.equal(wrong.code, 1, wrong.stderr);
    assert.match(wrong.stderr, /daemon daemons\/repo_demo has version 1\.0\.0, but the release tag v9\.9\.9/);
    // The architectures input reaches build: only arm64 asked for, only arm64 built.
    const buildStep = steps.find((s) => s['id'] === 'build')!;
    const only = { PATH: process.env['PATH'], GITHUB_ACTION_PATH: REPO_ROOT, RUNNER_TEMP: temp, GITHUB_OUTPUT: path.join(temp, 'only-output'), DEBFORGE_PATHS: 'daemons/robot_driver', DEBFORGE_PROFILES: 'plain', DEBFORGE_ARCHITECTURES: 'arm64', DEBFORGE_REVISION: '1', DEBFORGE_OUT: 'only', DEBFORGE_COMPRESSION: 'gzip' };
    assert.equal(run('bash', ['-e', '-c', String(buildStep['run'])], { cwd: temp, env: only }).code, 0);
    assert.deepEqual(await fs.readdir(path.join(temp, 'only')), ['robot-driver_1.0.0-1_arm64.deb']);
    // Inputs left empty come from the repository's project config, as on the command line: its
    // custom profile, revision and compression.
    const acme = path.join(temp, 'acme');
    await fs.cp(path.join(FIXTURES, 'config', 'acme'), acme, { recursive: true });
    must('git', ['init', '-q', acme]);
    const configured = { ...only, GITHUB_OUTPUT: path.join(temp, 'acme-output'), DEBFORGE_PATHS: 'daemons', DEBFORGE_PROFILES: '', DEBFORGE_ARCHITECTURES: '', DEBFORGE_REVISION: '', DEBFORGE_OUT: 'dist', DEBFORGE_COMPRESSION: '' };
    const fromConfig = run('bash', ['-e', '-c', String(buildStep['run'])], { cwd: acme, env: configured });
    assert.equal(fromConfig.code, 0, fromConfig.stderr);
    assert.deepEqual(await fs.readdir(path.join(acme, 'dist')), ['acme-hello_1.4.0-3_all.deb']);
    assert.match(must('ar', ['t', path.join(acme, 'dist', 'acme-hello_1.4.0-3_all.deb')]), /^data\.tar\.xz$/m);
  });
});
