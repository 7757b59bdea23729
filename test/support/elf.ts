/**
 * Minimal dynamically linked ELF executables for any machine, made by the tests themselves: an
 * ELF header, PT_INTERP / PT_LOAD / PT_DYNAMIC program headers, the interpreter path, a string
 * table, a dynamic section naming the NEEDED libraries, and a few instructions that exit 0. No
 * section headers (like a stripped binary), which is all `file`, readelf and lintian look at.
 */

interface ElfSpec {
  bits: 32 | 64;
  endian: 'little' | 'big';
  machine: number;
  flags?: number;
  interpreter?: string;
  needed?: readonly string[];
  soname?: string;
  /** The instructions at the entry point. */
  code?: Buffer;
}

export const EM_ARM = 40;
const EM_X86_64 = 62;
const EM_AARCH64 = 183;

/** `exit(0)` on aarch64: mov x0, #0; mov x8, #93; svc #0. */
const AARCH64_EXIT = Buffer.from([0x00, 0x00, 0x80, 0xd2, 0xa8, 0x0b, 0x80, 0xd2, 0x01, 0x00, 0x00, 0xd4]);
/** `exit(0)` on x86-64: mov eax, 60; xor edi, edi; syscall. */
const X86_64_EXIT = Buffer.from([0xb8, 0x3c, 0x00, 0x00, 0x00, 0x31, 0xff, 0x0f, 0x05]);

/** The dynamic loader of each machine, as Debian installs it. */
const INTERPRETERS: Readonly<Record<string, string>> = {
  amd64: '/lib64/ld-linux-x86-64.so.2',
  arm64: '/lib/ld-linux-aarch64.so.1',
  armhf: '/lib/ld-linux-armhf.so.3',
  i386: '/lib/ld-linux.so.2',
  riscv64: '/lib/ld-linux-riscv64-lp64d.so.1',
};

/** A small executable of `spec`'s machine that exits 0 and needs `spec.needed` (default libc.so.6). */
export function makeElf(spec: ElfSpec): Buffer {
  const wide = spec.bits === 64;
  const little = spec.endian === 'little';
  const ehsize = wide ? 64 : 52;
  const phentsize = wide ? 56 : 32;
  const dynEntry = wide ? 16 : 8;
  const base = 0x400000;
  const interpreter = Buffer.from(`${spec.interpreter ?? INTERPRETERS['amd64']!}\0`);
  const needed = spec.needed ?? ['libc.so.6'];
  const names = [...needed, ...(spec.soname !== undefined ? [spec.soname] : [])];
  const stringOffsets: number[] = [];
  let strings = Buffer.from([0]);
  for (const name of names) {
    stringOffsets.push(strings.length);
    strings = Buffer.concat([strings, Buffer.from(`${name}\0`)]);
  }
  const phnum = 3;
  const interpOffset = ehsize + phentsize * phnum;
  const strtabOffset = interpOffset + interpreter.length;
  const dynOffset = align(strtabOffset + strings.length, 8);
  const dynamic: [number, number][] = needed.map((_, i) => [1, stringOffsets[i]!]);
  if (spec.soname !== undefined) dynamic.push([14, stringOffsets[needed.length]!]);
  dynamic.push([5, base + strtabOffset], [10, strings.length], [0, 0]);
  const dynSize = dynamic.length * dynEntry;
  const code = spec.code ?? X86_64_EXIT;
  const codeOffset = align(dynOffset + dynSize, 16);
  const total = codeOffset + code.length;
  const out = Buffer.alloc(total);
  const u16 = (at: number, v: number): void => void (little ? out.writeUInt16LE(v, at) : out.writeUInt16BE(v, at));
  const u32 = (at: number, v: number): void => void (little ? out.writeUInt32LE(v >>> 0, at) : out.writeUInt32BE(v >>> 0, at));
  const word = (at: number, v: number): void => {
    if (wide) void (little ? out.writeBigUInt64LE(BigInt(v), at) : out.writeBigUInt64BE(BigInt(v), at));
    else u32(at, v);
  };
  out.set([0x7f, 0x45, 0x4c, 0x46, wide ? 2 : 1, little ? 1 : 2, 1, 0], 0);
  u16(16, 2); // ET_EXEC
  u16(18, spec.machine);
  u32(20, 1);
  word(24, base + codeOffset);
  word(wide ? 32 : 28, ehsize);
  word(wide ? 40 : 32, 0);
  u32(wide ? 48 : 36, spec.flags ?? 0);
  u16(wide ? 52 : 40, ehsize);
  u16(wide ? 54 : 42, phentsize);
  u16(wide ? 56 : 44, phnum);
  u16(wide ? 58 : 46, wide ? 64 : 40);
  const program = (index: number, type: number, flags: number, offset: number, size: number, alignment: number): void => {
    const at = ehsize + index * phentsize;
    u32(at, type);
    if (wide) {
      u32(at + 4, flags);
      word(at + 8, offset);
      word(at + 16, base + offset);
      word(at + 24, base + offset);
      word(at + 32, size);
      word(at + 40, size);
      word(at + 48, alignment);
    } else {
      u32(at + 4, offset);
      u32(at + 8, base + offset);
      u32(at + 12, base + offset);
      u32(at + 16, size);
      u32(at + 20, size);
      u32(at + 24, flags);
      u32(at + 28, alignment);
    }
  };
  program(0, 3, 4, interpOffset, interpreter.length, 1); // PT_INTERP
  program(1, 1, 5, 0, total, 0x10000); // PT_LOAD, R+X
  program(2, 2, 6, dynOffset, dynSize, 8); // PT_DYNAMIC
  interpreter.copy(out, interpOffset);
  strings.copy(out, strtabOffset);
  dynamic.forEach(([tag, value], i) => {
    word(dynOffset + i * dynEntry, tag);
    word(dynOffset + i * dynEntry + dynEntry / 2, value);
  });
  code.copy(out, codeOffset);
  return out;
}

function align(value: number, to: number): number {
  return Math.ceil(value / to) * to;
}

/** An aarch64 (Debian arm64) executable needing libc.so.6. */
export function arm64Executable(needed: readonly string[] = ['libc.so.6']): Buffer {
  return makeElf({ bits: 64, endian: 'little', machine: EM_AARCH64, interpreter: INTERPRETERS['arm64']!, needed, code: AARCH64_EXIT });
}

/** An x86-64 (Debian amd64) executable needing libc.so.6. */
export function amd64Executable(needed: readonly string[] = ['libc.so.6']): Buffer {
  return makeElf({ bits: 64, endian: 'little', machine: EM_X86_64, interpreter: INTERPRETERS['amd64']!, needed, code: X86_64_EXIT });
}
