/**
 * A repository with the packages of both architectures of one daemon folder (files-amd64/,
 * files-arm64/) and an Architecture: all package, on the booted test machine with the other
 * architecture added to dpkg: apt-get update is clean, `apt-get download <pkg>:<other>` fetches
 * the other architecture's package, and the machine's own is installed and runs.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { HOST, OTHER, twoArchitectureFolder } from '../support/multiarch.js';
import { debforge, must, tempDir } from '../support/tools.js';
import { makeKey, stopGpgAgents } from '../support/repo-packages.js';
import { publishSigned, serve } from './apt-repo.js';
import { Machine, requireRoot } from './harness.js';

const env = { ...process.env, SOURCE_DATE_EPOCH: '1700000000' };
const KEYRING = '/usr/share/keyrings/debforge-multiarch.gpg';

describe('a repository of two architectures on a booted Debian 12 with a foreign architecture', function () {
  this.timeout(900_000);
  let machine: Machine | undefined;
  let server: Awaited<ReturnType<typeof serve>> | undefined;

  after(async () => {
    await machine?.poweroff();
    await server?.close();
    stopGpgAgents();
  });

  it(`acceptance 3: apt-get update is clean and apt-get download robot-driver:${OTHER} fetches the ${OTHER} package`, async () => {
    requireRoot();
    const out = await tempDir();
    const built = debforge(['build', await twoArchitectureFolder(), '--profile', 'plain', '--out', out], { env });
    assert.equal(built.code, 0, built.stderr);
    const config = path.join(await tempDir(), 'robot_config');
    assert.equal(debforge(['new', 'robot_config', '--kind', 'plain', '--dir', path.dirname(config)]).code, 0);
    const all = debforge(['build', config, '--profile', 'plain', '--out', out], { env });
    assert.equal(all.code, 0, all.stderr);

    const key = await makeKey('Robot Fleet');
    const repo = path.join(await tempDir('debforge-repo-'), 'apt');
    publishSigned(repo, key, [out]);
    const release = await fs.readFile(path.join(repo, 'dists', 'bookworm', 'Release'), 'utf8');
    assert.match(release, new RegExp(`^Architectures: all ${[HOST, OTHER].sort().join(' ')}$`, 'm'));
    for (const arch of [HOST, OTHER]) {
      const packages = await fs.readFile(path.join(repo, 'dists', 'bookworm', 'main', `binary-${arch}`, 'Packages'), 'utf8');
      assert.match(packages, new RegExp(`^Package: robot-driver\\nArchitecture: ${arch}$`, 'm'), `binary-${arch} lists the ${arch} package`);
    }

    server = await serve(repo);
    machine = await Machine.boot('multiarch');
    await machine.must(`dpkg --add-architecture ${OTHER}`);
    await machine.must(`/usr/lib/apt/apt-helper download-file ${server.url}/archive-keyring.gpg ${KEYRING}`);
    // Only this repository: the machine's Debian mirror (and its foreign-architecture indexes) is not under test.
    await machine.must(`rm -f /etc/apt/sources.list /etc/apt/sources.list.d/* && echo 'deb [signed-by=${KEYRING}] ${server.url} bookworm main' > /etc/apt/sources.list.d/fleet.list`);
    const update = await machine.sh('apt-get update 2>&1', { timeoutSec: 120 });
    assert.equal(update.code, 0, update.stdout);
    assert.deepEqual(update.stdout.split('\n').filter((line) => /^(W|E|N|Err):?/.test(line)), [], update.stdout);
    for (const index of [HOST, OTHER, 'all']) assert.match(update.stdout, new RegExp(`bookworm/main ${index} Packages`), `apt reads binary-${index}`);

    const download = await machine.sh(`cd /root && apt-get download robot-driver:${OTHER} 2>&1`, { timeoutSec: 120 });
    assert.equal(download.code, 0, download.stdout);
    const fetched = (await machine.must('ls /root')).split('\n').filter((name) => name.endsWith('.deb'));
    assert.deepEqual(fetched, [`robot-driver_1.2.0-1_${OTHER}.deb`]);
    assert.equal((await machine.must(`dpkg-deb -f /root/${fetched[0]} Architecture`)).trim(), OTHER);
    const inside = await machine.must(`dpkg-deb --fsys-tarfile /root/${fetched[0]} | tar -xO ./usr/libexec/robot-driver/robot-driver-bin | head -c 20 | od -An -tu1`);
    const machineField = inside.trim().split(/\s+/).map(Number);
    assert.equal(machineField[18]! + 256 * machineField[19]!, OTHER === 'arm64' ? 183 : 62, `the ${OTHER} binary's e_machine`);

    // The machine's own architecture and the `all` package install; the native binary runs.
    await machine.must('DEBIAN_FRONTEND=noninteractive apt-get install -y robot-driver robot-config </dev/null', { timeoutSec: 300 });
    assert.equal((await machine.must("dpkg-query -W -f '${Architecture}' robot-driver")).trim(), HOST);
    assert.equal((await machine.sh('/usr/libexec/robot-driver/robot-driver-bin')).code, 0);
    const triplet = must('dpkg-architecture', [`-a${HOST}`, '-qDEB_HOST_MULTIARCH']).trim();
    await machine.must(`test -f /usr/lib/${triplet}/robot-driver/calibration.yaml`);
  });
});
