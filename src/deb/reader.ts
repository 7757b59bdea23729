import { createHash, type Hash } from 'node:crypto';
import { type ArMemberHeader } from '../debian/ar.js';
import { arMembers } from './ar.js';
import { ByteReader } from './bytes.js';
import { ConfinementCheck } from './confinement.js';
import { decompressed, memberCompression, type Compression, type ExpansionLimits } from './decompress.js';
import { parseControlStanza, type Stanza } from '../debian/deb822.js';
import { DebFormatError } from '../debian/format-error.js';
import { openRegularFile } from './input-file.js';
import { TarReader, type TarEntry } from './tar.js';

/**
 * The one .deb reader (for `inspect`, `repo` and the tests): a single front-to-back pass over the
 * file, members decompressed as streams and their tar entries parsed as they pass, so memory is
 * bounded whatever the package's size. Every header is validated, decompression is limited, only
 * regular files are read, and nothing is ever written.
 */

export { DebFormatError } from '../debian/format-error.js';

type ArMember = Omit<ArMemberHeader, 'offset'>;

interface TarItem extends TarEntry {
  content?: Buffer;
  /** Why unpacking this entry would escape the root (data.tar only), if it would. */
  escapes?: string;
}

export interface DebContents {
  members: ArMember[];
  /** The control file's fields, in their order, as dpkg reads them. */
  control: Stanza;
  controlText: string;
  scripts: Map<string, string>;
  conffiles: string[];
  /** The md5sums control file, read only with `withContents`. */
  md5sums?: string;
  controlItems: TarItem[];
  /** Every data.tar entry, unless `listData` is false. */
  dataItems: TarItem[];
  /** Contents of the data files `dataFiles` asked for, by name as in the archive. */
  dataFiles: Map<string, Buffer>;
  /** Size, md5 and sha256 of the whole .deb file, from the same read. */
  size: number;
  /** The file's bytes as read and hashed, with `keepBytes`, for a file read in one piece (up to 1 MiB). */
  bytes?: Buffer;
  md5: string;
  sha256: string;
}

interface DebLimits {
  control: ExpansionLimits;
  data: ExpansionLimits;
  /** Largest control file (control, a maintainer script, conffiles, md5sums) read into memory. */
  controlFileBytes: number;
  /** Largest data file `dataFiles` or `withContents` reads into memory. */
  dataFileBytes: number;
}

const MiB = 1024 * 1024;

const DEFAULT_LIMITS: DebLimits = {
  control: { ratio: 200, graceBytes: MiB, maxBytes: 256 * MiB },
  // Real payloads compress 2- to 20-fold, text and logs up to 50-fold; past 200-fold a data.tar
  // is mostly zeros (gzip cannot even pass 1032-fold). The absolute cap (1 TiB) is far beyond
  // any package debforge builds in practice and bounds the time a hostile one can take.
  data: { ratio: 200, graceBytes: 64 * MiB, maxBytes: 2 ** 40 },
  controlFileBytes: 64 * MiB,
  dataFileBytes: 64 * MiB,
};

interface ReadDebOptions {
  /** Read the contents of every regular file of data.tar (tests, small packages: bounded by `dataFileBytes` each). */
  withContents?: boolean;
  /** Data files whose contents to read, decided per name once the control file is known. */
  dataFiles?: (name: string, control: Stanza) => boolean;
  /** Keep the list of data.tar entries (default true; `repo` does not need it). */
  listData?: boolean;
  /**
   * Control characters in control fields: refused (the default: what goes into an index must read
   * the same everywhere), or kept as dpkg keeps them (to show a package as it is).
   */
  controlCharacters?: 'refuse' | 'keep';
  /** Return the bytes read, if the file was read in one piece (`repo` writes its pool copy from the bytes it hashed). */
  keepBytes?: boolean;
  limits?: DebLimits;
}

const SCRIPTS = ['preinst', 'postinst', 'prerm', 'postrm', 'config', 'triggers'];
const CONTROL_FILES = new Set(['control', 'conffiles', ...SCRIPTS]);

function controlName(name: string): string {
  return name.replace(/^\.\//, '');
}

/**
 * Reads a .deb; every problem is a DebFormatError with a one-line message (the caller names the
 * file), or a Deb822Error naming the line of the control file that dpkg would not read as one stanza.
 */
export async function readDeb(file: string, options: ReadDebOptions = {}): Promise<DebContents> {
  const limits = options.limits ?? DEFAULT_LIMITS;
  const input = await openRegularFile(file);
  const md5 = createHash('md5');
  const sha256 = createHash('sha256');
  const hashes: Hash[] = [md5, sha256];
  try {
    const reader = new ByteReader(input.chunks((chunk) => hashes.forEach((hash) => hash.update(chunk)))[Symbol.asyncIterator]());
    const members: ArMember[] = [];
    const controlItems: TarItem[] = [];
    const controlFiles = new Map<string, string>();
    const dataItems: TarItem[] = [];
    const dataFiles = new Map<string, Buffer>();
    let control: Stanza | undefined;
    let sawData = false;
    for await (const member of arMembers(reader, input.size)) {
      const { offset, ...header } = member;
      void offset;
      members.push(header);
      const memberData = reader.chunks(member.size, `ar member ${member.name}`);
      if (members.length === 1) {
        if (member.name !== 'debian-binary') throw new DebFormatError(`the first ar member is ${member.name}, not debian-binary: not a .deb`);
        const version = member.size <= 16 ? await reader.read(member.size, 'debian-binary') : Buffer.alloc(0);
        if (!/^2\.[0-9]+\n/.test(version.toString('latin1'))) throw new DebFormatError('debian-binary does not hold a format version 2.x: not a .deb this reader knows');
        continue;
      }
      // Members whose names start with `_` are extensions dpkg skips.
      if (member.name.startsWith('_')) continue;
      const controlCompression = memberCompression(member.name, 'control.tar');
      if (controlCompression !== undefined) {
        if (control !== undefined) throw new DebFormatError(`a second control member ${member.name}`);
        await readTar(member.name, controlCompression, memberData, limits.control, async (entry, tar) => {
          const name = controlName(entry.name);
          const item: TarItem = { ...entry };
          if (entry.type === 'file' && (CONTROL_FILES.has(name) || (name === 'md5sums' && options.withContents === true))) {
            const body = await tar.readBody(limits.controlFileBytes, entry.name);
            controlFiles.set(name, body.toString('utf8'));
            item.content = body;
          }
          controlItems.push(item);
        });
        const controlText = controlFiles.get('control');
        if (controlText === undefined) throw new DebFormatError(`${member.name} has no control file`);
        control = parseControlStanza(controlText, { controlCharacters: options.controlCharacters ?? 'refuse' });
        continue;
      }
      const dataCompression = memberCompression(member.name, 'data.tar');
      if (dataCompression !== undefined) {
        if (control === undefined) throw new DebFormatError(`ar member ${member.name} comes before the control member`);
        if (sawData) throw new DebFormatError(`a second data member ${member.name}`);
        sawData = true;
        const known = control;
        const confinement = new ConfinementCheck();
        await readTar(member.name, dataCompression, memberData, limits.data, async (entry, tar) => {
          const escapes = confinement.check(entry);
          const wanted = entry.type === 'file' && (options.withContents === true || (options.dataFiles?.(entry.name, known) ?? false));
          const content = wanted ? await tar.readBody(limits.dataFileBytes, entry.name) : undefined;
          if (content !== undefined && options.dataFiles !== undefined) dataFiles.set(entry.name, content);
          if (options.listData ?? true) dataItems.push({ ...entry, ...(content !== undefined && options.withContents === true ? { content } : {}), ...(escapes !== undefined ? { escapes } : {}) });
        });
        continue;
      }
      throw new DebFormatError(`unexpected ar member ${member.name} (a .deb holds debian-binary, control.tar.* and data.tar.*)`);
    }
    if (members.length === 0) throw new DebFormatError('an empty ar archive: not a .deb');
    if (control === undefined || !sawData) throw new DebFormatError('missing control.tar or data.tar member');
    const controlText = controlFiles.get('control')!;
    const scripts = new Map<string, string>();
    for (const script of SCRIPTS) {
      const text = controlFiles.get(script);
      if (text !== undefined) scripts.set(script, text);
    }
    const md5sums = controlFiles.get('md5sums');
    return {
      members,
      control,
      controlText,
      scripts,
      conffiles: (controlFiles.get('conffiles') ?? '').split('\n').filter((line) => line !== ''),
      ...(md5sums !== undefined ? { md5sums } : {}),
      controlItems,
      dataItems,
      dataFiles,
      size: input.size,
      ...(options.keepBytes === true && input.whole !== undefined && input.whole.length === input.size ? { bytes: input.whole } : {}),
      md5: md5.digest('hex'),
      sha256: sha256.digest('hex'),
    };
  } finally {
    await input.close();
  }
}

async function readTar(
  member: string,
  compression: Compression,
  data: AsyncIterable<Buffer>,
  limits: ExpansionLimits,
  visit: (entry: TarEntry, tar: TarReader) => Promise<void>,
): Promise<void> {
  const tar = new TarReader(decompressed(member, compression, data, limits), member);
  for (let entry = await tar.next(); entry !== undefined; entry = await tar.next()) await visit(entry, tar);
}
