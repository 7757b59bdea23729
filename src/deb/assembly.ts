import { type ArMemberHeader } from '../debian/ar.js';
import { parseControlStanza, type Stanza } from '../debian/deb822.js';
import { DebFormatError } from '../debian/format-error.js';
import { ConfinementCheck } from './confinement.js';
import { memberCompression, type Compression, type ExpansionLimits } from './decompress.js';
import type { TarEntry } from './tar.js';

/**
 * What makes a .deb a .deb, above its ar and tar containers: the order and kinds of its members,
 * which control and data files are read, the control file parsed as dpkg reads it, and where an
 * entry would escape the root. Both ways of reading a package (streamed, or held whole in memory)
 * hand their members and entries to one DebAssembly, so they accept and refuse the same packages.
 */

type ArMember = Omit<ArMemberHeader, 'offset'>;

export interface TarItem extends TarEntry {
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

export interface DebLimits {
  control: ExpansionLimits;
  data: ExpansionLimits;
  /** Largest control file (control, a maintainer script, conffiles, md5sums) read into memory. */
  controlFileBytes: number;
  /** Largest data file `dataFiles` or `withContents` reads into memory. */
  dataFileBytes: number;
}

const MiB = 1024 * 1024;

export const DEFAULT_LIMITS: DebLimits = {
  control: { ratio: 200, graceBytes: MiB, maxBytes: 256 * MiB },
  // Real payloads compress 2- to 20-fold, text and logs up to 50-fold; past 200-fold a data.tar
  // is mostly zeros (gzip cannot even pass 1032-fold). The absolute cap (1 TiB) is far beyond
  // any package debforge builds in practice and bounds the time a hostile one can take.
  data: { ratio: 200, graceBytes: 64 * MiB, maxBytes: 2 ** 40 },
  controlFileBytes: 64 * MiB,
  dataFileBytes: 64 * MiB,
};

export interface ReadDebOptions {
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

/** What a reader does with an ar member. */
export type MemberPart =
  | { kind: 'debian-binary' }
  | { kind: 'skip' }
  | { kind: 'control' | 'data'; compression: Compression; limits: ExpansionLimits };

const SCRIPTS = ['preinst', 'postinst', 'prerm', 'postrm', 'config', 'triggers'];
const CONTROL_FILES = new Set(['control', 'conffiles', ...SCRIPTS]);

function controlName(name: string): string {
  return name.replace(/^\.\//, '');
}

export class DebAssembly {
  private readonly members: ArMember[] = [];
  private readonly controlItems: TarItem[] = [];
  private readonly controlFiles = new Map<string, string>();
  private readonly dataItems: TarItem[] = [];
  private readonly dataFiles = new Map<string, Buffer>();
  private control: Stanza | undefined;
  private sawData = false;
  private confinement = new ConfinementCheck();
  readonly limits: DebLimits;

  constructor(private readonly options: ReadDebOptions) {
    this.limits = options.limits ?? DEFAULT_LIMITS;
  }

  /** The next ar member, by its header. */
  member(header: ArMemberHeader): MemberPart {
    const { offset, ...member } = header;
    void offset;
    this.members.push(member);
    if (this.members.length === 1) {
      if (member.name !== 'debian-binary') throw new DebFormatError(`the first ar member is ${member.name}, not debian-binary: not a .deb`);
      return { kind: 'debian-binary' };
    }
    // Members whose names start with `_` are extensions dpkg skips.
    if (member.name.startsWith('_')) return { kind: 'skip' };
    const controlCompression = memberCompression(member.name, 'control.tar');
    if (controlCompression !== undefined) {
      if (this.control !== undefined) throw new DebFormatError(`a second control member ${member.name}`);
      return { kind: 'control', compression: controlCompression, limits: this.limits.control };
    }
    const dataCompression = memberCompression(member.name, 'data.tar');
    if (dataCompression !== undefined) {
      if (this.control === undefined) throw new DebFormatError(`ar member ${member.name} comes before the control member`);
      if (this.sawData) throw new DebFormatError(`a second data member ${member.name}`);
      this.sawData = true;
      return { kind: 'data', compression: dataCompression, limits: this.limits.data };
    }
    throw new DebFormatError(`unexpected ar member ${member.name} (a .deb holds debian-binary, control.tar.* and data.tar.*)`);
  }

  /** Whether debian-binary's bytes (of a member of `size` bytes) are worth reading: only a short one can hold a version. */
  static readsDebianBinary(size: number): boolean {
    return size <= 16;
  }

  /** debian-binary's contents (nothing for a member too long to hold a version). */
  debianBinary(version: Buffer | undefined): void {
    if (!/^2\.[0-9]+\n/.test((version ?? Buffer.alloc(0)).toString('latin1'))) throw new DebFormatError('debian-binary does not hold a format version 2.x: not a .deb this reader knows');
  }

  /** The most bytes of `entry` of a control or data member to read for `add`, or undefined when its contents are not wanted. */
  wants(part: 'control' | 'data', entry: TarEntry): number | undefined {
    if (entry.type !== 'file') return undefined;
    if (part === 'control') {
      const name = controlName(entry.name);
      return CONTROL_FILES.has(name) || (name === 'md5sums' && this.options.withContents === true) ? this.limits.controlFileBytes : undefined;
    }
    return this.options.withContents === true || (this.options.dataFiles?.(entry.name, this.control!) ?? false) ? this.limits.dataFileBytes : undefined;
  }

  /** An entry of a control or data member, with its contents if `wants` asked for them. */
  add(part: 'control' | 'data', entry: TarEntry, content: Buffer | undefined): void {
    // The entry is the reader's own fresh object: it becomes the item, with no copy.
    if (part === 'control') {
      const item: TarItem = entry;
      if (content !== undefined) {
        this.controlFiles.set(controlName(entry.name), content.toString('utf8'));
        item.content = content;
      }
      this.controlItems.push(item);
      return;
    }
    const escapes = this.confinement.check(entry);
    if (content !== undefined && this.options.dataFiles !== undefined) this.dataFiles.set(entry.name, content);
    if (!(this.options.listData ?? true)) return;
    const item: TarItem = entry;
    if (content !== undefined && this.options.withContents === true) item.content = content;
    if (escapes !== undefined) item.escapes = escapes;
    this.dataItems.push(item);
  }

  /** The end of a member's tar archive. */
  endMember(part: 'control' | 'data', memberName: string): void {
    if (part !== 'control') return;
    const controlText = this.controlFiles.get('control');
    if (controlText === undefined) throw new DebFormatError(`${memberName} has no control file`);
    this.control = parseControlStanza(controlText, { controlCharacters: this.options.controlCharacters ?? 'refuse' });
  }

  /** The package read, once every member was handed over, with the file's size, bytes (if kept) and hashes. */
  finish(file: { size: number; bytes?: Buffer; md5: string; sha256: string }): DebContents {
    if (this.members.length === 0) throw new DebFormatError('an empty ar archive: not a .deb');
    if (this.control === undefined || !this.sawData) throw new DebFormatError('missing control.tar or data.tar member');
    const scripts = new Map<string, string>();
    for (const script of SCRIPTS) {
      const text = this.controlFiles.get(script);
      if (text !== undefined) scripts.set(script, text);
    }
    const md5sums = this.controlFiles.get('md5sums');
    return {
      members: this.members,
      control: this.control,
      controlText: this.controlFiles.get('control')!,
      scripts,
      conffiles: (this.controlFiles.get('conffiles') ?? '').split('\n').filter((line) => line !== ''),
      ...(md5sums !== undefined ? { md5sums } : {}),
      controlItems: this.controlItems,
      dataItems: this.dataItems,
      dataFiles: this.dataFiles,
      size: file.size,
      ...(this.options.keepBytes === true && file.bytes !== undefined ? { bytes: file.bytes } : {}),
      md5: file.md5,
      sha256: file.sha256,
    };
  }
}
