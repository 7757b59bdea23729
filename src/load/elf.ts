/**
 * What a payload ELF file is built for (class, byte order, machine, ARM float ABI) and the shared
 * libraries it needs (DT_NEEDED) and names itself (DT_SONAME), read from its headers only.
 *
 * Payload is untrusted input: every offset and size is checked against the file's size before
 * anything is read, every read has a cap, and only the ELF header, the program headers, the
 * dynamic segment and the strings it names are read, never the whole file. A header that does
 * not hold together makes the file `damaged` (an error at build time); a dynamic segment that
 * does not is only left unread (its libraries are unknown), since the loader would refuse it.
 */
import { constants, promises as fs } from 'node:fs';
import type { ElfIdentity } from '../debian/architectures.js';

export interface ElfInfo extends ElfIdentity {
  /** DT_NEEDED sonames, in order; undefined when the file has no readable dynamic segment. */
  needed?: string[];
  /** DT_SONAME, for a shared library. */
  soname?: string;
  /** Set when the header is not a valid ELF header: what is wrong. */
  damaged?: string;
}

export const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);

/** Program headers read at most (the loader's own limit is far lower in practice). */
const MAX_PROGRAM_HEADERS = 4096;
/** Dynamic-segment bytes read at most. */
const MAX_DYNAMIC_BYTES = 1024 * 1024;
/** String-table bytes read at most (every DT_NEEDED name lives there). */
const MAX_STRING_TABLE_BYTES = 1024 * 1024;
/** DT_NEEDED entries kept at most. */
const MAX_NEEDED = 1024;
/** Longest soname kept. */
const MAX_SONAME_BYTES = 255;

const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const DT_NULL = 0;
const DT_NEEDED = 1;
const DT_STRTAB = 5;
const DT_STRSZ = 10;
const DT_SONAME = 14;

/** Reads `length` bytes at `position`, or fewer at the end of the file. */
async function readAt(handle: fs.FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(buffer, filled, length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buffer.subarray(0, filled);
}

/** The ELF facts of a file, or undefined if it does not start with the ELF magic. */
export async function readElf(absolutePath: string): Promise<ElfInfo | undefined> {
  const handle = await fs.open(absolutePath, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const size = (await handle.stat()).size;
    return await readElfFrom(handle, size);
  } finally {
    await handle.close();
  }
}

class Reader {
  constructor(
    private readonly data: Buffer,
    private readonly little: boolean,
    private readonly wide: boolean,
  ) {}

  u16(offset: number): number {
    return this.little ? this.data.readUInt16LE(offset) : this.data.readUInt16BE(offset);
  }

  u32(offset: number): number {
    return this.little ? this.data.readUInt32LE(offset) : this.data.readUInt32BE(offset);
  }

  /** A 64-bit value as a number, or undefined when it is past what a file offset can be. */
  u64(offset: number): number | undefined {
    const value = this.little ? this.data.readBigUInt64LE(offset) : this.data.readBigUInt64BE(offset);
    return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : undefined;
  }

  /** An address-sized field (Elf32_Addr/Off or Elf64_Addr/Off/Xword). */
  word(offset: number): number | undefined {
    return this.wide ? this.u64(offset) : this.u32(offset);
  }
}

async function readElfFrom(handle: fs.FileHandle, size: number): Promise<ElfInfo | undefined> {
  const head = await readAt(handle, 0, 64);
  if (head.length < 4 || !head.subarray(0, 4).equals(ELF_MAGIC)) return undefined;
  const elfClass = head[4];
  const elfData = head[5];
  const damaged = (why: string): ElfInfo => ({ bits: 64, endian: 'little', machine: 0, flags: 0, damaged: why });
  if (elfClass !== 1 && elfClass !== 2) return damaged(`its class byte is ${elfClass ?? 'missing'}, neither 32- nor 64-bit`);
  if (elfData !== 1 && elfData !== 2) return damaged(`its byte-order byte is ${elfData ?? 'missing'}, neither little- nor big-endian`);
  const wide = elfClass === 2;
  const headerSize = wide ? 64 : 52;
  if (head.length < headerSize) return damaged(`it ends inside its ${headerSize}-byte ELF header`);
  const little = elfData === 1;
  const r = new Reader(head, little, wide);
  const info: ElfInfo = { bits: wide ? 64 : 32, endian: little ? 'little' : 'big', machine: r.u16(18), flags: r.u32(wide ? 48 : 36) };

  const phoff = r.word(wide ? 32 : 28);
  const phentsize = r.u16(wide ? 54 : 42);
  const phnum = r.u16(wide ? 56 : 44);
  // A relocatable object or a core file may have no program headers: nothing is loaded, nothing needed.
  if (phnum === 0) return info;
  const entrySize = wide ? 56 : 32;
  if (phoff === undefined || phentsize < entrySize || phnum > MAX_PROGRAM_HEADERS || phoff + phentsize * phnum > size) return info;
  const table = await readAt(handle, phoff, phentsize * phnum);
  if (table.length < phentsize * phnum) return info;
  const p = new Reader(table, little, wide);
  const loads: { offset: number; vaddr: number; filesz: number }[] = [];
  let dynamic: { offset: number; filesz: number } | undefined;
  for (let i = 0; i < phnum; i++) {
    const at = i * phentsize;
    const type = p.u32(at);
    const offset = p.word(at + (wide ? 8 : 4));
    const vaddr = p.word(at + (wide ? 16 : 8));
    const filesz = p.word(at + (wide ? 32 : 16));
    if (offset === undefined || vaddr === undefined || filesz === undefined || offset + filesz > size) continue;
    if (type === PT_LOAD) loads.push({ offset, vaddr, filesz });
    else if (type === PT_DYNAMIC && dynamic === undefined) dynamic = { offset, filesz };
  }
  if (dynamic === undefined) return { ...info, needed: [] };

  const dynBytes = await readAt(handle, dynamic.offset, Math.min(dynamic.filesz, MAX_DYNAMIC_BYTES));
  const d = new Reader(dynBytes, little, wide);
  const entry = wide ? 16 : 8;
  const neededOffsets: number[] = [];
  let sonameOffset: number | undefined;
  let strtab: number | undefined;
  let strsz: number | undefined;
  for (let at = 0; at + entry <= dynBytes.length; at += entry) {
    const tag = wide ? d.u64(at) : d.u32(at);
    const value = d.word(at + entry / 2);
    if (tag === DT_NULL) break;
    if (value === undefined) continue;
    if (tag === DT_NEEDED && neededOffsets.length < MAX_NEEDED) neededOffsets.push(value);
    else if (tag === DT_SONAME) sonameOffset = value;
    else if (tag === DT_STRTAB) strtab = value;
    else if (tag === DT_STRSZ) strsz = value;
  }
  if (strtab === undefined || strsz === undefined) return info;
  // DT_STRTAB is an address: the file offset is found through the loaded segment holding it.
  const segment = loads.find((load) => strtab! >= load.vaddr && strtab! < load.vaddr + load.filesz);
  if (segment === undefined) return info;
  const tableOffset = segment.offset + (strtab - segment.vaddr);
  const tableLength = Math.min(strsz, segment.offset + segment.filesz - tableOffset, MAX_STRING_TABLE_BYTES);
  const strings = await readAt(handle, tableOffset, tableLength);
  const stringAt = (offset: number): string | undefined => {
    if (offset >= strings.length) return undefined;
    const end = strings.indexOf(0, offset);
    if (end < 0 || end - offset > MAX_SONAME_BYTES) return undefined;
    return strings.toString('latin1', offset, end);
  };
  const needed = neededOffsets.map(stringAt).filter((name): name is string => name !== undefined && name !== '');
  const soname = sonameOffset === undefined ? undefined : stringAt(sonameOffset);
  return { ...info, needed, ...(soname !== undefined && soname !== '' ? { soname } : {}) };
}
