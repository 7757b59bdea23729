/**
 * Debian architectures: which names a binary package may carry, and what each means for its
 * payload: the multiarch triplet (@DEB_HOST_MULTIARCH@, as `dpkg-architecture -a<arch>
 * -qDEB_HOST_MULTIARCH` gives it from dpkg's cputable, ostable and tupletable) and the ELF class,
 * byte order and machines of its binaries (the bits and endianness of dpkg's cputable; the machine
 * numbers of the ELF specification).
 */

/** What an ELF header says about the machine a binary is for (load/elf.ts reads it). */
export interface ElfIdentity {
  bits: 32 | 64;
  endian: 'little' | 'big';
  /** e_machine (EM_*). */
  machine: number;
  /** e_flags: on ARM they say hard- or soft-float (armhf or armel). */
  flags: number;
}

interface ArchitectureFacts {
  multiarch: string;
  bits: 32 | 64;
  endian: 'little' | 'big';
  /** e_machine values its binaries may carry. */
  machines: readonly number[];
  /** ARM EABI float ABI its binaries must not contradict. */
  armFloat?: 'hard' | 'soft';
}

// e_machine numbers (EM_* of the ELF specification / glibc's elf.h).
const EM_SPARC = 2;
const EM_386 = 3;
const EM_68K = 4;
const EM_MIPS = 8;
const EM_PARISC = 15;
const EM_SPARC32PLUS = 18;
const EM_PPC = 20;
const EM_PPC64 = 21;
const EM_S390 = 22;
const EM_ARM = 40;
const EM_SH = 42;
const EM_SPARCV9 = 43;
const EM_IA_64 = 50;
const EM_X86_64 = 62;
const EM_M32R = 88;
const EM_OPENRISC = 92;
const EM_ARC_COMPACT = 93;
const EM_NIOS2 = 113;
const EM_AARCH64 = 183;
const EM_TILEGX = 191;
const EM_ARC_COMPACT2 = 195;
const EM_RISCV = 243;
const EM_LOONGARCH = 258;
const EM_AVR32 = 0x18ad;
const EM_ALPHA = 0x9026;
const EM_M32R_OLD = 0x9041;

const fact = (multiarch: string, bits: 32 | 64, endian: 'little' | 'big', machines: readonly number[], armFloat?: 'hard' | 'soft'): ArchitectureFacts => ({
  multiarch,
  bits,
  endian,
  machines,
  ...(armFloat ? { armFloat } : {}),
});

/**
 * The Debian architectures a binary package may name besides `all`: dpkg's GNU/Linux
 * architectures (the names `dpkg-architecture -L` gives without an OS prefix) and the Hurd ports
 * Debian builds. Wildcards such as `any` or `linux-any` belong in source packages only: dpkg
 * refuses to install a binary package that names one. dpkg 1.22 (Debian 13) no longer knows
 * RETIRED_ARCHITECTURES; dpkg 1.21 (Debian 12) still does, and a package may still name them.
 */
export const ARCHITECTURE_FACTS: Readonly<Record<string, ArchitectureFacts>> = {
  alpha: fact('alpha-linux-gnu', 64, 'little', [EM_ALPHA]),
  amd64: fact('x86_64-linux-gnu', 64, 'little', [EM_X86_64]),
  arc: fact('arc-linux-gnu', 32, 'little', [EM_ARC_COMPACT, EM_ARC_COMPACT2]),
  arm: fact('arm-linux-gnu', 32, 'little', [EM_ARM]),
  arm64: fact('aarch64-linux-gnu', 64, 'little', [EM_AARCH64]),
  arm64ilp32: fact('aarch64-linux-gnu_ilp32', 32, 'little', [EM_AARCH64]),
  armeb: fact('armeb-linux-gnu', 32, 'big', [EM_ARM]),
  armel: fact('arm-linux-gnueabi', 32, 'little', [EM_ARM], 'soft'),
  armhf: fact('arm-linux-gnueabihf', 32, 'little', [EM_ARM], 'hard'),
  avr32: fact('avr32-linux-gnu', 32, 'big', [EM_AVR32]),
  hppa: fact('hppa-linux-gnu', 32, 'big', [EM_PARISC]),
  i386: fact('i386-linux-gnu', 32, 'little', [EM_386]),
  ia64: fact('ia64-linux-gnu', 64, 'little', [EM_IA_64]),
  loong64: fact('loongarch64-linux-gnu', 64, 'little', [EM_LOONGARCH]),
  m32r: fact('m32r-linux-gnu', 32, 'big', [EM_M32R, EM_M32R_OLD]),
  m68k: fact('m68k-linux-gnu', 32, 'big', [EM_68K]),
  mips: fact('mips-linux-gnu', 32, 'big', [EM_MIPS]),
  mips64: fact('mips64-linux-gnuabi64', 64, 'big', [EM_MIPS]),
  mips64el: fact('mips64el-linux-gnuabi64', 64, 'little', [EM_MIPS]),
  mips64r6: fact('mipsisa64r6-linux-gnuabi64', 64, 'big', [EM_MIPS]),
  mips64r6el: fact('mipsisa64r6el-linux-gnuabi64', 64, 'little', [EM_MIPS]),
  mipsel: fact('mipsel-linux-gnu', 32, 'little', [EM_MIPS]),
  mipsn32: fact('mips64-linux-gnuabin32', 32, 'big', [EM_MIPS]),
  mipsn32el: fact('mips64el-linux-gnuabin32', 32, 'little', [EM_MIPS]),
  mipsn32r6: fact('mipsisa64r6-linux-gnuabin32', 32, 'big', [EM_MIPS]),
  mipsn32r6el: fact('mipsisa64r6el-linux-gnuabin32', 32, 'little', [EM_MIPS]),
  mipsr6: fact('mipsisa32r6-linux-gnu', 32, 'big', [EM_MIPS]),
  mipsr6el: fact('mipsisa32r6el-linux-gnu', 32, 'little', [EM_MIPS]),
  nios2: fact('nios2-linux-gnu', 32, 'little', [EM_NIOS2]),
  or1k: fact('or1k-linux-gnu', 32, 'big', [EM_OPENRISC]),
  powerpc: fact('powerpc-linux-gnu', 32, 'big', [EM_PPC]),
  powerpcel: fact('powerpcle-linux-gnu', 32, 'little', [EM_PPC]),
  powerpcspe: fact('powerpc-linux-gnuspe', 32, 'big', [EM_PPC]),
  ppc64: fact('powerpc64-linux-gnu', 64, 'big', [EM_PPC64]),
  ppc64el: fact('powerpc64le-linux-gnu', 64, 'little', [EM_PPC64]),
  riscv64: fact('riscv64-linux-gnu', 64, 'little', [EM_RISCV]),
  s390: fact('s390-linux-gnu', 32, 'big', [EM_S390]),
  s390x: fact('s390x-linux-gnu', 64, 'big', [EM_S390]),
  sh3: fact('sh3-linux-gnu', 32, 'little', [EM_SH]),
  sh3eb: fact('sh3eb-linux-gnu', 32, 'big', [EM_SH]),
  sh4: fact('sh4-linux-gnu', 32, 'little', [EM_SH]),
  sh4eb: fact('sh4eb-linux-gnu', 32, 'big', [EM_SH]),
  sparc: fact('sparc-linux-gnu', 32, 'big', [EM_SPARC, EM_SPARC32PLUS]),
  sparc64: fact('sparc64-linux-gnu', 64, 'big', [EM_SPARCV9]),
  tilegx: fact('tilegx-linux-gnu', 64, 'little', [EM_TILEGX]),
  x32: fact('x86_64-linux-gnux32', 32, 'little', [EM_X86_64]),
  'hurd-amd64': fact('x86_64-gnu', 64, 'little', [EM_X86_64]),
  'hurd-i386': fact('i386-gnu', 32, 'little', [EM_386]),
};

/** Architectures dpkg 1.22 dropped from its tables (obsolete ports). */
export const RETIRED_ARCHITECTURES: readonly string[] = ['arm64ilp32', 'avr32', 'm32r', 'tilegx'];

/** Every architecture a binary package may name: `all` and those of ARCHITECTURE_FACTS. */
export const DEBIAN_ARCHITECTURES: ReadonlySet<string> = new Set(['all', ...Object.keys(ARCHITECTURE_FACTS)]);

/** A Debian architecture a package can be built for, `all` aside (what --arch, `architectures:` and files-<arch>/ name). */
export function isMachineArchitecture(name: string): boolean {
  return name !== 'all' && DEBIAN_ARCHITECTURES.has(name);
}

/**
 * What an architecture name looks like (dpkg-architecture's syntax): a repository lists packages
 * of architectures debforge has no facts about, such as kfreebsd-amd64.
 */
export const ARCHITECTURE_NAME = /^[a-z0-9][a-z0-9-]*$/;

/** The multiarch triplet of an architecture (`aarch64-linux-gnu` for arm64). */
export function multiarchTriplet(architecture: string): string | undefined {
  return ARCHITECTURE_FACTS[architecture]?.multiarch;
}


const EF_ARM_EABIMASK = 0xff000000;
const EF_ARM_EABI_VER5 = 0x05000000;
const EF_ARM_ABI_FLOAT_SOFT = 0x200;
const EF_ARM_ABI_FLOAT_HARD = 0x400;

/** The float ABI an ARM EABI binary declares, if it declares one. */
function armFloatOf(elf: ElfIdentity): 'hard' | 'soft' | undefined {
  if ((elf.flags & EF_ARM_EABIMASK) >>> 0 !== EF_ARM_EABI_VER5) return undefined;
  if (elf.flags & EF_ARM_ABI_FLOAT_HARD) return 'hard';
  if (elf.flags & EF_ARM_ABI_FLOAT_SOFT) return 'soft';
  return undefined;
}

/** Whether an ELF file can run on (or be loaded for) an architecture. */
export function elfMatches(elf: ElfIdentity, architecture: string): boolean {
  const facts = ARCHITECTURE_FACTS[architecture];
  if (facts === undefined) return false;
  if (elf.bits !== facts.bits || elf.endian !== facts.endian || !facts.machines.includes(elf.machine)) return false;
  if (elf.machine === EM_ARM && facts.armFloat !== undefined) {
    const float = armFloatOf(elf);
    if (float !== undefined && float !== facts.armFloat) return false;
  }
  return true;
}

/** The architectures most robots run, tried first when naming what a binary is built for. */
const COMMON = ['amd64', 'arm64', 'armhf', 'i386', 'riscv64', 'ppc64el', 's390x', 'armel', 'x32', 'loong64', 'mips64el'];

/** Debian architectures an ELF file fits, the common ones first. */
export function architecturesOf(elf: ElfIdentity): string[] {
  const all = Object.keys(ARCHITECTURE_FACTS).filter((arch) => elfMatches(elf, arch));
  return [...COMMON.filter((arch) => all.includes(arch)), ...all.filter((arch) => !COMMON.includes(arch))];
}

const MACHINE_NAMES: Readonly<Record<number, string>> = {
  [EM_386]: 'Intel 80386',
  [EM_X86_64]: 'x86-64',
  [EM_ARM]: 'ARM',
  [EM_AARCH64]: 'AArch64',
  [EM_RISCV]: 'RISC-V',
  [EM_PPC]: 'PowerPC',
  [EM_PPC64]: 'PowerPC64',
  [EM_S390]: 'IBM S/390',
  [EM_MIPS]: 'MIPS',
  [EM_LOONGARCH]: 'LoongArch',
  [EM_SPARCV9]: 'SPARC V9',
  [EM_IA_64]: 'IA-64',
};

/** As `file` describes it: `ELF 64-bit LSB, AArch64`. */
export function describeElf(elf: ElfIdentity): string {
  const machine = MACHINE_NAMES[elf.machine] ?? `machine ${elf.machine}`;
  const float = elf.machine === EM_ARM ? armFloatOf(elf) : undefined;
  return `ELF ${elf.bits}-bit ${elf.endian === 'little' ? 'LSB' : 'MSB'}, ${machine}${float ? `, ${float}-float` : ''}`;
}
