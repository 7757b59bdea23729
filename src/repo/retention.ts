/**
 * Retention: how many versions of each package (per architecture) a suite lists. The newest are
 * kept, so a robot can go back with `apt-get install <package>=<previous version>`; what falls
 * out is dropped from the indexes, and its pool file goes once no index names it.
 */
import { compareDebianVersions } from '../debian/version.js';

/** Versions kept per package and architecture unless told otherwise: the current one and two before it. */
export const DEFAULT_KEEP = 3;

/** A retention count: a positive whole number, or `all` (never drop a version). */
export type Keep = number | 'all';

interface Versioned {
  package: string;
  version: string;
  architecture: string;
}

/** Splits entries into the newest `keep` versions of each package and architecture and the rest. */
export function applyRetention<T extends Versioned>(entries: Iterable<T>, keep: Keep): { kept: T[]; dropped: T[] } {
  const kept: T[] = [];
  const dropped: T[] = [];
  if (keep === 'all') return { kept: [...entries], dropped };
  const groups = new Map<string, T[]>();
  for (const entry of entries) {
    const key = `${entry.package}\u0000${entry.architecture}`;
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [entry]);
    else group.push(entry);
  }
  for (const group of groups.values()) {
    group.sort((a, b) => compareDebianVersions(b.version, a.version));
    kept.push(...group.slice(0, keep));
    dropped.push(...group.slice(keep));
  }
  return { kept, dropped };
}

/** `--keep`'s value: `all` or a positive whole number; undefined for anything else. */
export function parseKeep(value: string): Keep | undefined {
  if (value === 'all') return 'all';
  return /^[1-9][0-9]{0,5}$/.test(value) ? Number(value) : undefined;
}
