import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { build } from '../../src/index.js';
import { writeOvosStandin } from '../support/ovos-standin.js';
import { REPO_ROOT, tempDir } from '../support/tools.js';
import { Machine, requireRoot } from './harness.js';

/**
 * The OVOS user stack of daemons/ovos_services, built for Debian 12 and installed with apt on a
 * booted systemd, for a lingering user `ovos` whose virtual environment holds a stand-in for the
 * OVOS Python services (see test/support/ovos-standin.ts): the units, the hook, its sd_notify,
 * its venv lookup and its clean stop are the real ones; only OVOS itself is stood in for.
 */
const EPOCH = 1700000000;
const USER = 'ovos';
const VENV = '/home/ovos/.venv';
const GROUP = 'ovos.service';
const MODULES = ['ovos-messagebus.service', 'ovos-skills.service', 'ovos-audio.service', 'ovos-dinkum-listener.service', 'ovos-phal.service'];
const USER_UNITS = [GROUP, ...MODULES];
const ADMIN = 'ovos-admin-phal.service';
/** Hook argument of each unit (the module table's key). */
const HOOK_ARG: Readonly<Record<string, string>> = {
  'ovos-messagebus.service': 'messagebus',
  'ovos-skills.service': 'skills',
  'ovos-audio.service': 'audio',
  'ovos-dinkum-listener.service': 'dinkum-listener',
  'ovos-phal.service': 'phal',
  'ovos-admin-phal.service': 'admin-phal',
};

type Props = Record<string, string>;

describe('the OVOS user stack on a booted systemd, for a lingering user', function () {
  this.timeout(900_000);
  let m: Machine;
  let deb: string;
  let host: string;
  const timings: string[] = [];

  async function userProps(user: string, unit: string, names: string[]): Promise<Props> {
    const r = await m.userSh(user, `systemctl --user show ${names.map((n) => `-p ${n}`).join(' ')} ${unit}`);
    assert.equal(r.code, 0, r.stderr);
    return Object.fromEntries(r.stdout.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  }

  async function userActive(unit: string, user = USER): Promise<string> {
    return (await m.userSh(user, `systemctl --user is-active ${unit}`)).stdout.trim();
  }

  async function allUserUnits(state: string): Promise<boolean> {
    for (const unit of USER_UNITS) if ((await userActive(unit)) !== state) return false;
    return true;
  }

  async function userStates(): Promise<string> {
    const states: string[] = [];
    for (const unit of USER_UNITS) states.push(`${unit}=${await userActive(unit)}`);
    return states.join(' ');
  }

  /** Waits until every user unit of the stack is in `state`; returns the milliseconds it took. */
  async function waitAllUserUnits(state: string, timeoutMs: number): Promise<number> {
    try {
      return await m.waitFor(() => allUserUnits(state), timeoutMs, `every OVOS user unit ${state}`);
    } catch (err) {
      throw new Error(`${(err as Error).message}\nstates: ${await userStates()}`);
    }
  }

  async function mainPids(): Promise<Props> {
    const pids: Props = {};
    for (const unit of MODULES) pids[unit] = (await userProps(USER, unit, ['MainPID']))['MainPID'] ?? '';
    return pids;
  }

  function time(what: string, ms: number, unit = 'ms'): void {
    timings.push(`${what}: ${ms} ${unit}`);
  }

  before(async () => {
    requireRoot();
    host = await tempDir('debforge-ovos-system-');
    deb = (await build(path.join(REPO_ROOT, 'daemons', 'ovos_services'), { outDir: host, profile: 'debian-bookworm', sourceDateEpoch: EPOCH })).path;
    m = await Machine.boot('ovos');
    time('boot', m.bootMs);
    // The one-time setup of docs/ovos.md: the user, lingering, and a venv holding OVOS (here
    // the stand-in instead of `pip install`).
    await m.addLingeringUser(USER);
    // A second user who logs in, to show the stack stays out of other users' managers.
    await m.addLingeringUser('alice');
    await m.must(`python3 -m venv --without-pip ${VENV}`, { user: USER });
    const purelib = (await m.must(`${VENV}/bin/python3 -c 'import sysconfig; print(sysconfig.get_path("purelib"))'`, { user: USER })).trim();
    const standin = path.join(host, 'standin');
    await writeOvosStandin(standin);
    const inside = await m.copyIn(standin);
    await m.must(`cp -r ${inside}/. ${purelib}/ && chown -R ${USER}:${USER} ${VENV}`);
  });

  after(async () => {
    if (timings.length > 0) process.stdout.write(`      timings: ${timings.join('; ')}\n`);
    await m?.poweroff();
    if (host !== undefined) await fs.rm(host, { recursive: true, force: true });
  });

  it('5a. installed with apt: every user unit is active for the lingering user, in the venv, and only for that user', async () => {
    const started = Date.now();
    const install = await m.aptInstall([deb]);
    assert.equal(install.code, 0, `${install.stdout}\n${install.stderr}`);
    time('apt-get install', Date.now() - started);
    // The postinst starts ovos.service in the running user managers; it pulls in its modules.
    time('all six user units active after apt returned', await waitAllUserUnits('active', 60_000));
    for (const unit of MODULES) {
      const props = await userProps(USER, unit, ['MainPID', 'Type', 'NRestarts']);
      assert.equal(props['Type'], 'notify', unit);
      assert.equal(props['NRestarts'], '0', `${unit} never restarted`);
      // The hook re-executed itself with the venv's interpreter, keeping its PID (the unit's main process).
      const cmdline = (await m.must(`tr '\\0' ' ' < /proc/${props['MainPID']}/cmdline`)).trim();
      assert.equal(cmdline, `${VENV}/bin/python3 /usr/libexec/ovos/ovos-hook ${HOOK_ARG[unit]}`, unit);
    }
    assert.equal((await m.sh(`test -L /etc/systemd/user/default.target.wants/${GROUP} && test -L /etc/systemd/user/ovos.service.wants/ovos-audio.service`)).code, 0, 'enabled globally');
    // ConditionUser=ovos: the other user's manager has them enabled too, but does not run them.
    for (const unit of USER_UNITS) assert.equal(await userActive(unit, 'alice'), 'inactive', `${unit} for alice`);
  });

  it('5b. the admin-phal system unit is active and runs as root', async () => {
    await m.waitFor(async () => (await m.sh(`systemctl is-active ${ADMIN}`)).stdout.trim() === 'active', 30_000, `${ADMIN} active`);
    const pid = (await m.must(`systemctl show -p MainPID --value ${ADMIN}`)).trim();
    assert.equal((await m.must(`ps -o user= -p ${pid}`)).trim(), 'root');
    assert.equal((await m.must(`tr '\\0' ' ' < /proc/${pid}/cmdline`)).trim(), `${VENV}/bin/python3 /usr/libexec/ovos/ovos-hook admin-phal`);
    // Running as root from the user's venv writes no root-owned bytecode into it.
    assert.equal((await m.must(`find ${VENV} -user root | wc -l`)).trim(), '0');
  });

  it('5c. `systemctl --user stop ovos` stops them all, each cleanly; `systemctl --user start ovos` brings them back', async () => {
    const before = await mainPids();
    let started = Date.now();
    await m.userSh(USER, `systemctl --user stop ${GROUP}`).then((r) => assert.equal(r.code, 0, r.stderr));
    time('systemctl --user stop ovos returned', Date.now() - started);
    time('all six inactive after it', await waitAllUserUnits('inactive', 30_000));
    for (const unit of MODULES) {
      // Exited by itself with status 0 (CLD_EXITED = 1): the hook turned SIGTERM into the OVOS
      // stop path, rather than being killed by the signal.
      const props = await userProps(USER, unit, ['ExecMainCode', 'ExecMainStatus', 'Result']);
      assert.deepEqual(props, { ExecMainCode: '1', ExecMainStatus: '0', Result: 'success' }, unit);
    }
    const journal = await m.must(`journalctl --no-pager -o cat _SYSTEMD_USER_UNIT=ovos-skills.service`);
    assert.match(journal, /stand-in skills: stopping/);
    assert.match(journal, /OVOS skills service stopped on SIGTERM/);

    started = Date.now();
    await m.userSh(USER, `systemctl --user start ${GROUP}`).then((r) => assert.equal(r.code, 0, r.stderr));
    time('all six active again after systemctl --user start ovos', Date.now() - started + (await waitAllUserUnits('active', 60_000)));
    const after = await mainPids();
    for (const unit of MODULES) assert.notEqual(after[unit], before[unit], `${unit} has a new process`);
  });

  it('5d. with the venv missing, the hook fails once with one clear message in the journal, user and system units alike', async () => {
    await m.must(`mv ${VENV} ${VENV}.off`);
    const r = await m.userSh(USER, 'systemctl --user restart ovos-messagebus.service');
    assert.notEqual(r.code, 0, 'the restart fails');
    const conffile = await fs.readFile(path.join(REPO_ROOT, 'daemons', 'ovos_services', 'files', 'etc', 'ovos', 'ovos-env.conf'), 'utf8');
    const line = conffile.split('\n').findIndex((l) => l.startsWith('OVOS_VENV=')) + 1;
    const expected = `ovos-hook: the OVOS Python environment ${VENV} named by OVOS_VENV in /etc/ovos/ovos-env.conf:${line} does not exist: create it`;
    const userJournal = (): Promise<string> => m.must('journalctl --no-pager -o cat _SYSTEMD_USER_UNIT=ovos-messagebus.service');
    await m.waitFor(async () => (await userJournal()).includes(expected), 10_000, 'the message in the journal of ovos-messagebus');
    const props = await userProps(USER, 'ovos-messagebus.service', ['ActiveState', 'ExecMainStatus', 'NRestarts']);
    // Exit 78 is excluded from Restart=on-failure: one failure, one message, no restart loop.
    assert.deepEqual(props, { ActiveState: 'failed', ExecMainStatus: '78', NRestarts: '0' });
    assert.equal((await userJournal()).split('\n').filter((l) => l.includes('does not exist')).length, 1, 'one message');

    const s = await m.sh(`systemctl restart ${ADMIN}`);
    assert.notEqual(s.code, 0, 'the restart of the system unit fails');
    await m.waitFor(async () => (await m.must(`journalctl --no-pager -o cat -u ${ADMIN}`)).includes(expected), 10_000, `the message in the journal of ${ADMIN}`);
    assert.equal((await m.must(`systemctl show -p ActiveState --value ${ADMIN}`)).trim(), 'failed');

    // The venv is back, but without the audio service's module: the message names the pip package.
    await m.must(`mv ${VENV}.off ${VENV} && rm -r $(${VENV}/bin/python3 -c 'import sysconfig; print(sysconfig.get_path("purelib"))')/ovos_audio`);
    const a = await m.userSh(USER, 'systemctl --user restart ovos-audio.service');
    assert.notEqual(a.code, 0);
    await m.waitFor(
      async () => (await m.must('journalctl --no-pager -o cat _SYSTEMD_USER_UNIT=ovos-audio.service')).includes(`ovos-hook: cannot start the OVOS audio service: Python module ovos_audio is not installed in ${VENV}`),
      10_000,
      'the missing-module message in the journal of ovos-audio',
    );
  });

  it('5e. once OVOS is installed again the stack starts; an upgrade restarts each module once; removal stops every unit', async () => {
    await writeOvosStandin(path.join(host, 'standin2'));
    const inside = await m.copyIn(path.join(host, 'standin2'));
    await m.must(`cp -r ${inside}/. $(${VENV}/bin/python3 -c 'import sysconfig; print(sysconfig.get_path("purelib"))')/ && chown -R ${USER}:${USER} ${VENV}`);
    await m.userSh(USER, `systemctl --user reset-failed && systemctl --user start ${GROUP}`).then((r) => assert.equal(r.code, 0, r.stderr));
    await m.must(`systemctl reset-failed ${ADMIN} && systemctl start ${ADMIN}`);
    await waitAllUserUnits('active', 60_000);

    // An upgrade (here a reinstall: postinst configure with the old version) restarts the stack.
    const before = await mainPids();
    const startsOf = async (unit: string): Promise<number> =>
      (await m.must(`journalctl --no-pager -o cat _SYSTEMD_USER_UNIT=${unit}`)).split('\n').filter((l) => /^stand-in \S+: pid /.test(l)).length;
    const skillStarts = await startsOf('ovos-skills.service');
    const inside2 = await m.copyIn(deb);
    const upgrade = await m.sh(`DEBIAN_FRONTEND=noninteractive apt-get install -y --reinstall ${inside2}`, { timeoutSec: 300 });
    assert.equal(upgrade.code, 0, `${upgrade.stdout}\n${upgrade.stderr}`);
    await waitAllUserUnits('active', 60_000);
    const after = await mainPids();
    for (const unit of MODULES) assert.notEqual(after[unit], before[unit], `${unit} restarted on upgrade`);
    await m.waitFor(async () => (await startsOf('ovos-skills.service')) > skillStarts, 10_000, 'the restart in the journal');
    // The scripts restart ovos.service only (see package.xml): each module restarts once, not twice.
    assert.equal((await startsOf('ovos-skills.service')) - skillStarts, 1, 'ovos-skills started once during the upgrade');

    // The scripts stop ovos.service only; modules started on their own stop with it (PartOf),
    // even while ovos.service itself is inactive.
    await m.userSh(USER, `systemctl --user stop ${GROUP} && systemctl --user start ovos-audio.service`).then((r) => assert.equal(r.code, 0, r.stderr));
    assert.equal(await userActive('ovos-audio.service'), 'active');
    assert.equal(await userActive('ovos-messagebus.service'), 'active', 'pulled in by ovos-audio (Wants=)');
    assert.equal(await userActive(GROUP), 'inactive');
    const remove = await m.sh('DEBIAN_FRONTEND=noninteractive apt-get remove -y ovos-services', { timeoutSec: 300 });
    assert.equal(remove.code, 0, `${remove.stdout}\n${remove.stderr}`);
    await waitAllUserUnits('inactive', 30_000);
    assert.equal((await m.sh(`systemctl is-active ${ADMIN}`)).stdout.trim(), 'inactive');
    // ('[o]' keeps the pattern from matching the command lines that run pgrep itself)
    const left = await m.sh("pgrep -a -f 'libexec/ovos/[o]vos-hook'");
    assert.equal(left.code, 1, `no hook process left: ${left.stdout}`);
  });
});
