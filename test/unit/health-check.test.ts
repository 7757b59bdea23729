/**
 * The health check a generated postinst runs after it starts or restarts a unit, exercised
 * against stand-ins for systemctl, journalctl, deb-systemd-invoke, deb-systemd-helper and sleep
 * (written here, on PATH). The stand-in systemctl answers `show` from a scripted sequence of
 * states, in the property order real systemd prints; the stand-in sleep only counts. The script
 * runs in its own mount namespace with /run a fresh tmpfs, so whether /run/systemd/system exists
 * (a booted systemd, or a chroot / image build) is the test's choice, whatever the host has.
 * What booted systemd really does is the system test's part (test/system/health.test.ts).
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { build, check, readDeb, type HealthCheck } from '../../src/index.js';
import { FIXTURES, copyTree, lintianFindings, run, tempDir, type Run } from '../support/tools.js';

const EPOCH = 1700000000;
const FIXTURE = path.join(FIXTURES, 'system', 'health_demo');
const UNIT = 'health-demo.service';

/** One answer of `systemctl show`: ActiveState, SubState, InvocationID, NRestarts, Type, Result. */
type State = [active: string, sub: string, invocation: string, restarts: number, type?: string, result?: string];

const STAND_INS: Record<string, string> = {
  // show answers with the next scripted state (the last one repeats), or the state before the
  // start; status prints a stand-in; every call is logged.
  systemctl: `#!/bin/sh
echo "systemctl $*" >> "$FAKE/calls"
case "$1" in
show)
	if [ -s "$FAKE/states" ]; then
		head -n 1 "$FAKE/states" > "$FAKE/current"
		if [ "$(wc -l < "$FAKE/states")" -gt 1 ]; then sed -i 1d "$FAKE/states"; fi
	fi
	[ -s "$FAKE/current" ] || exit 0
	read -r active sub invocation restarts type result < "$FAKE/current"
	printf 'Type=%s\\nResult=%s\\nNRestarts=%s\\nActiveState=%s\\nSubState=%s\\nInvocationID=%s\\n' "$type" "$result" "$restarts" "$active" "$sub" "$invocation"
	;;
status)
	for unit; do :; done
	echo "* $unit - stand-in status: $(cut -d' ' -f1,2 "$FAKE/current")"
	;;
esac
exit 0
`,
  journalctl: `#!/bin/sh
echo "journalctl $*" >> "$FAKE/calls"
echo "stand-in journal line of the daemon: cannot open its calibration"
`,
  // A start that runs hands the unit to the scripted states; one it skips (policy-rc.d, a
  // disabled unit) leaves the unit as it was and exits 0, as does a start job systemd failed
  // before the unit ran (a unit it requires failed), which exits non-zero.
  'deb-systemd-invoke': `#!/bin/sh
echo "deb-systemd-invoke $*" >> "$FAKE/calls"
[ -e "$FAKE/skip" ] && exit 0
[ -e "$FAKE/refuse" ] && exit 1
mv "$FAKE/pending" "$FAKE/states"
exit 0
`,
  'deb-systemd-helper': `#!/bin/sh
echo "deb-systemd-helper $*" >> "$FAKE/calls"
exit 0
`,
  sleep: `#!/bin/sh
echo "sleep $*" >> "$FAKE/calls"
`,
};

interface Outcome extends Run {
  calls: string[];
  sleeps: number;
  polls: number;
}

async function postinstOf(dir: string, healthCheck?: HealthCheck): Promise<string> {
  const result = await build(dir, { outDir: await tempDir(), profile: 'plain', sourceDateEpoch: EPOCH, ...(healthCheck ? { healthCheck } : {}) });
  const postinst = (await readDeb(result.path)).scripts.get('postinst');
  assert.ok(postinst !== undefined);
  return postinst;
}

/**
 * Runs postinst with the stand-ins. `before` is the unit's state before the start (its
 * invocation id tells a start that ran from a skipped one), `after` what systemd shows once the
 * start ran, one entry per poll (the last repeats).
 */
async function runPostinst(
  postinst: string,
  args: string[],
  setup: { before: State; after: State[]; systemd?: boolean; skip?: boolean; refuse?: boolean; env?: Record<string, string> },
): Promise<Outcome> {
  const dir = await tempDir('debforge-health-');
  const bin = path.join(dir, 'bin');
  await fs.mkdir(bin);
  for (const [name, text] of Object.entries(STAND_INS)) await fs.writeFile(path.join(bin, name), text, { mode: 0o755 });
  const line = (s: State): string => [...s.slice(0, 4), s[4] ?? 'simple', s[5] ?? 'success'].join(' ');
  await fs.writeFile(path.join(dir, 'current'), `${line(setup.before)}\n`);
  // Until a start runs, `current` answers every show; then the scripted states, one per show.
  await fs.writeFile(path.join(dir, 'pending'), setup.after.map(line).join('\n') + '\n');
  if (setup.skip) await fs.writeFile(path.join(dir, 'skip'), '');
  if (setup.refuse) await fs.writeFile(path.join(dir, 'refuse'), '');
  await fs.writeFile(path.join(dir, 'calls'), '');
  const script = path.join(dir, 'postinst');
  await fs.writeFile(script, postinst, { mode: 0o755 });
  const systemd = setup.systemd ?? true;
  const inner = `mount -t tmpfs tmpfs /run && ${systemd ? 'mkdir -p /run/systemd/system && ' : ''}exec "$0" "$@"`;
  const result = run('unshare', [...UNSHARE, 'sh', '-c', inner, script, ...args], {
    env: { PATH: `${bin}:/usr/bin:/bin:/usr/sbin:/sbin`, FAKE: dir, DPKG_MAINTSCRIPT_PACKAGE: 'health-demo', ...setup.env },
  });
  const calls = (await fs.readFile(path.join(dir, 'calls'), 'utf8')).split('\n').filter((l) => l !== '');
  return {
    ...result,
    calls,
    sleeps: calls.filter((c) => c.startsWith('sleep ')).length,
    polls: calls.filter((c) => c.startsWith('systemctl show -p ActiveState')).length,
  };
}

/** A mount namespace of our own: root has the right to one; anyone else maps to root in a user namespace. */
const UNSHARE = process.getuid?.() === 0 ? ['--mount'] : ['--mount', '--map-root-user'];

const BEFORE: State = ['active', 'running', 'old-run', 0];
const RUNNING = (invocation = 'new-run', restarts = 0): State => ['active', 'running', invocation, restarts];

describe('health-checked start and upgrade (generated postinst, stand-in systemd)', function () {
  this.timeout(120_000);
  let postinst: string;

  before(async () => {
    assert.equal(run('unshare', [...UNSHARE, 'true']).code, 0, 'these tests need unshare (util-linux), and user namespaces when not run as root');
    postinst = await postinstOf(FIXTURE);
  });

  it('the package is lintian-clean and its postinst passes sh -n and shellcheck', async () => {
    const deb = (await build(FIXTURE, { outDir: await tempDir(), profile: 'plain', sourceDateEpoch: EPOCH })).path;
    assert.deepEqual(lintianFindings(deb, 'plain'), []);
    const file = path.join(await tempDir(), 'postinst');
    await fs.writeFile(file, postinst);
    assert.equal(run('sh', ['-n', file]).code, 0);
    const lint = run('shellcheck', ['--severity=style', file]);
    assert.equal(lint.code, 0, lint.stdout);
  });

  it('an upgrade whose unit settles active succeeds after the settle window (3 polls a second apart)', async () => {
    const outcome = await runPostinst(postinst, ['configure', '1.0.0-1'], { before: BEFORE, after: [RUNNING()] });
    assert.equal(outcome.code, 0, outcome.stderr);
    assert.ok(outcome.calls.includes(`deb-systemd-invoke restart ${UNIT}`), outcome.calls.join('\n'));
    assert.equal(outcome.sleeps, 3);
    assert.equal(outcome.stderr, '');
  });

  it('a Type=notify unit still activating (no READY=1 yet) is waited for, then settles', async () => {
    const activating: State = ['activating', 'start', 'new-run', 0, 'notify'];
    const outcome = await runPostinst(postinst, ['configure', '1.0.0-1'], { before: BEFORE, after: [activating, activating, activating, ['active', 'running', 'new-run', 0, 'notify']] });
    assert.equal(outcome.code, 0, outcome.stderr);
    assert.equal(outcome.sleeps, 3 + 3);
  });

  it('a failed unit fails postinst at once, printing the reason, its status, its journal and the way back', async () => {
    const outcome = await runPostinst(postinst, ['configure', '1.0.0-1'], { before: BEFORE, after: [['failed', 'failed', 'new-run', 0, 'simple', 'exit-code']] });
    assert.equal(outcome.code, 1);
    assert.equal(outcome.sleeps, 0);
    assert.match(outcome.stderr, /^debforge: health-demo\.service is unhealthy after its start: it failed \(result: exit-code\)$/m);
    assert.match(outcome.stderr, /^\* health-demo\.service - stand-in status: failed failed$/m);
    assert.match(outcome.stderr, /stand-in journal line of the daemon: cannot open its calibration/);
    assert.ok(outcome.calls.includes(`journalctl --no-pager --quiet -n 20 -u ${UNIT}`), outcome.calls.join('\n'));
    assert.match(outcome.stderr, /^debforge: health-demo 1\.0\.0-1 is left half-configured; to go back to 1\.0\.0-1: apt-get install --allow-downgrades health-demo=1\.0\.0-1$/m);
  });

  it('a unit in a restart loop (active between restarts, never 3 s in one run) fails when the 30 s bound runs out', async () => {
    const loop: State[] = [];
    for (let n = 1; n <= 40; n++) loop.push(n % 2 === 0 ? RUNNING(`run-${n}`, n) : ['activating', 'auto-restart', `run-${n}`, n]);
    const outcome = await runPostinst(postinst, ['configure', '1.0.0-1'], { before: BEFORE, after: loop });
    assert.equal(outcome.code, 1);
    assert.equal(outcome.sleeps, 30);
    assert.match(outcome.stderr, /unhealthy after its start: it (did not stay active for 3 s without a restart within 30 s|is still activating \(auto-restart\) after 30 s)$/m);
  });

  it('a restart that keeps the invocation but bumps NRestarts also restarts the settle window', async () => {
    const outcome = await runPostinst(postinst, ['configure', '1.0.0-1'], { before: BEFORE, after: [RUNNING('r', 0), RUNNING('r', 0), RUNNING('r', 1), RUNNING('r', 1), RUNNING('r', 1), RUNNING('r', 1)] });
    assert.equal(outcome.code, 0, outcome.stderr);
    assert.equal(outcome.sleeps, 2 + 3);
  });

  it('a unit that recovers after automatic restarts and then stays up is healthy', async () => {
    const outcome = await runPostinst(postinst, ['configure', '1.0.0-1'], { before: BEFORE, after: [['activating', 'auto-restart', 'run-1', 1], ['activating', 'auto-restart', 'run-2', 2], RUNNING('run-3', 2)] });
    assert.equal(outcome.code, 0, outcome.stderr);
    assert.equal(outcome.sleeps, 2 + 3);
  });

  it('a simple daemon that exited (inactive) fails; a oneshot unit that succeeded is healthy', async () => {
    const exited = await runPostinst(postinst, ['configure', '1.0.0-1'], { before: BEFORE, after: [['inactive', 'dead', 'new-run', 0, 'simple', 'success']] });
    assert.equal(exited.code, 1);
    assert.match(exited.stderr, /it stopped \(result: success\)/);
    const oneshot = await runPostinst(postinst, ['configure', '1.0.0-1'], { before: BEFORE, after: [['inactive', 'dead', 'new-run', 0, 'oneshot', 'success']] });
    assert.equal(oneshot.code, 0, oneshot.stderr);
  });

  it('a first install (no old version) is checked too, and fails without a way back to offer', async () => {
    const outcome = await runPostinst(postinst, ['configure', ''], { before: ['inactive', 'dead', '', 0], after: [['failed', 'failed', 'new-run', 0, 'simple', 'exit-code']] });
    assert.equal(outcome.code, 1);
    assert.ok(outcome.calls.includes(`deb-systemd-invoke start ${UNIT}`), outcome.calls.join('\n'));
    assert.doesNotMatch(outcome.stderr, /to go back/);
  });

  it('no wait where the start did not run: policy-rc.d refused, or the unit was disabled (same invocation as before)', async () => {
    const outcome = await runPostinst(postinst, ['configure', '1.0.0-1'], { before: ['inactive', 'dead', 'old-run', 0], after: [['failed', 'failed', 'never', 0]], skip: true });
    assert.equal(outcome.code, 0, outcome.stderr);
    assert.equal(outcome.sleeps, 0);
    assert.equal(outcome.polls, 2, 'one look before the start, one after');
  });

  it('a start job systemd failed before the unit ran (a unit it requires failed) fails postinst', async () => {
    const failed = await runPostinst(postinst, ['configure', '1.1.0-1'], { before: ['inactive', 'dead', 'old-run', 0, 'simple', 'success'], after: [], refuse: true });
    assert.equal(failed.code, 1);
    assert.equal(failed.sleeps, 0);
    assert.match(failed.stderr, /^debforge: health-demo\.service is unhealthy after its start: systemd did not start it \(it is inactive, result: success\)$/m);
    assert.match(failed.stderr, /to go back to 1\.1\.0-1: apt-get install --allow-downgrades health-demo=1\.1\.0-1$/m);
    // A failed start job of a unit that is running anyway leaves nothing to report.
    const running = await runPostinst(postinst, ['configure', '1.1.0-1'], { before: BEFORE, after: [], refuse: true });
    assert.equal(running.code, 0, running.stderr);
  });

  it('no wait and no systemctl at all where systemd is not running (chroot, image build) or DPKG_ROOT is set', async () => {
    const failing: State[] = [['failed', 'failed', 'new-run', 0]];
    for (const setup of [{ systemd: false }, { env: { DPKG_ROOT: '/target' } }]) {
      const outcome = await runPostinst(postinst, ['configure', '1.0.0-1'], { before: BEFORE, after: failing, ...setup });
      assert.equal(outcome.code, 0, outcome.stderr);
      assert.deepEqual(outcome.calls.filter((c) => /^(systemctl|sleep|deb-systemd-invoke)/.test(c)), [], JSON.stringify(setup));
    }
  });

  it('no check on abort-upgrade: the rollback dpkg runs after a failure is never failed by it', async () => {
    const outcome = await runPostinst(postinst, ['abort-upgrade', '1.1.0-1'], { before: BEFORE, after: [['failed', 'failed', 'new-run', 0]] });
    assert.equal(outcome.code, 0, outcome.stderr);
    assert.equal(outcome.sleeps, 0);
  });

  it('without health-check a postinst has none; the library default checks every started system unit, and health-check="false" opts one out', async () => {
    const svc = await postinstOf(path.join(FIXTURES, 'system', 'svc_demo'));
    assert.doesNotMatch(svc, /debforge_health_check/);
    assert.match(svc, /deb-systemd-invoke restart 'svc-demo\.service' >/);
    const defaulted = await postinstOf(path.join(FIXTURES, 'system', 'svc_demo'), { timeout: 12, settle: 2 });
    assert.match(defaulted, /^\t+debforge_health_check 'svc-demo\.service' 12 2 /m);
    assert.match(defaulted, /^\t+debforge_health_check 'svc-demo-steady\.service' 12 2 /m);
    const dir = path.join(await tempDir(), 'svc_demo');
    await copyTree(path.join(FIXTURES, 'system', 'svc_demo'), dir);
    const manifest = path.join(dir, 'package.xml');
    await fs.writeFile(manifest, (await fs.readFile(manifest, 'utf8')).replace('</debforge>', '<unit name="svc-demo.service" health-check="false"/></debforge>'));
    const optedOut = await postinstOf(dir, { timeout: 12, settle: 2 });
    assert.doesNotMatch(optedOut, /debforge_health_check 'svc-demo\.service'/);
    assert.match(optedOut, /debforge_health_check 'svc-demo-steady\.service' 12 2 /);
    // The checked unit is started on its own, so deb-systemd-invoke's exit status is its own.
    assert.match(optedOut, /deb-systemd-invoke restart 'svc-demo\.service' >\/dev\/null \|\| true/);
    assert.match(optedOut, /deb-systemd-invoke start 'svc-demo-steady\.service' >\/dev\/null \|\| _debforge_start_failed_0=1/);
  });

  it('a user unit, a unit postinst never starts and bad bounds are errors naming package.xml and the line', async () => {
    const cases: Array<[string, string, RegExp]> = [
      ['user_demo', '<unit name="user-demo.service" health-check="10"/>', /user unit starts in each user's manager/],
      ['svc_demo', '<unit name="svc-demo.service" start="false" health-check="10"/>', /start="false"/],
      ['svc_demo', '<unit name="svc-demo.service" health-check="0"/>', /health-check="0" must be a whole number of seconds from 1 to 3600/],
      ['svc_demo', '<unit name="svc-demo.service" health-check="10s"/>', /health-check="10s" must be a whole number/],
      ['svc_demo', '<unit name="svc-demo.service" health-check="5" health-settle="6"/>', /health-settle="6" is longer than health-check="5"/],
      ['svc_demo', '<unit name="svc-demo.service" health-settle="6"/>', /health-settle needs health-check="SECONDS"/],
    ];
    for (const [fixture, element, expected] of cases) {
      const dir = path.join(await tempDir(), fixture);
      await copyTree(path.join(FIXTURES, 'system', fixture), dir);
      const manifest = path.join(dir, 'package.xml');
      let xml = await fs.readFile(manifest, 'utf8');
      xml = xml.includes('</debforge>') ? xml.replace('</debforge>', `\n${element}</debforge>`) : xml.replace('</package>', `<export><debforge>\n${element}</debforge></export></package>`);
      await fs.writeFile(manifest, xml);
      const line = xml.split('\n').findIndex((l) => l.includes(element)) + 1;
      const errors = (await check(dir, { profile: 'plain' })).filter((p) => p.severity === 'error');
      assert.equal(errors.length, 1, `${element}: ${JSON.stringify(errors)}`);
      assert.match(errors[0]!.message, expected);
      assert.equal(errors[0]!.line, line, element);
      assert.match(errors[0]!.file, /package\.xml$/);
    }
  });
});
