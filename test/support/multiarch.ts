/**
 * A daemon folder with files-<arch>/ folders for the machine's own architecture and one other:
 * the machine's /usr/bin/true as its own binary, an assembled executable (elf.ts) as the other's.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { amd64Executable, arm64Executable } from './elf.js';
import { must, tempDir } from './tools.js';

/** The machine's own architecture: its /usr/bin/true is a real binary of it. */
export const HOST = must('dpkg', ['--print-architecture']).trim();
/** The other architecture of the pair, whose binary the tests assemble. */
export const OTHER = HOST === 'arm64' ? 'amd64' : 'arm64';

/** An executable of OTHER that exits 0, needing `needed`. */
export function otherExecutable(needed: readonly string[] = ['libc.so.6']): Buffer {
  return OTHER === 'arm64' ? arm64Executable(needed) : amd64Executable(needed);
}

export const MANIFEST = (extra = ''): string => `<?xml version="1.0"?>
<package format="3">
  <name>robot_driver</name>
  <version>1.2.0</version>
  <description>Motor driver daemon for the robot base.

  Talks to the motor controllers and publishes odometry.</description>
  <maintainer email="robotics@example.org">Robotics Team</maintainer>
  <license>Apache-2.0</license>
  <export><debforge><depends>libc6</depends>${extra}</debforge></export>
</package>
`;

const UNIT = `[Unit]
Description=Robot motor driver

[Service]
ExecStart=/usr/libexec/robot-driver/robot-driver
Environment=ROBOT_ARCH=@DEB_HOST_ARCH@ ROBOT_TRIPLET=@DEB_HOST_MULTIARCH@

[Install]
WantedBy=multi-user.target
`;

/**
 * robot_driver: files/ (a script, a path using the triplet), files-<HOST>/ and files-<OTHER>/
 * each holding its binary, or each other's when `swap` is set.
 */
export async function twoArchitectureFolder(swap = false): Promise<string> {
  const dir = path.join(await tempDir(), 'robot_driver');
  await fs.mkdir(path.join(dir, 'etc'), { recursive: true });
  await fs.writeFile(path.join(dir, 'package.xml'), MANIFEST());
  await fs.writeFile(path.join(dir, 'etc', 'robot-driver.service.in'), UNIT);
  const script = path.join(dir, 'files', 'usr', 'libexec', 'robot-driver', 'robot-driver');
  await fs.mkdir(path.dirname(script), { recursive: true });
  await fs.writeFile(script, '#!/bin/sh\nexec /usr/libexec/robot-driver/robot-driver-bin "$@"\n', { mode: 0o755 });
  const triplet = path.join(dir, 'files', 'usr', 'lib', '@DEB_HOST_MULTIARCH@', 'robot-driver', 'calibration.yaml');
  await fs.mkdir(path.dirname(triplet), { recursive: true });
  await fs.writeFile(triplet, 'wheel_base: 0.42\n');
  const binaries: [string, Buffer][] = [
    [HOST, await fs.readFile('/usr/bin/true')],
    [OTHER, otherExecutable()],
  ];
  for (const [arch, bytes] of binaries) {
    const folder = swap ? (arch === HOST ? OTHER : HOST) : arch;
    const file = path.join(dir, `files-${folder}`, 'usr', 'libexec', 'robot-driver', 'robot-driver-bin');
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, bytes, { mode: 0o755 });
  }
  return dir;
}
