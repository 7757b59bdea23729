/**
 * What the repository remembers of each .deb it was given, so that a publish reads only new or
 * changed files: a run given the 1000 packages of a repository and one more reads one.
 *
 * An entry is found by the file's identity, never by its name: device, inode, size, mtime and
 * ctime (nanoseconds). Any write to a file changes its ctime, which no tool can set back, and a
 * file replaced by a rename is another inode, so a changed file is always read again. A file
 * changed within the timestamp granularity of its last read could keep its ctime, so files whose
 * ctime is less than RACY_MS old are not remembered (git's "racily clean" rule). A cache that is
 * missing, unreadable or of another format is ignored and rebuilt; an entry whose shape is wrong
 * is ignored. It lives in the repository folder under a dot name, which apt never asks for.
 *
 * It also remembers which Packages.xz it wrote from which Packages (both by sha256, with the
 * way index-xz.ts cut and encoded it): a fact about contents that stays true, so a publish that
 * finds that pair in place reuses the .xz's blocks (a pair it does not know, after `repo prune`
 * for example, is encoded afresh). The last MAX_INDEX_FACTS written are kept.
 */
import { promises as fs, statSync, type BigIntStats } from 'node:fs';
import path from 'node:path';
import type { DebInfo } from './deb.js';
import { INDEX_XZ_FORMAT } from './index-xz.js';
import type { IndexMemory } from './indexes.js';
import { field, type Stanza } from '../debian/deb822.js';

export const CACHE_NAME = '.debforge-cache.json';
const FORMAT = 'debforge-read-cache-1';
const RACY_MS = 2_000;
const MAX_INDEX_FACTS = 256;
const SHA256 = /^[0-9a-f]{64}$/;

type Remembered = Omit<DebInfo, 'file' | 'bytes'>;

function identity(stat: BigIntStats): string {
  return [stat.dev, stat.ino, stat.size, stat.mtimeNs, stat.ctimeNs].join(':');
}

const isString = (value: unknown): value is string => typeof value === 'string';

/** The remembered info if it has the shape a read gives, agreeing with its own control fields. */
function validEntry(value: unknown): Remembered | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const entry = value as Record<string, unknown>;
  const control = entry['control'];
  if (!Array.isArray(control) || !control.every((pair): pair is [string, string] => Array.isArray(pair) && pair.length === 2 && isString(pair[0]) && isString(pair[1]))) return undefined;
  const stanza: Stanza = control.map(([name, text]) => [name, text] as const);
  const { package: pkg, version, architecture, source, size, md5, sha256, distribution } = entry;
  if (!isString(pkg) || pkg !== field(stanza, 'Package') || !isString(version) || version !== field(stanza, 'Version')) return undefined;
  if (!isString(architecture) || architecture !== field(stanza, 'Architecture') || !isString(source) || source === '') return undefined;
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) return undefined;
  if (!isString(md5) || !/^[0-9a-f]{32}$/.test(md5) || !isString(sha256) || !/^[0-9a-f]{64}$/.test(sha256)) return undefined;
  if (distribution !== undefined && !isString(distribution)) return undefined;
  return { control: stanza, package: pkg, version, architecture, source, size, md5, sha256, ...(distribution !== undefined ? { distribution } : {}) };
}

/** The Packages.xz -> Packages facts of a cache document, if they are of the current format and well formed. */
function validIndexFacts(value: unknown): Map<string, string> {
  const facts = new Map<string, string>();
  if (typeof value !== 'object' || value === null) return facts;
  const { format, made } = value as { format?: unknown; made?: unknown };
  if (format !== INDEX_XZ_FORMAT || typeof made !== 'object' || made === null) return facts;
  for (const [xz, plain] of Object.entries(made as Record<string, unknown>)) if (SHA256.test(xz) && isString(plain) && SHA256.test(plain)) facts.set(xz, plain);
  return facts;
}

export class ReadCache implements IndexMemory {
  private readonly fresh = new Map<string, Remembered>();
  /** How many files this run read, and how many it took from the cache. */
  read = 0;
  reused = 0;

  private constructor(
    private readonly known: ReadonlyMap<string, unknown>,
    /** sha256 of a Packages.xz written -> sha256 of the Packages it was written from, oldest first. */
    private readonly indexFacts: Map<string, string> = new Map(),
  ) {}

  /** The cache of the repository in `outDir`; empty when there is none or it cannot be trusted as a whole. */
  static async load(outDir: string): Promise<ReadCache> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(await fs.readFile(path.join(outDir, CACHE_NAME), 'utf8'));
    } catch {
      return new ReadCache(new Map());
    }
    const document = parsed as { format?: unknown; debs?: unknown; indexes?: unknown };
    if (typeof parsed !== 'object' || parsed === null || document.format !== FORMAT || typeof document.debs !== 'object' || document.debs === null) return new ReadCache(new Map());
    return new ReadCache(new Map(Object.entries(document.debs as Record<string, unknown>)), validIndexFacts(document.indexes));
  }

  /** What `file` holds: remembered if the same file was read before, read (with `reader`) otherwise. */
  async get(file: string, reader: (file: string) => Promise<DebInfo>): Promise<DebInfo> {
    const before = statSync(file, { bigint: true });
    const key = identity(before);
    const remembered = validEntry(this.known.get(key));
    if (remembered !== undefined && BigInt(remembered.size) === before.size) {
      this.reused++;
      this.fresh.set(key, remembered);
      return { file, ...remembered };
    }
    const info = await reader(file);
    this.read++;
    const after = statSync(file, { bigint: true });
    const settled = Date.now() - Number(after.ctimeNs / 1_000_000n) >= RACY_MS;
    if (identity(after) === key && BigInt(info.size) === after.size && settled) {
      const { file: _file, bytes: _bytes, ...rest } = info;
      this.fresh.set(key, rest);
    }
    return info;
  }

  indexSource(xzSha256: string): string | undefined {
    return this.indexFacts.get(xzSha256);
  }

  rememberIndex(xzSha256: string, plainSha256: string): void {
    this.indexFacts.delete(xzSha256);
    this.indexFacts.set(xzSha256, plainSha256);
  }

  /** The cache to write: the files of this run, and the newest index facts. */
  serialize(): string {
    const made = Object.fromEntries([...this.indexFacts].slice(-MAX_INDEX_FACTS));
    return `${JSON.stringify({ format: FORMAT, debs: Object.fromEntries(this.fresh), indexes: { format: INDEX_XZ_FORMAT, made } })}\n`;
  }
}
