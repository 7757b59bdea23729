/** Where an archive entry's bytes come from: memory (rendered) or a payload file streamed from disk. */
export type EntryContent = { kind: 'buffer'; data: Buffer } | { kind: 'file'; absolutePath: string };

export interface ArchiveEntry {
  /** Path as dpkg-deb writes it: `./usr/bin/x`, directories with a trailing slash, root `./`. */
  name: string;
  type: 'directory' | 'file' | 'symlink';
  mode: number;
  size: number;
  mtime: number;
  linkTarget?: string;
  content?: EntryContent;
  /**
   * The md5 that md5sums gives for this file: the bytes written into data.tar must have it, so a
   * file changed after it was hashed fails the build instead of shipping with a wrong md5sum.
   */
  md5?: string;
}

export interface PackageLayout {
  /** Entries of data.tar in dpkg-deb's order. */
  data: ArchiveEntry[];
  /** Entries of control.tar. */
  control: ArchiveEntry[];
  controlText: string;
  installedSizeKiB: number;
  conffiles: string[];
  md5sums: string;
  /** `<package>_<version>_<arch>.deb` */
  fileName: string;
  package: string;
  version: string;
  architecture: string;
}
