/**
 * The Packages indexes: one entry per package, version and architecture, read back from the
 * repository and written (plain, .gz and .xz) under `dists/<suite>/<component>/binary-<arch>/`.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { exists } from '../fs-exists.js';
import { gzipSync } from '../write/compress/gzip-parallel.js';
import type { DebInfo } from './deb.js';
import { compressIndex } from './index-xz.js';
import { parseRepositoryFile, readIfExists, sha256 } from './io.js';
import { Phase, type Staging } from './staging.js';
import { field, orderPackagesFields, renderStanza, type Stanza } from '../debian/deb822.js';
import { compareDebianVersions } from '../debian/version.js';

export const INDEX_NAMES = ['Packages', 'Packages.gz', 'Packages.xz'] as const;
const INDEX_GZIP_LEVEL = 6;

export interface Entry {
  key: string;
  package: string;
  version: string;
  architecture: string;
  filename: string;
  sha256: string;
  stanza: Stanza;
}

export function entryKey(pkg: string, version: string, architecture: string): string {
  return `${pkg}\u0000${version}\u0000${architecture}`;
}

function entryFromStanza(stanza: Stanza): Entry | undefined {
  const pkg = field(stanza, 'Package');
  const version = field(stanza, 'Version');
  const architecture = field(stanza, 'Architecture');
  const filename = field(stanza, 'Filename');
  const sha256 = field(stanza, 'SHA256');
  if (!pkg || !version || !architecture || !filename || !sha256) return undefined;
  return { key: entryKey(pkg, version, architecture), package: pkg, version, architecture, filename, sha256, stanza };
}

export function compareEntries(a: Entry, b: Entry): number {
  if (a.package !== b.package) return a.package < b.package ? -1 : 1;
  const byVersion = compareDebianVersions(a.version, b.version);
  if (byVersion !== 0) return byVersion;
  return a.architecture < b.architecture ? -1 : a.architecture > b.architecture ? 1 : 0;
}

/** Fields of a Packages stanza that the repository writes, whatever the control file says. */
const REPOSITORY_FIELDS: ReadonlySet<string> = new Set(['filename', 'size', 'md5sum', 'sha1', 'sha256', 'sha512']);

/** The Packages stanza of a .deb: its control fields plus where it is and its hashes, in apt-ftparchive's order. */
export function packagesStanza(deb: DebInfo, filename: string): Stanza {
  return orderPackagesFields([
    ...deb.control.filter(([name]) => !REPOSITORY_FIELDS.has(name.toLowerCase())),
    ['Filename', filename],
    ['Size', String(deb.size)],
    ['MD5sum', deb.md5],
    ['SHA256', deb.sha256],
  ]);
}

function renderPackages(entries: Iterable<{ stanza: Stanza }>): string {
  let text = '';
  for (const entry of entries) text += `${renderStanza(entry.stanza)}\n`;
  return text;
}

/** The entries of every binary-<arch>/Packages of one component, `all` packages once. */
export async function readEntries(componentDir: string): Promise<Map<string, Entry>> {
  const entries = new Map<string, Entry>();
  let dirs: string[];
  try {
    dirs = (await fs.readdir(componentDir)).filter((name) => name.startsWith('binary-')).sort();
  } catch {
    return entries;
  }
  for (const dir of dirs) {
    const file = path.join(componentDir, dir, 'Packages');
    const text = await readIfExists(file);
    if (text === undefined) continue;
    for (const stanza of parseRepositoryFile(file, text.toString('utf8'))) {
      const entry = entryFromStanza(stanza);
      if (entry !== undefined && !entries.has(entry.key)) entries.set(entry.key, entry);
    }
  }
  return entries;
}

/** What a repository remembers of the Packages.xz files it wrote (cache.ts), so that a publish re-encodes only what changed. */
export interface IndexMemory {
  /** The sha256 of the Packages that the Packages.xz of sha256 `xzSha256` was written from, if this repository wrote it. */
  indexSource(xzSha256: string): string | undefined;
  rememberIndex(xzSha256: string, plainSha256: string): void;
}

interface StagedIndexes {
  /** What this publish writes, by path relative to the suite's folder. */
  fresh: Map<string, Buffer>;
  changed: boolean;
}

/**
 * Stages the Packages indexes of one component of a suite, one per architecture listed: rewritten
 * only where their contents change; identical ones share one compression.
 */
export async function stageIndexes(suiteDir: string, component: string, sorted: readonly Entry[], archList: readonly string[], staging: Staging, memory?: IndexMemory): Promise<StagedIndexes> {
  const fresh = new Map<string, Buffer>();
  const compressed = new Map<string, Array<[name: string, data: Buffer]>>();
  let changed = false;
  for (const arch of archList) {
    const relativeDir = path.join(component, `binary-${arch}`);
    const dir = path.join(suiteDir, relativeDir);
    const plain = Buffer.from(renderPackages(sorted.filter((e) => e.architecture === arch)));
    const current = await readIfExists(path.join(dir, 'Packages'));
    if (current?.equals(plain) && (await exists(path.join(dir, 'Packages.gz'))) && (await exists(path.join(dir, 'Packages.xz')))) continue;
    changed = true;
    const plainHash = sha256(plain);
    let variants = compressed.get(plainHash);
    if (variants === undefined) {
      // The blocks of the Packages.xz there, if this repository wrote it from the Packages there, are reused.
      const previousXz = current !== undefined && memory !== undefined ? await readIfExists(path.join(dir, 'Packages.xz')) : undefined;
      const trusted = previousXz !== undefined && current !== undefined && memory?.indexSource(sha256(previousXz)) === sha256(current);
      const { xz } = await compressIndex(plain, trusted ? { plain: current, xz: previousXz } : undefined);
      memory?.rememberIndex(sha256(xz), plainHash);
      variants = [
        ['Packages', plain],
        // Level 6, as apt-ftparchive compresses (apt's gzip -6n): -9 takes about twice as long for 1% on index text.
        ['Packages.gz', gzipSync(plain, { level: INDEX_GZIP_LEVEL, blockSize: 'whole' })],
        ['Packages.xz', xz],
      ];
      compressed.set(plainHash, variants);
    }
    for (const [name, data] of variants) {
      fresh.set(path.join(relativeDir, name), data);
      await staging.write(path.join(dir, name), data, Phase.Index);
    }
  }
  return { fresh, changed };
}
