// The benchmark's payload: a daemon folder with maps and models generated deterministically
// (AES-CTR random bytes, seeded text-like lines), written in chunks so memory stays small.
import { createCipheriv, createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { arm64Executable } from '../test/support/elf.js';
import { prng, zipfWords } from '../test/support/seeded.js';

const MIB = 1024 * 1024;
const FILE_MIB = 32;

/** Writes `size` incompressible, reproducible bytes (AES-128-CTR keystream) to `file`. */
function writeRandomFile(file: string, size: number, seed: number): void {
  const key = createHash('sha256').update(`debforge-bench-${seed}`).digest().subarray(0, 16);
  const cipher = createCipheriv('aes-128-ctr', key, Buffer.alloc(16));
  const zeros = Buffer.alloc(4 * MIB);
  const fd = openSync(file, 'w');
  try {
    for (let left = size; left > 0; left -= zeros.length) writeSync(fd, cipher.update(zeros.subarray(0, Math.min(left, zeros.length))));
  } finally {
    closeSync(fd);
  }
}

/** Log, source and prose lines over a seeded Zipf-like vocabulary (as bench/compress.ts), streamed in chunks. */
class TextSource {
  private readonly next: () => number;
  private readonly pick: () => string;
  private seconds = 0;
  private carry = Buffer.alloc(0);

  constructor(seed: number) {
    this.next = prng(seed);
    this.pick = zipfWords(this.next, 3000);
  }

  private line(): string {
    const next = this.next;
    const two = (n: number): string => String(n).padStart(2, '0');
    const kind = next() % 3;
    if (kind === 0) {
      this.seconds += next() % 5;
      const s = this.seconds;
      const stamp = `2024-05-${two(1 + ((s / 86400) % 28 | 0))} ${two((s / 3600) % 24 | 0)}:${two((s / 60) % 60 | 0)}:${two(s % 60)}`;
      const levels = ['DEBUG', 'INFO', 'INFO', 'INFO', 'WARN', 'ERROR'];
      return `${stamp}.${String(next() % 1000).padStart(3, '0')} ${levels[next() % levels.length]} [${this.pick()}.${this.pick()}] ${this.pick()} ${this.pick()} ${this.pick()} id=${next() % 10000} took ${next() % 1000}ms\n`;
    }
    if (kind === 1) return `${' '.repeat(2 * (next() % 4))}const ${this.pick()}_${this.pick()} = ${this.pick()}(${this.pick()}, ${next() % 256});\n`;
    const words: string[] = [];
    const count = 5 + (next() % 11);
    for (let w = 0; w < count; w++) words.push(this.pick());
    return `${words.join(' ')}.\n`;
  }

  /** Fills `out` completely; a line cut at the end continues in the next call. */
  fill(out: Buffer): void {
    let offset = this.carry.copy(out, 0);
    this.carry = this.carry.subarray(offset);
    while (offset < out.length) {
      const line = Buffer.from(this.line(), 'latin1');
      const n = line.copy(out, offset);
      offset += n;
      if (n < line.length) this.carry = line.subarray(n);
    }
  }
}

function writeTextFile(file: string, size: number, source: TextSource): void {
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
  const text = new TextSource(2);
  for (let i = 0, left = textMiB; left > 0; i++, left -= FILE_MIB) {
    writeTextFile(path.join(share, 'maps', `map-${String(i).padStart(3, '0')}.txt`), Math.min(left, FILE_MIB) * MIB, text);
  }
}
