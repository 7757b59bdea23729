/**
 * The Release file of a suite: it names every index with its hashes, and is signed (InRelease,
 * Release.gpg) in the staging folder, so a signature that fails changes nothing.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { exists } from '../fs-exists.js';
import { INDEX_NAMES } from './indexes.js';
import { md5, parseRepositoryFile, sha256 } from './io.js';
import type { Signer } from './sign.js';
import { Phase, type Staging } from './staging.js';
import { field } from '../debian/deb822.js';
import { DEFAULT_ORIGIN, type RepoSuite } from './types.js';

export interface ReleaseInfo {
  origin?: string;
  label?: string;
  date?: number;
  architectures: string[];
  sha256: Set<string>;
  /** The Release text without its Date line, to tell whether anything changed. */
  body: string;
}

/** RFC 1123 date in UTC, as Debian's Release files have it. */
export function releaseDate(date: Date): string {
  return date.toUTCString().replace(/GMT$/, 'UTC');
}

export function parseRelease(file: string, text: string): ReleaseInfo {
  const stanza = parseRepositoryFile(file, text)[0] ?? [];
  const date = Date.parse(field(stanza, 'Date') ?? '');
  const origin = field(stanza, 'Origin');
  const label = field(stanza, 'Label');
  const hashes = (field(stanza, 'SHA256') ?? '').split('\n').map((line) => line.trim().split(/\s+/)[0] ?? '').filter((h) => /^[0-9a-f]{64}$/.test(h));
  return {
    ...(origin !== undefined ? { origin } : {}),
    ...(label !== undefined ? { label } : {}),
    ...(Number.isFinite(date) ? { date } : {}),
    architectures: (field(stanza, 'Architectures') ?? '').split(/\s+/).filter((a) => a !== ''),
    sha256: new Set(hashes),
    body: text.replace(/^Date: .*\n/m, ''),
  };
}

interface ReleaseInput {
  suite: string;
  /** `dists/<suite>` */
  dir: string;
  /** The suite's Release as it is, if there is one. */
  previous?: ReleaseInfo;
  archList: readonly string[];
  packages: number;
  /** The indexes this publish writes (relative to `dir`), and whether any changed. */
  fresh: ReadonlyMap<string, Buffer>;
  indexesChanged: boolean;
  signer: Signer | undefined;
  /** Origin and Label for a new suite. */
  origin?: string;
  label?: string;
  now?: Date;
}

export interface StagedSuite {
  result: RepoSuite;
  /** The progress line for the suite, logged once it is in place. */
  summary: string;
  /** Drops by-hash files neither the previous nor the new Release names (after the commit). */
  pruneByHash(): Promise<void>;
}

/** Stages a suite's new Release files (signed) and by-hash copies; nothing in the repository is touched. */
export async function stageRelease(input: ReleaseInput, staging: Staging): Promise<StagedSuite> {
  const { dir: suiteDir, fresh, signer, previous } = input;
  const archList = [...input.archList];
  // Release: every index of every component of the suite, uncompressed Packages included, as
  // they will be once this publish is in place.
  const indexFiles = new Set<string>(fresh.keys());
  const componentNames = new Set<string>([...fresh.keys()].map((file) => file.split(path.sep)[0]!));
  const suiteEntries = await fs.readdir(suiteDir, { withFileTypes: true }).catch(() => []);
  for (const comp of suiteEntries.filter((e) => e.isDirectory()).map((e) => e.name)) {
    const archDirs = (await fs.readdir(path.join(suiteDir, comp), { withFileTypes: true })).filter((e) => e.isDirectory() && e.name.startsWith('binary-')).map((e) => e.name);
    for (const archDir of archDirs) {
      for (const name of INDEX_NAMES) {
        if (!(await exists(path.join(suiteDir, comp, archDir, name)))) continue;
        indexFiles.add(path.join(comp, archDir, name));
        componentNames.add(comp);
      }
    }
  }
  const components = [...componentNames].sort();
  const md5Lines: string[] = [];
  const shaLines: string[] = [];
  const hashes = new Set<string>();
  for (const file of [...indexFiles].sort()) {
    const data = fresh.get(file) ?? (await fs.readFile(path.join(suiteDir, file)));
    const sha = sha256(data);
    hashes.add(sha);
    // Acquire-By-Hash promises every listed index under by-hash/ too (an older repository may lack some).
    const byHash = path.join(suiteDir, path.dirname(file), 'by-hash', 'SHA256', sha);
    if (!(await exists(byHash)) && !staging.has(byHash)) await staging.write(byHash, data, Phase.ByHash);
    const name = file.split(path.sep).join('/');
    md5Lines.push(` ${md5(data)} ${String(data.length).padStart(8)} ${name}`);
    shaLines.push(` ${sha} ${String(data.length).padStart(8)} ${name}`);
  }
  const origin = previous?.origin ?? input.origin ?? DEFAULT_ORIGIN;
  const label = previous?.label ?? input.label ?? origin;
  const head = [`Origin: ${origin}`, `Label: ${label}`, `Suite: ${input.suite}`, `Codename: ${input.suite}`];
  const tail = [
    `Architectures: ${archList.join(' ')}`,
    `Components: ${components.join(' ')}`,
    'Acquire-By-Hash: yes',
    'MD5Sum:',
    ...md5Lines,
    'SHA256:',
    ...shaLines,
  ];
  const body = `${[...head, ...tail].join('\n')}\n`;
  const releasePath = path.join(suiteDir, 'Release');
  const inReleasePath = path.join(suiteDir, 'InRelease');
  const detachedPath = path.join(suiteDir, 'Release.gpg');
  const signed = signer !== undefined;
  const sameSigning = signed === (await exists(inReleasePath)) && signed === (await exists(detachedPath));
  const previousDate = previous?.date;
  const nothingToPrune = async (): Promise<void> => undefined;
  if (!input.indexesChanged && previous !== undefined && previous.body === body && sameSigning && previousDate !== undefined) {
    const result = { suite: input.suite, release: signed ? inReleasePath : releasePath, signed, changed: false, architectures: archList, components, date: releaseDate(new Date(previousDate)), packages: input.packages };
    return { result, summary: `${input.suite}: unchanged`, pruneByHash: nothingToPrune };
  }

  // Date is the publish time and never moves backward: apt ignores a Release strictly older than the
  // one it has. It never moves ahead of the clock either (apt refuses a Date in the future as "not
  // valid yet"), so several publishes within one second share that second: apt accepts an equal Date.
  const nowSeconds = Math.floor((input.now ?? new Date()).getTime() / 1000);
  const seconds = previousDate !== undefined ? Math.max(nowSeconds, Math.floor(previousDate / 1000)) : nowSeconds;
  const date = releaseDate(new Date(seconds * 1000));
  const text = `${[...head, `Date: ${date}`, ...tail].join('\n')}\n`;

  if (signer !== undefined) {
    // Signed in the staging folder: a signature that fails (a wrong passphrase) changes nothing.
    const stagedRelease = await staging.write(releasePath, text, Phase.Release);
    await signer.detachSign(stagedRelease, staging.reserve(detachedPath, Phase.Release));
    await signer.clearsign(stagedRelease, staging.reserve(inReleasePath, Phase.Release));
  } else {
    // A stale signature would vouch for the previous Release: drop InRelease first, Release.gpg after.
    staging.remove(inReleasePath, Phase.Release);
    await staging.write(releasePath, text, Phase.Release);
    staging.remove(detachedPath, Phase.Release);
  }

  // by-hash keeps what the previous and the new Release name; older generations go.
  const keep = new Set([...hashes, ...(previous?.sha256 ?? [])]);
  const byHashDirs = [...indexFiles].filter((f) => f.endsWith(`${path.sep}Packages`)).map((file) => path.join(suiteDir, path.dirname(file), 'by-hash', 'SHA256'));
  const pruneByHash = async (): Promise<void> => {
    for (const byHash of byHashDirs) {
      let names: string[];
      try {
        names = await fs.readdir(byHash);
      } catch {
        continue;
      }
      for (const name of names) if (/^[0-9a-f]{64}$/.test(name) && !keep.has(name)) await fs.rm(path.join(byHash, name), { force: true });
    }
  };
  const summary = `${input.suite}: ${signed ? `signed with ${signer!.fingerprints.join(' and ')}` : 'unsigned'}, ${input.packages} package${input.packages === 1 ? '' : 's'}, Date ${date}`;
  return { result: { suite: input.suite, release: signed ? inReleasePath : releasePath, signed, changed: true, architectures: archList, components, date, packages: input.packages }, summary, pruneByHash };
}
