import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { build } from '../../src/index.js';
import { FIXTURES, copyTree, lintianFindings, tempDir } from '../support/tools.js';
import { BOOKWORM, Machine, TRIXIE, chrootSh, requireRoot, withOverlay, type Release } from './harness.js';

const EPOCH = 1700000000;
const LOG = '/var/log/svc-demo.log';
/** Every call of deb-systemd-invoke the maintainer scripts make, one line of arguments each. */
const INVOKE_TRACE = '/var/log/deb-systemd-invoke.trace';

/**
 * Builds a fixture at a given package.xml version, with the release's profile: `plain` on Debian
 * 12, `debian-trixie` on Debian 13 (whose Debian revision ends in +deb13). The scripts find out at
 * run time which init-system-helpers they run with.
 */
async function buildVersion(fixture: string, version: string, out: string, profile: string): Promise<string> {
  const dir = path.join(await tempDir(), fixture);
  await copyTree(path.join(FIXTURES, 'system', fixture), dir);
  const manifest = path.join(dir, 'package.xml');
  await fs.writeFile(manifest, (await fs.readFile(manifest, 'utf8')).replace(/<version>[^<]+<\/version>/, `<version>${version}</version>`));
  const result = await build(dir, { outDir: out, profile, sourceDateEpoch: EPOCH });
  return result.path;
}

async function state(machine: Machine, unit: string): Promise<{ enabled: string; active: string; pid: string }> {
  const enabled = (await machine.sh(`systemctl is-enabled ${unit}`)).stdout.trim();
  const active = (await machine.sh(`systemctl is-active ${unit}`)).stdout.trim();
  const pid = (await machine.sh(`systemctl show -p MainPID --value ${unit}`)).stdout.trim();
  return { enabled, active, pid };
}

/** dpkg with no terminal and no answer to give: a conffile prompt would fail the command. */
async function dpkgInstall(machine: Machine, deb: string): Promise<void> {
  const inside = await machine.copyIn(deb);
  await machine.must(`DEBIAN_FRONTEND=noninteractive dpkg -i ${inside} </dev/null`, { timeoutSec: 180 });
}

async function logLines(machine: Machine): Promise<string[]> {
  return (await machine.must(`cat ${LOG}`)).split('\n').filter((l) => l !== '');
}

/**
 * Puts a recording wrapper in place of deb-systemd-invoke (a local dpkg diversion, as an admin
 * would), so a test sees which path the maintainer scripts take.
 */
async function traceDebSystemdInvoke(machine: Machine): Promise<void> {
  await machine.must('dpkg-divert --quiet --local --rename --divert /usr/bin/deb-systemd-invoke.real --add /usr/bin/deb-systemd-invoke');
  const wrapper = `#!/bin/sh\nprintf '%s\\n' "$*" >> ${INVOKE_TRACE}\nexec /usr/bin/deb-systemd-invoke.real "$@"\n`;
  await machine.must(`cat > /usr/bin/deb-systemd-invoke && chmod 755 /usr/bin/deb-systemd-invoke && : > ${INVOKE_TRACE}`, { input: wrapper });
}

async function invokeTrace(machine: Machine): Promise<string[]> {
  return (await machine.must(`cat ${INVOKE_TRACE}`)).split('\n').filter((l) => l !== '');
}

/**
 * The same daemon twice: in debforge's own layout (svc_demo), and in the seed's catkin layout
 * (svc_demo_catkin: CMakeLists.txt install rules, units installed to /etc/systemd/system,
 * hand-written postinst and prerm calling systemctl for each unit, a bloom preinst.em). Both
 * must behave exactly alike through the whole life cycle.
 */
const SERVICE_FIXTURES = ['svc_demo', 'svc_demo_catkin'] as const;

/**
 * Debian 12 (init-system-helpers 1.65: user units are driven with `systemctl --user -M user@`)
 * runs both layouts; Debian 13 (1.69: through `deb-systemd-invoke --user`) runs debforge's own
 * layout and the user units.
 */
const CASES: ReadonlyArray<{ fixture: (typeof SERVICE_FIXTURES)[number]; release: Release; profile: string; revision: string; machine: string; userInvoke: boolean }> = [
  { fixture: 'svc_demo', release: BOOKWORM, profile: 'plain', revision: '1', machine: 'maintscripts', userInvoke: false },
  { fixture: 'svc_demo_catkin', release: BOOKWORM, profile: 'plain', revision: '1', machine: 'maintscripts-catkin', userInvoke: false },
  { fixture: 'svc_demo', release: TRIXIE, profile: 'debian-trixie', revision: '1+deb13', machine: 'maintscripts-trixie', userInvoke: true },
];

for (const { fixture, release, profile, revision, machine: machineName, userInvoke } of CASES) {
  describe(`maintainer scripts on a booted systemd (debhelper semantics): ${fixture} on Debian ${release.suite}`, function () {
    this.timeout(900_000);
    let machine: Machine;
    const debs: Record<string, string> = {};
    const native = fixture === 'svc_demo';

    before(async () => {
      requireRoot();
      const out = await tempDir();
      debs['v1'] = await buildVersion(fixture, '1.0.0', out, profile);
      debs['v2'] = await buildVersion(fixture, '1.1.0', out, profile);
      debs['v3'] = await buildVersion(fixture, '1.2.0', out, profile);
      if (native) {
        debs['user1'] = await buildVersion('user_demo', '1.0.0', out, profile);
        debs['user2'] = await buildVersion('user_demo', '1.1.0', out, profile);
        debs['user3'] = await buildVersion('user_demo', '1.2.0', out, profile);
      }
      machine = await Machine.boot(machineName, { release });
      await traceDebSystemdInvoke(machine);
    });

    after(async () => {
      await machine?.poweroff();
    });

    it('every package these tests install is lintian-clean', () => {
      for (const deb of Object.values(debs)) assert.deepEqual(lintianFindings(deb, 'plain'), [], deb);
    });

    it('1. fresh install: the unit is enabled and active; the fragment ran with configure and no old version', async () => {
      await dpkgInstall(machine, debs['v1']!);
      for (const unit of ['svc-demo.service', 'svc-demo-steady.service']) {
        await machine.waitFor(async () => (await state(machine, unit)).active === 'active', 10_000, `${unit} active`);
        assert.equal((await state(machine, unit)).enabled, 'enabled');
      }
      const lines = await logLines(machine);
      assert.ok(lines.includes('postinst configure '), `postinst saw configure and an empty old version: ${lines.join(' | ')}`);
      await machine.waitFor(async () => (await logLines(machine)).includes('started main 1.0.0 hello'), 10_000, 'the service read its conffile');
    });

    it('2. upgrade: restarted with a new main PID; the fragment saw the old version; restart-on-upgrade off stops in preinst', async () => {
      const before = await state(machine, 'svc-demo.service');
      await machine.must(`: > ${LOG}`);
      await dpkgInstall(machine, debs['v2']!);
      const after = await state(machine, 'svc-demo.service');
      assert.equal(after.active, 'active');
      assert.notEqual(after.pid, before.pid, 'a new main PID after the upgrade');
      await machine.waitFor(async () => (await logLines(machine)).includes('started steady 1.1.0 '), 10_000, 'steady service restarted');
      const lines = await logLines(machine);
      const old = `1.0.0-${revision}`;
      assert.ok(lines.includes(`postinst configure ${old}`), lines.join(' | '));
      // restart-on-upgrade on: stopped by the restart after postinst's fragment ran.
      assert.ok(lines.indexOf('stopped main 1.0.0') > lines.indexOf(`postinst configure ${old}`), lines.join(' | '));
      // restart-on-upgrade off: stopped in preinst, before the new files were unpacked.
      assert.ok(lines.indexOf('stopped steady 1.0.0') > lines.indexOf(`preinst upgrade ${old}`), lines.join(' | '));
      assert.ok(lines.indexOf('stopped steady 1.0.0') < lines.indexOf(`postinst configure ${old}`), lines.join(' | '));
    });

    it('3. an admin disable, stop and conffile edit survive a non-interactive upgrade', async () => {
      await machine.must('systemctl disable --now svc-demo.service && sed -i s/GREETING=hello/GREETING=admin/ /etc/svc-demo/svc-demo.conf');
      await dpkgInstall(machine, debs['v3']!);
      const after = await state(machine, 'svc-demo.service');
      assert.equal(after.enabled, 'disabled');
      assert.equal(after.active, 'inactive');
      assert.match(await machine.must('cat /etc/svc-demo/svc-demo.conf'), /^GREETING=admin$/m);
      assert.equal((await state(machine, 'svc-demo-steady.service')).active, 'active', 'the other unit is untouched');
    });

    it('4. remove stops and keeps the conffile; purge leaves nothing of the package', async () => {
      await machine.must('systemctl enable --now svc-demo.service');
      await machine.must('dpkg --remove svc-demo');
      // The seed-layout prerm's own lines ran; its systemctl lines were left out.
      if (!native) assert.ok((await logLines(machine)).includes('prerm remove '), (await logLines(machine)).join(' | '));
      for (const unit of ['svc-demo.service', 'svc-demo-steady.service']) {
        assert.equal((await state(machine, unit)).active, 'inactive', unit);
      }
      assert.equal((await machine.sh('test -e /usr/lib/systemd/system/svc-demo.service')).code, 1, 'unit file gone');
      assert.match(await machine.must('cat /etc/svc-demo/svc-demo.conf'), /GREETING=admin/);
      await machine.must('dpkg --purge svc-demo');
      const leftovers = await machine.must(
        "find /etc /usr /var/lib/systemd /var/lib/dpkg/info \\( -name '*svc-demo*' -o -name '*svc_demo*' \\) -print 2>/dev/null; true",
      );
      assert.equal(leftovers.trim(), '', `left behind after purge:\n${leftovers}`);
      assert.equal((await machine.sh('dpkg -s svc-demo')).code, 1);
    });

    it('5. reinstall after remove enables and starts again, as debhelper does', async () => {
      await dpkgInstall(machine, debs['v1']!);
      await machine.must('dpkg --remove svc-demo');
      await dpkgInstall(machine, debs['v1']!);
      const after = await state(machine, 'svc-demo.service');
      assert.equal(after.enabled, 'enabled');
      await machine.waitFor(async () => (await state(machine, 'svc-demo.service')).active === 'active', 10_000, 'active after reinstall');
      await machine.must('dpkg --purge svc-demo');
    });

    // The user-unit daemon has one layout: it is exercised once per release, beside the native service daemon.
    if (native) it(`7. user units of a lingering user: install, upgrade (restart), admin disable kept, remove, purge, ${userInvoke ? 'through deb-systemd-invoke --user' : 'through systemctl --user -M'}`, async () => {
      const helpers = (await machine.must("dpkg-query -W -f='${Version}' init-system-helpers")).trim();
      const hasUserInvoke = (await machine.sh(`dpkg --compare-versions '${helpers}' ge 1.66`)).code === 0;
      assert.equal(hasUserInvoke, userInvoke, `init-system-helpers ${helpers} on Debian ${release.suite}`);
      await machine.addLingeringUser('robot');
      const userState = async (): Promise<{ active: string; enabled: string; pid: string }> => ({
        active: (await machine.userSh('robot', 'systemctl --user is-active user-demo.service')).stdout.trim(),
        enabled: (await machine.userSh('robot', 'systemctl --user is-enabled user-demo.service')).stdout.trim(),
        pid: (await machine.userSh('robot', 'systemctl --user show -p MainPID --value user-demo.service')).stdout.trim(),
      });
      const globalLink = '/etc/systemd/user/default.target.wants/user-demo.service';
      await machine.must(`: > ${INVOKE_TRACE}`);

      await dpkgInstall(machine, debs['user1']!);
      await machine.waitFor(async () => (await userState()).active === 'active', 15_000, 'user unit active after install');
      assert.equal((await machine.sh(`test -L ${globalLink}`)).code, 0, 'enabled globally');
      const first = await userState();
      assert.equal(first.enabled, 'enabled');

      await dpkgInstall(machine, debs['user2']!);
      await machine.waitFor(async () => {
        const now = await userState();
        return now.active === 'active' && now.pid !== first.pid;
      }, 15_000, 'user unit restarted with a new PID on upgrade');

      // The admin turns the unit off for every user; an upgrade must neither enable nor start it.
      await machine.must('systemctl --global disable user-demo.service');
      assert.equal((await machine.userSh('robot', 'systemctl --user stop user-demo.service')).code, 0);
      await dpkgInstall(machine, debs['user3']!);
      const afterDisabledUpgrade = await userState();
      assert.equal(afterDisabledUpgrade.enabled, 'disabled', 'the admin disable survives the upgrade');
      assert.equal(afterDisabledUpgrade.active, 'inactive', 'a disabled user unit is not started by the upgrade');
      assert.equal((await machine.sh(`test -e ${globalLink}`)).code, 1, 'no global link came back');

      await machine.must('systemctl --global enable user-demo.service');
      assert.equal((await machine.userSh('robot', 'systemctl --user start user-demo.service')).code, 0);
      await machine.must('dpkg --remove user-demo');
      await machine.waitFor(async () => (await userState()).active !== 'active', 15_000, 'user unit stopped on remove');
      await machine.must('dpkg --purge user-demo');
      assert.equal((await machine.sh(`test -e ${globalLink}`)).code, 1, 'global enablement removed on purge');

      const userCalls = (await invokeTrace(machine)).filter((l) => l.startsWith('--user '));
      if (userInvoke) {
        // init-system-helpers >= 1.66: every runtime action went through deb-systemd-invoke --user.
        for (const call of ['--user start user-demo.service', '--user restart user-demo.service', '--user stop user-demo.service']) {
          assert.ok(userCalls.includes(call), `the scripts ran deb-systemd-invoke ${call}; calls seen:\n${userCalls.join('\n')}`);
        }
      } else {
        assert.deepEqual(userCalls, [], 'init-system-helpers 1.65 has no --user: the scripts reach user managers themselves');
      }
    });
  });
}

describe('maintainer scripts in an image build (chroot, systemd not running)', function () {
  this.timeout(900_000);

  for (const fixture of SERVICE_FIXTURES) {
    for (const policy of ['without policy-rc.d', 'with a policy-rc.d that answers 101']) {
      it(`6. ${fixture}: apt-get install succeeds ${policy}: the unit is enabled, nothing is started; remove and purge succeed`, async () => {
        requireRoot();
        const out = await tempDir();
        const deb = await buildVersion(fixture, '1.0.0', out, 'plain');
        await withOverlay(async (root) => {
          await fs.copyFile(deb, path.join(root, 'var/tmp/svc-demo.deb'));
          if (policy.startsWith('with ')) {
            await fs.writeFile(path.join(root, 'usr/sbin/policy-rc.d'), '#!/bin/sh\nexit 101\n', { mode: 0o755 });
          }
          const result = await chrootSh(root, 'apt-get install -y --no-install-recommends /var/tmp/svc-demo.deb </dev/null');
          assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
          const link = path.join(root, 'etc/systemd/system/multi-user.target.wants/svc-demo.service');
          // deb-systemd-helper links to /lib/... or /usr/lib/...: the same file on merged-/usr Debian.
          assert.match(await fs.readlink(link), /^(\/usr)?\/lib\/systemd\/system\/svc-demo\.service$/);
          const log = await fs.readFile(path.join(root, LOG.slice(1)), 'utf8');
          assert.doesNotMatch(log, /started/, 'nothing was started in the chroot');
          assert.match(log, /postinst configure/);
          for (const action of ['--remove', '--purge']) {
            const removed = await chrootSh(root, `dpkg ${action} svc-demo </dev/null`);
            assert.equal(removed.code, 0, `dpkg ${action}: ${removed.stdout}\n${removed.stderr}`);
          }
          assert.equal(await fs.readlink(link).catch(() => 'gone'), 'gone', 'purge removed the enablement link');
        });
      });
    }
  }
});
