import { createHash } from 'node:crypto';
import { hashFileInto, readRegularFileSync } from '../hash-file.js';
import { compareBytes } from '../load/index.js';
import { formatControl, type RenderedPackage } from '../render/index.js';
import { md5OfFiles } from './md5-pool.js';
import type { ArchiveEntry, EntryContent, PackageLayout } from './types.js';

export * from './types.js';

interface TreeFile {
  path: string;
  type: 'file' | 'symlink' | 'directory';
  mode: number;
  size: number;
  linkTarget?: string;
  content?: EntryContent;
}

interface LayoutOptions {
  /** Threads that may hash payload files at once (default 1). The result never depends on it. */
  jobs?: number;
}

/**
 * layout: rendered package + payload -> ordered archive entries, md5sums, conffiles and the final
 * control file with Installed-Size. Reads payload files only to hash them.
 */
export async function layoutPackage(rendered: RenderedPackage, options: LayoutOptions = {}): Promise<PackageLayout> {
  const { spec } = rendered;
  const epoch = spec.sourceDateEpoch;
  const files = new Map<string, TreeFile>();
  for (const entry of spec.payload) {
    if (entry.kind === 'directory') files.set(entry.target, { path: entry.target, type: 'directory', mode: 0o755, size: 0 });
    else if (entry.kind === 'symlink') files.set(entry.target, { path: entry.target, type: 'symlink', mode: 0o777, size: 0, linkTarget: entry.linkTarget! });
    else if (!entry.template) {
      files.set(entry.target, {
        path: entry.target,
        type: 'file',
        mode: entry.executable ? 0o755 : 0o644,
        size: entry.size,
        content: { kind: 'file', absolutePath: entry.absolutePath },
      });
    }
  }
  for (const generated of rendered.files) {
    files.set(generated.path, { path: generated.path, type: 'file', mode: generated.mode, size: generated.content.length, content: { kind: 'buffer', data: generated.content } });
  }

  const data = orderEntries([...files.values()], epoch);
  const conffiles = [...files.values()]
    .filter((f) => f.type === 'file' && f.path.startsWith('/etc/'))
    .map((f) => f.path)
    .sort(compareBytes);
  const conffileSet = new Set(conffiles);
  // Conffiles are hashed too, though md5sums leaves them out: the write stage holds every file's
  // bytes against its md5, so none can change between here and the archive.
  const regular = data.filter((entry) => entry.type === 'file');
  const digests = await md5s(regular, options.jobs ?? 1);
  regular.forEach((entry, i) => (entry.md5 = digests[i]!));
  const md5Lines = regular.filter((entry) => !conffileSet.has(entry.name.slice(1))).map((entry) => `${entry.md5!}  ${entry.name.slice(2)}`);
  const md5sums = md5Lines.join('\n') + (md5Lines.length > 0 ? '\n' : '');

  const scriptEntries = [...rendered.scripts.entries()].map(([name, text]) => controlFile(name, Buffer.from(text, 'utf8'), 0o755, epoch));
  const conffilesText = conffiles.length > 0 ? conffiles.join('\n') + '\n' : '';
  const installedSizeKiB = installedSize(data, [
    ...scriptEntries,
    ...(conffilesText ? [controlFile('conffiles', Buffer.from(conffilesText), 0o644, epoch)] : []),
  ]);
  const controlText = formatControl([...rendered.controlFields, ['Installed-Size', String(installedSizeKiB)]]);
  const control: ArchiveEntry[] = [
    { name: './', type: 'directory', mode: 0o755, size: 0, mtime: epoch },
    ...[
      ...(conffilesText ? [controlFile('conffiles', Buffer.from(conffilesText), 0o644, epoch)] : []),
      controlFile('control', Buffer.from(controlText, 'utf8'), 0o644, epoch),
      ...(md5sums ? [controlFile('md5sums', Buffer.from(md5sums), 0o644, epoch)] : []),
      ...scriptEntries,
    ].sort((a, b) => compareBytes(a.name, b.name)),
  ];
  return {
    data,
    control,
    controlText,
    installedSizeKiB,
    conffiles,
    md5sums,
    fileName: debFileName(spec),
    package: spec.package,
    version: spec.version,
    architecture: spec.architecture,
  };
}

/** `<package>_<version without epoch>_<arch>.deb`, as dpkg-deb names a package. */
export function debFileName(spec: { package: string; version: string; architecture: string }): string {
  return `${spec.package}_${spec.version.replace(/^[0-9]+:/, '')}_${spec.architecture}.deb`;
}

function controlFile(name: string, data: Buffer, mode: number, epoch: number): ArchiveEntry {
  return { name: `./${name}`, type: 'file', mode, size: data.length, mtime: epoch, content: { kind: 'buffer', data } };
}

/**
 * dpkg-deb's order: every directory before its children, children sorted bytewise, depth first;
 * symlinks after everything else (so a link never precedes the directory it lives in or points to).
 */
function orderEntries(files: TreeFile[], epoch: number): ArchiveEntry[] {
  interface Node { children: Map<string, Node>; file?: TreeFile }
  const root: Node = { children: new Map() };
  for (const file of files) {
    let node = root;
    for (const part of file.path.split('/').filter((p) => p !== '')) {
      let child = node.children.get(part);
      if (!child) {
        child = { children: new Map() };
        node.children.set(part, child);
      }
      node = child;
    }
    node.file = file;
  }
  const ordered: ArchiveEntry[] = [];
  const symlinks: ArchiveEntry[] = [];
  const visit = (node: Node, name: string): void => {
    const file = node.file;
    if (file?.type === 'symlink') {
      symlinks.push({ name, type: 'symlink', mode: 0o777, size: 0, mtime: epoch, linkTarget: file.linkTarget! });
      return;
    }
    if (file && file.type === 'file') {
      ordered.push({ name, type: 'file', mode: file.mode, size: file.size, mtime: epoch, content: file.content! });
      return;
    }
    ordered.push({ name: name.endsWith('/') ? name : `${name}/`, type: 'directory', mode: 0o755, size: 0, mtime: epoch });
    const prefix = name.endsWith('/') ? name : `${name}/`;
    for (const childName of [...node.children.keys()].sort(compareBytes)) visit(node.children.get(childName)!, `${prefix}${childName}`);
  };
  visit(root, './');
  return [...ordered, ...symlinks];
}

/**
 * dpkg-gencontrol's Installed-Size: over the staged tree (root and DEBIAN/ included, as they are
 * when dpkg-gencontrol runs: maintainer scripts and conffiles, not yet control or md5sums), each
 * regular file or symlink adds ceil(size / 1024), each directory or other object adds 1.
 */
function installedSize(data: ArchiveEntry[], controlFiles: ArchiveEntry[]): number {
  const kib = (entry: ArchiveEntry): number => {
    if (entry.type === 'directory') return 1;
    const size = entry.type === 'symlink' ? Buffer.byteLength(entry.linkTarget ?? '', 'utf8') : entry.size;
    return Math.ceil(size / 1024);
  };
  const controlDirectory = 1;
  return data.reduce((sum, e) => sum + kib(e), 0) + controlDirectory + controlFiles.reduce((sum, e) => sum + kib(e), 0);
}

/** Files up to this size are read in one synchronous call: a stream's open/read/close round trips cost more. */
const SMALL_FILE_BYTES = 256 * 1024;

/** Read size for big payload files: few system calls, and one buffer for the whole package. */
const READ_BYTES = 1024 * 1024;

/**
 * Big files adding up to at least this are hashed on threads (md5-pool.ts): about 50 ms of md5
 * on one core, well over what starting the threads costs.
 */
const THREADED_MD5_BYTES = 32 * 1024 * 1024;

/**
 * The md5 of each entry's content, in order. Big files go to `jobs` threads when there are
 * enough of them to pay for the threads; the rest are hashed here meanwhile, big files read
 * through one buffer for the whole package (hashFileInto).
 */
async function md5s(entries: readonly ArchiveEntry[], jobs: number): Promise<string[]> {
  const isBig = (entry: ArchiveEntry): boolean => entry.content!.kind === 'file' && entry.size > SMALL_FILE_BYTES;
  const big = entries.filter(isBig);
  const bigBytes = big.reduce((sum, entry) => sum + entry.size, 0);
  const threaded = jobs > 1 && big.length > 1 && bigBytes >= THREADED_MD5_BYTES;
  const onThreads = threaded ? md5OfFiles(big.map((entry) => (entry.content as { absolutePath: string }).absolutePath), jobs) : undefined;
  // Never left unhandled while this thread hashes the small files; awaited below.
  onThreads?.catch(() => undefined);
  const digests: (string | undefined)[] = [];
  let readBuffer: Buffer | undefined;
  for (const entry of entries) {
    const content = entry.content!;
    const hash = createHash('md5');
    if (threaded && isBig(entry)) digests.push(undefined);
    else if (content.kind === 'buffer') digests.push(hash.update(content.data).digest('hex'));
    else if (entry.size <= SMALL_FILE_BYTES) digests.push(hash.update(readRegularFileSync(content.absolutePath)).digest('hex'));
    else {
      await hashFileInto(hash, content.absolutePath, (readBuffer ??= Buffer.allocUnsafe(READ_BYTES)));
      digests.push(hash.digest('hex'));
    }
  }
  if (onThreads === undefined) return digests as string[];
  const fromThreads = await onThreads;
  let next = 0;
  return digests.map((digest) => digest ?? fromThreads[next++]!);
}
