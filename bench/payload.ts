// The benchmark's payload: a daemon folder with maps and models generated deterministically
// (AES-CTR random bytes, seeded text-like lines), written in chunks so memory stays small.
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { arm64Executable } from '../test/support/elf.js';
import { SeededText, seededRandomStream } from '../test/support/seeded.js';

const MIB = 1024 * 1024;
const FILE_MIB = 32;

/** Writes `size` incompressible, reproducible bytes (AES-128-CTR keystream) to `file`. */
function writeRandomFile(file: string, size: number, seed: number): void {
  const random = seededRandomStream(`debforge-bench-${seed}`);
  const fd = openSync(file, 'w');
  try {
    for (let left = size; left > 0; left -= 4 * MIB) writeSync(fd, random(Math.min(left, 4 * MIB)));
  } finally {
    closeSync(fd);
  }
}

function writeTextFile(file: string, size: number, source: SeededText): void {
  const chunk = Buffer.allocUnsafe(4 * MIB);
  const fd = openSync(file, 'w');
  try {
    for (let left = size; left > 0; left -= chunk.length) {
      const part = chunk.subarray(0, Math.min(left, chunk.length));
      source.fill(part);
      writeSync(fd, part);
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * A daemon folder with `mib` MiB of payload: 3/8 random "models", 5/8 text-like "maps", in 32 MiB
 * files. With `architecture` (arm64), the payload and a small executable of that architecture go
 * in files-<architecture>/, so the folder builds that architecture's package.
 */
export function makePayloadDaemon(dir: string, mib: number, architecture?: 'arm64'): void {
  const randomMiB = Math.round((mib * 96) / 256);
  const textMiB = mib - randomMiB;
  const payloadRoot = path.join(dir, architecture === undefined ? 'files' : `files-${architecture}`);
  const share = path.join(payloadRoot, 'usr', 'share', 'bench-payload');
  if (architecture !== undefined) {
    mkdirSync(path.join(payloadRoot, 'usr', 'bin'), { recursive: true });
    writeFileSync(path.join(payloadRoot, 'usr', 'bin', 'bench-payload'), arm64Executable(), { mode: 0o755 });
  }
  mkdirSync(path.join(share, 'models'), { recursive: true });
  mkdirSync(path.join(share, 'maps'), { recursive: true });
  writeFileSync(
    path.join(dir, 'package.xml'),
    `<?xml version="1.0"?>
<package format="2">
  <name>bench_payload</name>
  <version>1.0.0</version>
  <description>Benchmark payload: maps and models, ${mib} MiB.</description>
  <maintainer email="bench@example.org">Bench Mark</maintainer>
  <license>Apache-2.0</license>
  <buildtool_depend>catkin</buildtool_depend>${architecture === undefined ? '' : '\n  <export><debforge><depends>libc6</depends></debforge></export>'}
</package>
`,
  );
  for (let i = 0, left = randomMiB; left > 0; i++, left -= FILE_MIB) {
    writeRandomFile(path.join(share, 'models', `model-${String(i).padStart(3, '0')}.bin`), Math.min(left, FILE_MIB) * MIB, 1000 + i);
  }
  const text = new SeededText(2);
  for (let i = 0, left = textMiB; left > 0; i++, left -= FILE_MIB) {
    writeTextFile(path.join(share, 'maps', `map-${String(i).padStart(3, '0')}.txt`), Math.min(left, FILE_MIB) * MIB, text);
  }
}
