// Small .deb files made byte by byte for the reader's tests: valid ones, and hostile ones made by
// patching the valid ones' headers. dpkgDebBuilt makes a real package with dpkg-deb.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { encodeTarHeader } from '../../src/debian/tar-header.js';
import { must } from './tools.js';

const MiB = 1024 * 1024;
export const CONTROL = 'Package: hostile\nVersion: 1.0\nArchitecture: all\nMaintainer: Test <test@example.org>\nDescription: test\n';

export function arHeader(name: string, sizeField: string): Buffer {
  const header = name.padEnd(16) + '0'.padEnd(12) + '0'.padEnd(6) + '0'.padEnd(6) + '100644'.padEnd(8) + sizeField.padEnd(10) + '`\n';
  assert.equal(header.length, 60);
  return Buffer.from(header, 'latin1');
}

function arMember(name: string, data: Buffer): Buffer {
  return Buffer.concat([arHeader(name, String(data.length)), data, data.length % 2 === 1 ? Buffer.from('\n') : Buffer.alloc(0)]);
}

export function arArchive(members: ReadonlyArray<readonly [string, Buffer]>): Buffer {
  return Buffer.concat([Buffer.from('!<arch>\n'), ...members.map(([name, data]) => arMember(name, data))]);
}

export interface CraftedEntry {
  name: string;
  type?: '0' | '1' | '2' | '5' | 'x';
  content?: Buffer;
  linkname?: string;
}

export function tarEntry(entry: CraftedEntry): Buffer {
  const content = entry.content ?? Buffer.alloc(0);
  const header = encodeTarHeader({
    name: Buffer.from(entry.name),
    mode: entry.type === '5' ? 0o755 : 0o644,
    size: content.length,
    mtime: 0,
    typeflag: entry.type ?? '0',
    ...(entry.linkname !== undefined ? { linkname: Buffer.from(entry.linkname) } : {}),
  });
  const padding = Buffer.alloc((512 - (content.length % 512)) % 512);
  return Buffer.concat([header, content, padding]);
}

export function tarArchive(entries: readonly CraftedEntry[]): Buffer {
  return Buffer.concat([...entries.map(tarEntry), Buffer.alloc(1024)]);
}

/** Rewrites a header field and sets the checksum the rewritten header needs. */
export function patchHeader(header: Buffer, offset: number, value: Buffer): Buffer {
  const patched = Buffer.from(header);
  value.copy(patched, offset);
  patched.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of patched) sum += byte;
  patched.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return patched;
}

export const controlTar = (): Buffer => tarArchive([{ name: './', type: '5' }, { name: './control', content: Buffer.from(CONTROL) }]);

export function debWith(dataMemberName: string, data: Buffer): Buffer {
  return arArchive([
    ['debian-binary', Buffer.from('2.0\n')],
    ['control.tar', controlTar()],
    [dataMemberName, data],
  ]);
}

export function compress(command: string, args: readonly string[], input: Buffer): Buffer {
  const result = spawnSync(command, args, { input, maxBuffer: 256 * MiB });
  assert.equal(result.status, 0, `${command} failed`);
  return result.stdout;
}

/**
 * A decompression bomb: a tar header for one file of `size` zero bytes (a multiple of 64 MiB),
 * then the zeros, compressed by `command`. The zeros are compressed 64 MiB at a time and the
 * pieces concatenated (every format here allows several streams or frames one after another), so
 * making a 1 GiB bomb takes seconds.
 */
export function bomb(command: string, args: readonly string[], size: number): Buffer {
  const piece = 64 * MiB;
  const header = encodeTarHeader({ name: Buffer.from('./zeros'), mode: 0o644, size, mtime: 0, typeflag: '0' });
  const compressed = (withHeader: boolean): Buffer => {
    const script = `{ ${withHeader ? 'cat; ' : ''}head -c ${piece} /dev/zero; } | ${command} ${args.join(' ')}`;
    const result = spawnSync('sh', ['-c', script], { input: withHeader ? header : Buffer.alloc(0), maxBuffer: 256 * MiB });
    assert.equal(result.status, 0, `${command} failed: ${String(result.stderr)}`);
    return result.stdout;
  };
  const rest = compressed(false);
  return Buffer.concat([compressed(true), ...Array.from({ length: size / piece - 1 }, () => rest)]);
}

/** A minimal real package made by dpkg-deb with the given compression. */
export async function dpkgDebBuilt(dir: string, compression: 'gzip' | 'xz' | 'zstd' | 'none', name = `real-${compression}`): Promise<string> {
  const root = path.join(dir, `${name}-root`);
  await fs.mkdir(path.join(root, 'DEBIAN'), { recursive: true });
  await fs.mkdir(path.join(root, 'usr/share', name), { recursive: true });
  await fs.writeFile(path.join(root, 'DEBIAN/control'), CONTROL.replace('hostile', name));
  await fs.writeFile(path.join(root, 'DEBIAN/postinst'), '#!/bin/sh\nset -e\necho "configured"\n', { mode: 0o755 });
  await fs.writeFile(path.join(root, 'usr/share', name, 'data.txt'), 'some data\n'.repeat(1000));
  await fs.symlink('data.txt', path.join(root, 'usr/share', name, 'link.txt'));
  const deb = path.join(dir, `${name}.deb`);
  must('dpkg-deb', ['--root-owner-group', `-Z${compression}`, '--build', root, deb]);
  await fs.rm(root, { recursive: true });
  return deb;
}

