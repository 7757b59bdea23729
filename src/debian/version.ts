/** Debian versions (deb-version(7)): their syntax, their parts, and comparison as dpkg does it. */

/**
 * A Debian version: optional `epoch:`, an upstream part starting with a digit, and an optional
 * `-revision`; a hyphen in the upstream part only when a revision follows, a colon only after an
 * epoch.
 */
export const DEBIAN_VERSION = /^(?:[0-9]+:)?[0-9][A-Za-z0-9.+~]*(?:(?:-[A-Za-z0-9.+~]+)*-[A-Za-z0-9.+~]+)?$/;

/** A Debian revision on its own (the part after the last hyphen). */
export const DEBIAN_REVISION = /^[A-Za-z0-9.+~]+$/;

interface DebianVersion {
  epoch: number;
  upstream: string;
  revision: string;
}

function parseDebianVersion(version: string): DebianVersion {
  const colon = version.indexOf(':');
  const epoch = colon >= 0 ? Number.parseInt(version.slice(0, colon), 10) : 0;
  const rest = colon >= 0 ? version.slice(colon + 1) : version;
  const hyphen = rest.lastIndexOf('-');
  return {
    epoch: Number.isFinite(epoch) ? epoch : 0,
    upstream: hyphen >= 0 ? rest.slice(0, hyphen) : rest,
    revision: hyphen >= 0 ? rest.slice(hyphen + 1) : '',
  };
}

/** The version as it appears in a pool file name: without the epoch. */
export function versionWithoutEpoch(version: string): string {
  const colon = version.indexOf(':');
  return colon >= 0 ? version.slice(colon + 1) : version;
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

/** dpkg's character weight: `~` sorts before everything, even the end of the string; letters before non-letters. */
function weight(c: string | undefined): number {
  if (c === undefined || isDigit(c)) return 0;
  if (c === '~') return -1;
  const code = c.charCodeAt(0);
  return /[A-Za-z]/.test(c) ? code : code + 256;
}

/** dpkg's verrevcmp: alternating non-digit and digit runs. */
function compareFragment(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while ((i < a.length && !isDigit(a[i])) || (j < b.length && !isDigit(b[j]))) {
      const difference = weight(a[i]) - weight(b[j]);
      if (difference !== 0) return difference;
      i++;
      j++;
    }
    while (a[i] === '0') i++;
    while (b[j] === '0') j++;
    let firstDifference = 0;
    while (isDigit(a[i]) && isDigit(b[j])) {
      if (firstDifference === 0) firstDifference = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (isDigit(a[i])) return 1;
    if (isDigit(b[j])) return -1;
    if (firstDifference !== 0) return firstDifference;
  }
  return 0;
}

/** Negative, zero or positive as `a` is older than, equal to or newer than `b`. */
export function compareDebianVersions(a: string, b: string): number {
  const left = parseDebianVersion(a);
  const right = parseDebianVersion(b);
  if (left.epoch !== right.epoch) return left.epoch - right.epoch;
  return compareFragment(left.upstream, right.upstream) || compareFragment(left.revision, right.revision);
}
