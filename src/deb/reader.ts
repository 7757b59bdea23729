import { createHash } from 'node:crypto';
import { arMembers, arMembersInMemory } from './ar.js';
import { DebAssembly, type DebContents, type ReadDebOptions } from './assembly.js';
import { ByteReader } from './bytes.js';
import { decompressed, decompressedInMemory, loadDecoders, memberCompression, type Compression, type LoadedDecoders } from './decompress.js';
import { openRegularFile, type InputFile } from './input-file.js';
import { TarInMemory, TarReader } from './tar.js';

/**
 * The one .deb reader (for `inspect`, `repo` and the tests). Every header is validated,
 * decompression is limited, only regular files are read, and nothing is ever written. A package
 * is read in a single front-to-back pass over the file, members decompressed as streams and their
 * tar entries parsed as they pass, so memory is bounded whatever the package's size. A small
 * package (read whole at open, its members small enough to decompress in one call) is parsed
 * synchronously in memory instead, which is most of the cost of a repository of thousands of
 * tiny packages; both ways drive the same header rules and the same DebAssembly. Should the
 * in-memory reading refuse a package, or find a member too large for it, the stream reads it
 * again from the same bytes, so every message comes from one place.
 */

export { DebFormatError } from '../debian/format-error.js';
export type { DebContents } from './assembly.js';

/**
 * Reads a .deb; every problem is a DebFormatError with a one-line message (the caller names the
 * file), or a Deb822Error naming the line of the control file that dpkg would not read as one stanza.
 */
export async function readDeb(file: string, options: ReadDebOptions = {}): Promise<DebContents> {
  const input = await openRegularFile(file);
  try {
    if (input.whole !== undefined && input.whole.length === input.size) {
      try {
        const contents = readDebInMemory(input.whole, options, await decodersFor(input.whole));
        if (contents !== undefined) return contents;
      } catch {
        // The stream below reads it again and says why it is refused.
      }
    }
    return await readStreaming(input, options);
  } finally {
    await input.close();
  }
}

/** The decoders the in-memory reading of `bytes` needs for its members, loaded (none for gzip). */
async function decodersFor(bytes: Buffer): Promise<LoadedDecoders> {
  const compressions = new Set<Compression>();
  try {
    for (const { header } of arMembersInMemory(bytes)) {
      const compression = memberCompression(header.name, 'control.tar') ?? memberCompression(header.name, 'data.tar');
      if (compression !== undefined) compressions.add(compression);
    }
  } catch {
    // Whatever is wrong is found again, and reported, by the reading itself.
  }
  return compressions.has('xz') || compressions.has('zstd') ? loadDecoders(compressions) : {};
}

/** The package held whole in `bytes`, read synchronously; undefined if a member needs the stream. `decoders`: those its members need, loaded (decodersFor). */
export function readDebInMemory(bytes: Buffer, options: ReadDebOptions, decoders: LoadedDecoders = {}): DebContents | undefined {
  const deb = new DebAssembly(options);
  for (const { header: member, data: memberData } of arMembersInMemory(bytes)) {
    const part = deb.member(member);
    if (part.kind === 'debian-binary') deb.debianBinary(DebAssembly.readsDebianBinary(member.size) ? memberData : undefined);
    if (part.kind !== 'control' && part.kind !== 'data') continue;
    const data = decompressedInMemory(member.name, part.compression, memberData, part.limits, decoders);
    if (data === undefined) return undefined;
    const tar = new TarInMemory(data, member.name);
    for (let entry = tar.next(); entry !== undefined; entry = tar.next()) {
      const cap = deb.wants(part.kind, entry);
      deb.add(part.kind, entry, cap === undefined ? undefined : tar.readBody(cap, entry.name));
    }
    deb.endMember(part.kind, member.name);
  }
  const hash = (algorithm: string): string => createHash(algorithm).update(bytes).digest('hex');
  return deb.finish({ size: bytes.length, bytes, md5: hash('md5'), sha256: hash('sha256') });
}

/** readDeb, always streaming the file (for the test that holds the two ways of reading to the same results). */
export async function readDebStreamed(file: string, options: ReadDebOptions = {}): Promise<DebContents> {
  const input = await openRegularFile(file);
  try {
    return await readStreaming(input, options);
  } finally {
    await input.close();
  }
}

/** The package streamed from `input`, each byte hashed as it passes. */
async function readStreaming(input: InputFile, options: ReadDebOptions): Promise<DebContents> {
  const md5 = createHash('md5');
  const sha256 = createHash('sha256');
  const reader = new ByteReader(input.chunks((chunk) => [md5, sha256].forEach((hash) => hash.update(chunk)))[Symbol.asyncIterator]());
  const deb = new DebAssembly(options);
  for await (const member of arMembers(reader, input.size)) {
    const part = deb.member(member);
    if (part.kind === 'debian-binary') deb.debianBinary(DebAssembly.readsDebianBinary(member.size) ? await reader.read(member.size, 'debian-binary') : undefined);
    if (part.kind !== 'control' && part.kind !== 'data') continue;
    const tar = new TarReader(decompressed(member.name, part.compression, reader.chunks(member.size, `ar member ${member.name}`), part.limits), member.name);
    for (let entry = await tar.next(); entry !== undefined; entry = await tar.next()) {
      const cap = deb.wants(part.kind, entry);
      deb.add(part.kind, entry, cap === undefined ? undefined : await tar.readBody(cap, entry.name));
    }
    deb.endMember(part.kind, member.name);
  }
  return deb.finish({ size: input.size, ...(input.whole !== undefined && input.whole.length === input.size ? { bytes: input.whole } : {}), md5: md5.digest('hex'), sha256: sha256.digest('hex') });
}
