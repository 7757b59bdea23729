/**
 * Per-architecture packages from one daemon folder (files-<arch>/), ELF payload checked against
 * the package's architecture, @DEB_HOST_ARCH@ / @DEB_HOST_MULTIARCH@, and check's warning about
 * shared libraries no dependency provides. Oracles: dpkg-architecture, dpkg-deb, lintian,
 * readelf, glibc's elf.h and the machine's dpkg database.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { readElf } from '../../src/load/elf.js';
import { ARCHITECTURE_FACTS, architecturesOf, DEBIAN_ARCHITECTURES, elfMatches, RETIRED_ARCHITECTURES } from '../../src/debian/architectures.js';
import { dependsProvide, policyPackageName } from '../../src/check/shared-libraries.js';
import { arm64Executable, EM_ARM, makeElf } from '../support/elf.js';
import { HOST, MANIFEST, OTHER, otherExecutable, twoArchitectureFolder } from '../support/multiarch.js';
import { debforge, lintianFindings, must, run, tempDir } from '../support/tools.js';

const env = { ...process.env, SOURCE_DATE_EPOCH: '1700000000' };

function errorLines(stderr: string): string[] {
  return stderr.split('\n').filter((line) => line !== '' && !/: (warning|note): /.test(line));
}

describe('architectures: files-<arch>/ payload and ELF checks', function () {
  this.timeout(300_000);

  it('the architecture table agrees with dpkg-architecture (triplet, bits, byte order) for every Debian architecture', () => {
    assert.deepEqual(Object.keys(ARCHITECTURE_FACTS).sort(), [...DEBIAN_ARCHITECTURES].filter((a) => a !== 'all').sort());
    // Every GNU/Linux architecture the machine's dpkg knows is in the table, and every one of the
    // table it knows agrees below. dpkg 1.22 (Debian 13) dropped the obsolete ports that dpkg 1.21
    // (Debian 12) still knows: exactly those may be unknown here, and only to a dpkg that new.
    const known = new Set(must('dpkg-architecture', ['-L']).split('\n').filter((line) => line !== ''));
    assert.deepEqual([...known].filter((arch) => !arch.includes('-') && !(arch in ARCHITECTURE_FACTS)), [], 'architectures dpkg knows and the table lacks');
    const dpkgVersion = must('dpkg-query', ['-W', '-f', '${Version}', 'dpkg']);
    const dropped = run('dpkg', ['--compare-versions', dpkgVersion, 'ge', '1.22']).code === 0 ? [...RETIRED_ARCHITECTURES].sort() : [];
    assert.deepEqual(Object.keys(ARCHITECTURE_FACTS).filter((arch) => !known.has(arch)).sort(), dropped, `architectures of the table dpkg ${dpkgVersion} does not know`);
    for (const [arch, facts] of Object.entries(ARCHITECTURE_FACTS)) {
      if (!known.has(arch)) continue;
      const vars = new Map(
        must('dpkg-architecture', [`-a${arch}`], { env: { ...process.env, DEB_HOST_ARCH: '', DEB_BUILD_ARCH: '' } })
          .split('\n')
          .filter((line) => line.includes('='))
          .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)] as [string, string]),
      );
      assert.equal(facts.multiarch, vars.get('DEB_HOST_MULTIARCH'), `${arch} triplet`);
      assert.equal(String(facts.bits), vars.get('DEB_HOST_ARCH_BITS'), `${arch} bits`);
      assert.equal(facts.endian, vars.get('DEB_HOST_ARCH_ENDIAN'), `${arch} byte order`);
    }
  });

  it('the machine numbers of the common architectures are those of glibc elf.h', async () => {
    const header = await fs.readFile('/usr/include/elf.h', 'utf8');
    const em = (name: string): number => {
      const match = new RegExp(`^#define\\s+${name}\\s+(0x[0-9a-fA-F]+|[0-9]+)\\b`, 'm').exec(header);
      assert.ok(match, `${name} in elf.h (Debian: apt-get install libc6-dev)`);
      return Number(match[1]);
    };
    const expected: Record<string, string> = { amd64: 'EM_X86_64', arm64: 'EM_AARCH64', armhf: 'EM_ARM', armel: 'EM_ARM', i386: 'EM_386', riscv64: 'EM_RISCV', ppc64el: 'EM_PPC64', s390x: 'EM_S390', loong64: 'EM_LOONGARCH', mips64el: 'EM_MIPS', x32: 'EM_X86_64', alpha: 'EM_ALPHA', sparc64: 'EM_SPARCV9', ia64: 'EM_IA_64', m68k: 'EM_68K', hppa: 'EM_PARISC' };
    for (const [arch, name] of Object.entries(expected)) assert.ok(ARCHITECTURE_FACTS[arch]!.machines.includes(em(name)), `${arch}: ${name}`);
  });

  it('reads class, byte order, machine, NEEDED and SONAME as readelf does, on the machine\'s own binaries and libraries', async () => {
    const triplet = must('dpkg-architecture', ['-qDEB_HOST_MULTIARCH']).trim();
    const files = ['/usr/bin/true', '/usr/bin/dpkg', `/lib/${triplet}/libz.so.1`, `/lib/${triplet}/libstdc++.so.6`];
    for (const file of files) {
      const real = await fs.realpath(file);
      const elf = await readElf(real);
      assert.ok(elf && elf.damaged === undefined, file);
      const dynamic = must('readelf', ['-d', '-W', real]);
      const needed = [...dynamic.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]);
      assert.deepEqual(elf.needed, needed, `${file} NEEDED`);
      assert.equal(elf.soname, /\(SONAME\)\s+Library soname: \[([^\]]+)\]/.exec(dynamic)?.[1], `${file} SONAME`);
      assert.ok(elfMatches(elf, HOST), `${file} is ${HOST}`);
      assert.equal(architecturesOf(elf)[0], HOST);
    }
    const text = path.join(await tempDir(), 'script');
    await fs.writeFile(text, '#!/bin/sh\n');
    assert.equal(await readElf(text), undefined, 'not ELF');
  });

  it('hostile ELF headers: damaged identity is reported, absurd offsets and sizes are never followed', async () => {
    const dir = await tempDir();
    const good = arm64Executable(['libc.so.6', 'libstdc++.so.6']);
    const write = async (name: string, bytes: Buffer): Promise<string> => {
      const file = path.join(dir, name);
      await fs.writeFile(file, bytes);
      return file;
    };
    const parsed = await readElf(await write('good', good));
    assert.deepEqual(parsed?.needed, ['libc.so.6', 'libstdc++.so.6']);
    assert.match((await readElf(await write('short', good.subarray(0, 20))))?.damaged ?? '', /ends inside its 64-byte ELF header/);
    const badClass = Buffer.from(good);
    badClass[4] = 7;
    assert.match((await readElf(await write('class', badClass)))?.damaged ?? '', /class byte is 7/);
    // Program headers said to be past the end, a huge count, a dynamic segment and string table past the end.
    const farTable = Buffer.from(good);
    farTable.writeBigUInt64LE(2n ** 62n, 32);
    assert.deepEqual(await readElf(await write('far', farTable)), { bits: 64, endian: 'little', machine: 183, flags: 0 });
    const manyHeaders = Buffer.from(good);
    manyHeaders.writeUInt16LE(0xffff, 56);
    assert.equal((await readElf(await write('many', manyHeaders)))?.needed, undefined);
    const hugeStrings = Buffer.from(good);
    // DT_STRSZ of 2^40: read only up to the end of the loaded segment.
    const dynOffset = Number(hugeStrings.readBigUInt64LE(64 + 2 * 56 + 8));
    for (let at = dynOffset; hugeStrings.readBigUInt64LE(at) !== 0n; at += 16) if (hugeStrings.readBigUInt64LE(at) === 10n) hugeStrings.writeBigUInt64LE(2n ** 40n, at + 8);
    assert.deepEqual((await readElf(await write('strsz', hugeStrings)))?.needed, ['libc.so.6', 'libstdc++.so.6']);
    const badName = Buffer.from(good);
    for (let at = dynOffset; badName.readBigUInt64LE(at) !== 0n; at += 16) if (badName.readBigUInt64LE(at) === 1n) badName.writeBigUInt64LE(2n ** 50n, at + 8);
    assert.deepEqual((await readElf(await write('name', badName)))?.needed, [], 'NEEDED names outside the string table are dropped');
    // A 32-bit big-endian file and an ARM hard-float one are told apart from what they are not.
    const ppc = makeElf({ bits: 32, endian: 'big', machine: 20, needed: ['libc.so.6'] });
    assert.deepEqual(architecturesOf((await readElf(await write('ppc', ppc)))!).slice(0, 1), ['powerpc']);
    const hardFloat = await readElf(await write('armhf', makeElf({ bits: 32, endian: 'little', machine: EM_ARM, flags: 0x05000400 })));
    assert.ok(elfMatches(hardFloat!, 'armhf') && !elfMatches(hardFloat!, 'armel'));
  });

  it('acceptance 1: files-amd64/ and files-arm64/ give two packages; dpkg-deb -I shows each architecture; lintian 0 errors on both', async () => {
    const dir = await twoArchitectureFolder();
    const out = await tempDir();
    const result = debforge(['build', dir, '--profile', 'plain', '--out', out], { env });
    assert.equal(result.code, 0, result.stderr);
    const built = result.stdout.trim().split('\n').sort();
    assert.deepEqual(built, [HOST, OTHER].sort().map((arch) => path.join(out, `robot-driver_1.2.0-1_${arch}.deb`)));
    for (const arch of [HOST, OTHER]) {
      const deb = path.join(out, `robot-driver_1.2.0-1_${arch}.deb`);
      assert.match(must('dpkg-deb', ['-I', deb]), new RegExp(`^ Architecture: ${arch}$`, 'm'));
      const errors = lintianFindings(deb, 'plain').filter((line) => line.startsWith('E: '));
      assert.deepEqual(errors, [], `lintian errors on ${arch}`);
      const triplet = must('dpkg-architecture', [`-a${arch}`, '-qDEB_HOST_MULTIARCH']).trim();
      const listing = must('dpkg-deb', ['-c', deb]);
      assert.match(listing, new RegExp(`\\./usr/lib/${triplet}/robot-driver/calibration\\.yaml$`, 'm'), 'files/ path with @DEB_HOST_MULTIARCH@');
      assert.match(listing, /\.\/usr\/libexec\/robot-driver\/robot-driver-bin$/m);
      const root = await tempDir();
      must('dpkg-deb', ['-x', deb, root]);
      const binary = must('file', ['-b', path.join(root, 'usr/libexec/robot-driver/robot-driver-bin')]);
      assert.match(binary, arch === 'arm64' ? /ARM aarch64/ : /x86-64/, `the ${arch} package holds the ${arch} binary`);
      const unit = await fs.readFile(path.join(root, 'usr/lib/systemd/system/robot-driver.service'), 'utf8');
      assert.match(unit, new RegExp(`^Environment=ROBOT_ARCH=${arch} ROBOT_TRIPLET=${triplet}$`, 'm'));
    }
    // --arch picks a subset; an architecture the folder does not provide is an error naming its folders.
    const only = await tempDir();
    const subset = debforge(['build', dir, '--profile', 'plain', '--out', only, '--arch', OTHER], { env });
    assert.equal(subset.code, 0, subset.stderr);
    assert.deepEqual(await fs.readdir(only), [`robot-driver_1.2.0-1_${OTHER}.deb`]);
    const none = debforge(['build', dir, '--profile', 'plain', '--out', path.join(only, 'none'), '--arch', 'riscv64'], { env });
    assert.equal(none.code, 1);
    assert.match(none.stderr, /has files-amd64\/, files-arm64\/, but the architectures asked for \(riscv64\) are none of them/);
    assert.equal(debforge(['build', dir, '--arch', 'any'], { env }).code, 2, '--arch takes Debian architectures only');
  });

  it('acceptance 2: swapped binaries fail the build with one line per mismatched file, and nothing is written', async () => {
    const dir = await twoArchitectureFolder(true);
    const parent = await tempDir();
    const out = path.join(parent, 'dist');
    const result = debforge(['build', dir, '--profile', 'plain', '--out', out], { env });
    assert.equal(result.code, 1, result.stderr);
    const lines = errorLines(result.stderr);
    assert.equal(lines.length, 2, result.stderr);
    for (const [folder, builtFor] of [[HOST, OTHER], [OTHER, HOST]] as const) {
      const line = lines.find((l) => l.includes(`files-${folder}/usr/libexec/robot-driver/robot-driver-bin`));
      assert.ok(line, `a line names files-${folder}/...: ${result.stderr}`);
      assert.match(line, new RegExp(`is built for ${builtFor} \\(ELF 64-bit LSB, [^)]+\\), not ${folder}: move it to files-${builtFor}/`));
    }
    assert.deepEqual(await fs.readdir(parent), [], 'no output folder, no package');
    assert.equal(result.stdout, '');
  });

  it('an ELF file in an `all` package, and @DEB_HOST_ARCH@ there, are errors; a declared architecture is checked too', async () => {
    const dir = path.join(await tempDir(), 'robot_driver');
    await fs.mkdir(path.join(dir, 'files', 'usr', 'bin'), { recursive: true });
    await fs.writeFile(path.join(dir, 'package.xml'), MANIFEST());
    await fs.writeFile(path.join(dir, 'files', 'usr', 'bin', 'robot-driver'), otherExecutable(), { mode: 0o755 });
    let result = debforge(['check', dir, '--profile', 'plain'], { env });
    assert.equal(result.code, 1);
    assert.match(result.stderr, new RegExp(`files/usr/bin/robot-driver: is an ELF binary, so the package cannot be Architecture: all: set <architecture> in <export><debforge> \\(it is built for ${OTHER}\\), or move it to files-${OTHER}/`));
    await fs.writeFile(path.join(dir, 'package.xml'), MANIFEST(`<architecture>${HOST}</architecture>`));
    result = debforge(['check', dir, '--profile', 'plain'], { env });
    assert.equal(result.code, 1);
    assert.match(result.stderr, new RegExp(`files/usr/bin/robot-driver: is built for ${OTHER} \\(.*\\), not ${HOST}: set <architecture> to ${OTHER}, or ship the ${HOST} build`));
    await fs.writeFile(path.join(dir, 'package.xml'), MANIFEST());
    await fs.rm(path.join(dir, 'files', 'usr', 'bin', 'robot-driver'));
    await fs.writeFile(path.join(dir, 'files', 'usr', 'bin', 'robot-driver'), '#!/bin/sh\necho @DEB_HOST_MULTIARCH@\n', { mode: 0o755 });
    await fs.rename(path.join(dir, 'files', 'usr', 'bin', 'robot-driver'), path.join(dir, 'files', 'usr', 'bin', 'robot-driver.in'));
    result = debforge(['check', dir, '--profile', 'plain'], { env });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /robot-driver\.in:2: .*@DEB_HOST_MULTIARCH@/);
  });

  it('files-<arch>/ folders: a name that is not an architecture, a path files/ also installs and <architecture> beside them are errors', async () => {
    const dir = await twoArchitectureFolder();
    await fs.mkdir(path.join(dir, 'files-arm'), { recursive: true });
    await fs.rename(path.join(dir, 'files-arm'), path.join(dir, 'files-aarch64'));
    await fs.mkdir(path.join(dir, `files-${OTHER}`, 'usr', 'libexec', 'robot-driver'), { recursive: true });
    await fs.writeFile(path.join(dir, `files-${OTHER}`, 'usr', 'libexec', 'robot-driver', 'robot-driver'), '#!/bin/sh\n', { mode: 0o755 });
    await fs.writeFile(path.join(dir, 'package.xml'), MANIFEST('<architecture>arm64</architecture>'));
    const result = debforge(['check', dir, '--profile', 'plain'], { env });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /files-aarch64: "aarch64" is not a Debian architecture: a files-<arch>\/ folder is named after one/);
    assert.match(result.stderr, new RegExp(`files-${OTHER}/usr/libexec/robot-driver/robot-driver: installs to /usr/libexec/robot-driver/robot-driver, as files/usr/libexec/robot-driver/robot-driver does for every architecture`));
    assert.match(result.stderr, /package\.xml:\d+: <architecture> arm64 and the folders files-amd64\/, files-arm64\/ both say what to build for/);
  });

  it('check warns about NEEDED libraries no dependency is known to provide, and not about those one does', async () => {
    const dir = await twoArchitectureFolder();
    const binary = path.join(dir, `files-${OTHER}`, 'usr', 'libexec', 'robot-driver', 'robot-driver-bin');
    await fs.writeFile(binary, otherExecutable(['libc.so.6', 'libstdc++.so.6', 'libyaml-cpp.so.0.7', 'libroscpp.so']));
    const warnings = (): string[] => {
      const result = debforge(['check', dir, '--profile', 'noetic'], { env });
      assert.equal(result.code, 0, result.stderr);
      return result.stderr.split('\n').filter((line) => line.includes('needs the shared library'));
    };
    const before = warnings();
    assert.deepEqual(before.map((line) => /needs the shared library (\S+),/.exec(line)?.[1]), ['libstdc++.so.6', 'libyaml-cpp.so.0.7', 'libroscpp.so']);
    assert.match(before[0]!, new RegExp(`files-${OTHER}/usr/libexec/robot-driver/robot-driver-bin: warning: .*\\(by Debian's naming, libstdc\\+\\+6;`));
    await fs.writeFile(path.join(dir, 'package.xml'), MANIFEST('<depends>libstdc++6</depends><depends>libyaml-cpp0.7</depends><depends>ros-noetic-roscpp</depends>'));
    assert.deepEqual(warnings(), []);
  });

  it('the soname rule agrees with the machine\'s dpkg database for the libraries it has', async () => {
    const triplet = must('dpkg-architecture', ['-qDEB_HOST_MULTIARCH']).trim();
    const libraries = (await fs.readdir(`/lib/${triplet}`)).filter((name) => /^lib(c|m|z|stdc\+\+|crypto|ssl|lzma|systemd|udev|zstd|gcc_s|bz2|selinux|acl|tinfo|yaml-cpp|python3\.[0-9]+)\.so\.[0-9.]+$/.test(name));
    let checked = 0;
    for (const name of libraries) {
      const real = await fs.realpath(`/lib/${triplet}/${name}`);
      const soname = (await readElf(real))?.soname;
      if (soname === undefined || soname !== name) continue;
      const owner = run('dpkg', ['-S', real]);
      if (owner.code !== 0) continue;
      const pkg = owner.stdout.split(':')[0]!.trim();
      assert.ok(dependsProvide(soname, new Set([pkg])), `${soname} is in ${pkg} (dpkg -S); policy name ${policyPackageName(soname)}`);
      checked++;
    }
    assert.ok(checked >= 6, `checked ${checked} of ${libraries.join(' ')}`);
    assert.equal(dependsProvide('libstdc++.so.6', new Set(['libc6'])), false);
  });
});
