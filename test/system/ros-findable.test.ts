import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { build } from '../../src/index.js';
import { FIXTURES, copyTree, tempDir } from '../support/tools.js';
import { Machine, requireRoot } from './harness.js';

/**
 * A daemon package installed on Debian 12 with Debian's own ROS is a ROS package there: rospkg
 * (what roslaunch uses) finds it, and `roslaunch <pkg> <file>.launch` starts a launch file it
 * ships under @CMAKE_INSTALL_PREFIX@/@CATKIN_PACKAGE_SHARE_DESTINATION@/. A port away from ROS's
 * default 11311 keeps this machine clear of any other master on the shared host network.
 */
const EPOCH = 1700000000;
const PORT = 11711;

describe('an installed daemon package is found by rospkg and roslaunch (debian-bookworm)', function () {
  this.timeout(900_000);
  let robot: Machine;
  let deb: string;

  before(async () => {
    requireRoot();
    const dir = path.join(await tempDir(), 'pantilt');
    await copyTree(path.join(FIXTURES, 'metadata', 'pantilt'), dir);
    const launch = path.join(dir, 'files', '@CMAKE_INSTALL_PREFIX@', '@CATKIN_PACKAGE_SHARE_DESTINATION@', 'launch');
    await fs.mkdir(launch, { recursive: true });
    await fs.writeFile(path.join(launch, 'pantilt.launch'), '<launch>\n  <param name="pantilt_rate" value="17"/>\n</launch>\n');
    deb = (await build(dir, { outDir: await tempDir(), profile: 'debian-bookworm', sourceDateEpoch: EPOCH })).path;
    robot = await Machine.boot('findable');
    const install = await robot.aptInstall([deb]);
    assert.equal(install.code, 0, `${install.stdout}\n${install.stderr}`);
  });

  after(async () => {
    await robot?.poweroff();
  });

  it('rospkg finds the package where apt installed its package.xml', async () => {
    const found = await robot.must(`python3 -c "import rospkg; print(rospkg.RosPack().get_path('pantilt'))"`);
    assert.equal(found.trim(), '/usr/share/pantilt');
    await robot.must('test -f /usr/share/pantilt/package.xml && test -f /usr/share/pantilt/launch/pantilt.launch');
  });

  it('roslaunch pantilt pantilt.launch starts the launch file the package ships', async () => {
    const uri = `http://localhost:${PORT}`;
    // roslaunch starts its own master on the port when none answers there.
    await robot.must(`cd /tmp && (ROS_MASTER_URI=${uri} HOME=/tmp timeout 120 roslaunch -p ${PORT} pantilt pantilt.launch >/tmp/roslaunch.log 2>&1 &)`);
    const probe = `python3 -c 'import xmlrpc.client as x; print(x.ServerProxy("${uri}").getParam("/probe", "/pantilt_rate")[2])'`;
    await robot.waitFor(async () => (await robot.sh(probe)).stdout.trim() === '17', 60_000, 'the launch file set /pantilt_rate on the master');
    const log = await robot.must('cat /tmp/roslaunch.log');
    assert.doesNotMatch(log, /cannot locate|not a launch file|RLException/i, log);
  });
});
