// Runs the robot-side ros-network-wait (daemons/ros_network) with an `ip` that reports what each
// case needs, so the waiting, the derived settings and the refusals are checked without touching
// the machine's own network.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, run, tempDir } from '../support/tools.js';

const SCRIPT = path.join(REPO_ROOT, 'daemons', 'ros_network', 'files', 'usr', 'libexec', 'ros-network', 'ros-network-wait');

/**
 * A fake `ip`: `ip link show dev X` succeeds when the interface exists, `ip -4 -o address show
 * dev X scope global` prints an address line once the file `address` holds one.
 */
async function fakeIp(dir: string, existing: boolean): Promise<string> {
  const bin = path.join(dir, 'bin');
  await fs.mkdir(bin, { recursive: true });
  const script = [
    '#!/bin/sh',
    `state=${dir}`,
    'case "$*" in',
    `  "link show dev "*) ${existing ? 'exit 0' : 'echo "Device does not exist." >&2; exit 1'} ;;`,
    '  *"address show dev "*)',
    '    dev=$(echo "$*" | sed "s/.*show dev \\([^ ]*\\).*/\\1/")',
    '    [ -s "$state/address" ] && printf "3: %s    inet %s/24 brd 192.0.2.255 scope global %s\\\\       valid_lft forever\\n" "$dev" "$(cat "$state/address")" "$dev"',
    '    exit 0 ;;',
    'esac',
    'exit 1',
    '',
  ].join('\n');
  await fs.writeFile(path.join(bin, 'ip'), script, { mode: 0o755 });
  return bin;
}

interface Outcome {
  code: number;
  stderr: string;
  output: string | undefined;
  ms: number;
}

async function wait(env: Record<string, string>, options: { existing?: boolean; address?: string } = {}): Promise<Outcome> {
  const dir = await tempDir('debforge-ros-network-');
  const bin = await fakeIp(dir, options.existing ?? true);
  if (options.address !== undefined) await fs.writeFile(path.join(dir, 'address'), options.address);
  const output = path.join(dir, 'network.env');
  const started = Date.now();
  const result = run('sh', [SCRIPT, output], { env: { PATH: `${bin}:/usr/bin:/bin`, ...env } });
  const ms = Date.now() - started;
  const text = await fs.readFile(output, 'utf8').catch(() => undefined);
  return { code: result.code, stderr: result.stderr, output: text, ms };
}

describe('ros-network-wait (the address a ROS service tree follows)', function () {
  this.timeout(30_000);

  it('without ROS_NETWORK_INTERFACE: succeeds at once and derives nothing', async () => {
    const outcome = await wait({});
    assert.deepEqual({ code: outcome.code, output: outcome.output, stderr: outcome.stderr }, { code: 0, output: '', stderr: '' });
  });

  it('derives ROS_IP and the listening address from the interface, and replaces the host `interface` in ROS_DISCOVERY_SERVER', async () => {
    const outcome = await wait(
      { ROS_NETWORK_INTERFACE: 'wlan0', ROS_DISCOVERY_SERVER: '192.0.2.1:11811;interface:11812;myinterface:1' },
      { address: '192.0.2.7' },
    );
    assert.equal(outcome.code, 0, outcome.stderr);
    assert.equal(outcome.output, 'ROS_IP=192.0.2.7\nROS_INTERFACE_ADDRESS=192.0.2.7\nROS_DISCOVERY_SERVER=192.0.2.1:11811;192.0.2.7:11812;myinterface:1\n');
    assert.equal(outcome.stderr, 'ros-network-wait: wlan0 has address 192.0.2.7: ROS_IP=192.0.2.7, ROS_DISCOVERY_SERVER=192.0.2.1:11811;192.0.2.7:11812;myinterface:1\n');
  });

  it('leaves a ROS_DISCOVERY_SERVER that does not name the interface to the environment file', async () => {
    const outcome = await wait({ ROS_NETWORK_INTERFACE: 'eth1', ROS_DISCOVERY_SERVER: '192.0.2.1:11811' }, { address: '192.0.2.8' });
    assert.equal(outcome.code, 0, outcome.stderr);
    assert.equal(outcome.output, 'ROS_IP=192.0.2.8\nROS_INTERFACE_ADDRESS=192.0.2.8\n');
  });

  it('waits at most ROS_NETWORK_WAIT_SECONDS, says what it waits for, and fails so that systemd tries again', async () => {
    const outcome = await wait({ ROS_NETWORK_INTERFACE: 'wlan0', ROS_NETWORK_WAIT_SECONDS: '1' });
    assert.equal(outcome.code, 1);
    assert.equal(outcome.output, undefined, 'nothing written');
    assert.equal(
      outcome.stderr,
      'ros-network-wait: waiting up to 1 s for an IPv4 address on wlan0\n' +
        'ros-network-wait: no IPv4 address on wlan0 after 1 s; trying again (ROS_NETWORK_INTERFACE in /etc/ros-env.conf)\n',
    );
    assert.ok(outcome.ms >= 900 && outcome.ms < 10_000, `waited ${outcome.ms} ms`);
    const missing = await wait({ ROS_NETWORK_INTERFACE: 'wlan9', ROS_NETWORK_WAIT_SECONDS: '1' }, { existing: false });
    assert.match(missing.stderr, /^ros-network-wait: waiting up to 1 s for wlan9, which does not exist yet, to appear and get an IPv4 address$/m);
  });

  it('refuses settings that cannot work with exit 2 and one line naming the file', async () => {
    for (const [env, message] of [
      [{ ROS_NETWORK_INTERFACE: 'wlan0; reboot' }, /^ros-network-wait: ROS_NETWORK_INTERFACE="wlan0; reboot" in \/etc\/ros-env\.conf is not a network interface name/],
      [{ ROS_NETWORK_INTERFACE: 'a-very-long-interface' }, /longer than the 15 characters of an interface name/],
      [{ ROS_NETWORK_INTERFACE: 'wlan0', ROS_NETWORK_WAIT_SECONDS: '0' }, /ROS_NETWORK_WAIT_SECONDS="0" in \/etc\/ros-env\.conf is not a whole number of seconds above 0/],
      [{ ROS_NETWORK_INTERFACE: 'wlan0', ROS_NETWORK_WAIT_SECONDS: '5s' }, /ROS_NETWORK_WAIT_SECONDS="5s"/],
    ] as const) {
      const outcome = await wait(env, { address: '192.0.2.9' });
      assert.equal(outcome.code, 2, JSON.stringify(env));
      assert.match(outcome.stderr, message);
      assert.equal(outcome.stderr.split('\n').filter((l) => l !== '').length, 1, outcome.stderr);
    }
  });
});
