/**
 * Health-checked upgrades on a booted Debian 12, through a signed repository published with
 * `debforge repo` and apt on the machine, as on a robot: an upgrade to a version whose daemon
 * exits at start fails `apt-get install` with the unit's status and journal in apt's output; the
 * previous version goes back on with `apt-get install pkg=<previous>` and runs; the upgrade to a
 * healthy version succeeds. Where the start does not run (an admin's disable, policy-rc.d, a
 * chroot) nothing is waited for and the broken version installs.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { build } from '../../src/index.js';
import { EPOCH, makeKey, stopGpgAgents } from '../support/repo-packages.js';
import { FIXTURES, copyTree, lintianFindings, tempDir } from '../support/tools.js';
import { publishSigned, serve } from './apt-repo.js';
import { Machine, chrootSh, requireRoot, withOverlay } from './harness.js';

const KEYRING = '/usr/share/keyrings/debforge-test.gpg';
const UNIT = 'health-demo.service';
const APT = 'DEBIAN_FRONTEND=noninteractive apt-get install -y';
/** What the version 1.1.0 daemon says before it exits: it must reach apt's output through the journal. */
const CRASH_MESSAGE = 'health-demo 1.1.0: cannot read /etc/health-demo/calibration.yaml';

/** The health_demo fixture at a version; `broken` makes its daemon exit 1 at every start. */
async function buildVersion(version: string, out: string, broken = false): Promise<string> {
  const dir = path.join(await tempDir(), 'health_demo');
  await copyTree(path.join(FIXTURES, 'system', 'health_demo'), dir);
  const manifest = path.join(dir, 'package.xml');
  await fs.writeFile(manifest, (await fs.readFile(manifest, 'utf8')).replace(/<version>[^<]+<\/version>/, `<version>${version}</version>`));
  if (broken) await fs.writeFile(path.join(dir, 'files/usr/lib/health-demo/run'), `#!/bin/sh\necho "${CRASH_MESSAGE}" >&2\nexit 1\n`, { mode: 0o755 });
  return (await build(dir, { outDir: out, profile: 'plain', sourceDateEpoch: EPOCH })).path;
}

describe('health-checked upgrades on a booted Debian 12, from a debforge repository', function () {
  this.timeout(900_000);
  let machine: Machine;
  let server: Awaited<ReturnType<typeof serve>>;
  let repo: string;
  let key: Awaited<ReturnType<typeof makeKey>>;
  const debs: Record<string, string> = {};
  /** The way back the failed postinst printed. */
  let wayBack = '';

  const publish = (...files: string[]): void => publishSigned(repo, key, files);
  const apt = (args: string): ReturnType<Machine['sh']> => machine.sh(`${APT} ${args} </dev/null 2>&1`, { timeoutSec: 300 });
  const installed = async (): Promise<string> => (await machine.must("dpkg-query -W -f '${Version} ${Status}' health-demo")).trim();
  /** The version the running daemon says it is, once the unit is active. */
  const running = async (): Promise<string> => {
    await machine.waitFor(async () => (await machine.sh(`systemctl is-active ${UNIT}`)).stdout.trim() === 'active', 15_000, `${UNIT} active`);
    return (await machine.must('cat /run/health-demo.version')).trim();
  };

  before(async () => {
    requireRoot();
    const out = await tempDir();
    debs['healthy'] = await buildVersion('1.0.0', out);
    debs['broken'] = await buildVersion('1.1.0', out, true);
    debs['fixed'] = await buildVersion('1.2.0', out);
    key = await makeKey('Robot Fleet');
    repo = path.join(await tempDir('debforge-repo-'), 'apt');
    publish(debs['healthy']!, debs['broken']!);
    server = await serve(repo);
    machine = await Machine.boot('health');
    await machine.must(`/usr/lib/apt/apt-helper download-file ${server.url}/archive-keyring.gpg ${KEYRING}`);
    await machine.must(`rm -f /etc/apt/sources.list && echo 'deb [signed-by=${KEYRING}] ${server.url} bookworm main' > /etc/apt/sources.list.d/debforge-test.list`);
    await machine.must('apt-get update', { timeoutSec: 120 });
  });

  after(async () => {
    await machine?.poweroff();
    await server?.close();
    stopGpgAgents();
  });

  it('every package the test installs is lintian-clean', () => {
    for (const deb of Object.values(debs)) assert.deepEqual(lintianFindings(deb, 'plain'), [], deb);
  });

  it('1. a first install of the healthy version passes its health check and runs', async () => {
    const result = await apt('health-demo=1.0.0-1');
    assert.equal(result.code, 0, result.stdout);
    assert.equal(await installed(), '1.0.0-1 install ok installed');
    assert.equal(await running(), '1.0.0');
  });

  it('2. the upgrade to a version whose daemon exits at start fails apt-get install, with the unit\'s status and journal in apt\'s output', async () => {
    const started = Date.now();
    const result = await apt('health-demo');
    const seconds = (Date.now() - started) / 1000;
    assert.equal(result.code, 100, result.stdout);
    const output = result.stdout;
    assert.match(output, /^debforge: health-demo\.service is unhealthy after its start: it failed \(result: [a-z-]+\)$/m, output);
    assert.match(output, /^\S+ health-demo\.service - Demo daemon checked after every start by postinst$/m, 'systemctl status');
    assert.match(output, /^\s+Active: failed/m, 'systemctl status');
    assert.match(output, /^debforge: last journal lines of health-demo\.service:$/m, output);
    assert.ok(output.includes(CRASH_MESSAGE), `the daemon's own message, from the journal:\n${output}`);
    wayBack = /^debforge: health-demo 1\.1\.0-1 is left half-configured; to go back to 1\.0\.0-1: (apt-get install --allow-downgrades health-demo=1\.0\.0-1)$/m.exec(output)?.[1] ?? '';
    assert.notEqual(wayBack, '', output);
    assert.match(output, /^E: Sub-process \/usr\/bin\/dpkg returned an error code \(1\)$/m, output);
    assert.equal(await installed(), '1.1.0-1 install ok half-configured');
    assert.ok(seconds < 60, `apt-get install returned after ${seconds} s (health-check bound 30 s)`);
    console.log(`      failed upgrade: apt-get install exited 100 after ${seconds.toFixed(1)} s`);
  });

  it('3. the previous version is reinstalled from the repository with apt-get install pkg=<previous>, as postinst printed, and its daemon runs', async () => {
    // At once: postinst's daemon-reload resets the start limit the crash loop may have hit.
    const result = await apt(wayBack.replace(/^apt-get install /, ''));
    assert.equal(result.code, 0, result.stdout);
    assert.equal(await installed(), '1.0.0-1 install ok installed');
    assert.equal(await running(), '1.0.0');
  });

  it('3b. a start systemd fails before the daemon runs (a unit it requires fails) fails postinst too; fixed, dpkg --configure -a completes', async () => {
    const dropIn = '/etc/systemd/system/health-demo.service.d';
    await machine.must(
      "printf '[Service]\\nType=oneshot\\nExecStart=/bin/false\\n' > /etc/systemd/system/health-demo-dependency.service && " +
        `mkdir -p ${dropIn} && printf '[Unit]\\nRequires=health-demo-dependency.service\\nAfter=health-demo-dependency.service\\n' > ${dropIn}/requires.conf`,
    );
    try {
      const result = await apt('--reinstall health-demo=1.0.0-1');
      assert.equal(result.code, 100, result.stdout);
      assert.match(result.stdout, /^debforge: health-demo\.service is unhealthy after its start: systemd did not start it \(it is inactive, result: [a-z-]+\)$/m, result.stdout);
      assert.equal(await installed(), '1.0.0-1 install ok half-configured');
    } finally {
      await machine.must(`rm -rf ${dropIn} /etc/systemd/system/health-demo-dependency.service && systemctl daemon-reload`);
    }
    await machine.must('dpkg --configure -a', { timeoutSec: 120 });
    assert.equal(await installed(), '1.0.0-1 install ok installed');
    assert.equal(await running(), '1.0.0');
  });

  it('4. the same upgrade to a healthy version succeeds; going back to the previous version from it works too', async () => {
    publish(debs['fixed']!);
    await machine.must('apt-get update', { timeoutSec: 120 });
    const policy = await machine.must('apt-cache policy health-demo');
    for (const version of ['1.0.0-1', '1.1.0-1', '1.2.0-1']) assert.match(policy, new RegExp(version.replace(/\./g, '\\.')), policy);
    const upgrade = await apt('health-demo');
    assert.equal(upgrade.code, 0, upgrade.stdout);
    assert.doesNotMatch(upgrade.stdout, /debforge: /);
    assert.equal(await installed(), '1.2.0-1 install ok installed');
    assert.equal(await running(), '1.2.0');
    const back = await apt('--allow-downgrades health-demo=1.0.0-1');
    assert.equal(back.code, 0, back.stdout);
    assert.equal(await running(), '1.0.0');
  });

  it('5. an admin\'s disable (and stop): the upgrade to the broken version starts nothing, waits for nothing and succeeds', async () => {
    await machine.must(`systemctl disable --now ${UNIT}`);
    try {
      const result = await apt('health-demo=1.1.0-1');
      assert.equal(result.code, 0, result.stdout);
      assert.equal(await installed(), '1.1.0-1 install ok installed');
      assert.equal((await machine.sh(`systemctl is-active ${UNIT}`)).stdout.trim(), 'inactive');
    } finally {
      await machine.must(`systemctl enable ${UNIT}`);
    }
    const back = await apt('--allow-downgrades health-demo=1.0.0-1');
    assert.equal(back.code, 0, back.stdout);
    assert.equal(await running(), '1.0.0');
  });

  it('6. a policy-rc.d that answers 101: the broken version installs without a restart or a wait, the old daemon keeps running', async () => {
    await machine.must("printf '#!/bin/sh\\nexit 101\\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d");
    const pid = (await machine.must(`systemctl show -p MainPID --value ${UNIT}`)).trim();
    try {
      const result = await apt('health-demo=1.1.0-1');
      assert.equal(result.code, 0, result.stdout);
      assert.match(result.stdout, /policy-rc\.d returned 101/);
      assert.equal((await machine.must(`systemctl show -p MainPID --value ${UNIT}`)).trim(), pid, 'not restarted');
    } finally {
      await machine.must('rm -f /usr/sbin/policy-rc.d');
    }
  });

  it('7. in an image build (chroot, no systemd running) the broken version installs: nothing is started or waited for', async () => {
    await withOverlay(async (root) => {
      await fs.copyFile(debs['broken']!, path.join(root, 'var/tmp/health-demo.deb'));
      const started = Date.now();
      const result = await chrootSh(root, 'apt-get install -y --no-install-recommends /var/tmp/health-demo.deb </dev/null');
      assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
      assert.ok(Date.now() - started < 60_000);
      assert.doesNotMatch(result.stdout + result.stderr, /debforge: /);
      assert.match(await fs.readlink(path.join(root, 'etc/systemd/system/multi-user.target.wants', UNIT)), /health-demo\.service$/);
    });
  });
});
