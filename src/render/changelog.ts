import { gzipSync, constants } from 'node:zlib';

/** RFC 2822 date as deb-changelog wants it, always UTC so every machine writes the same bytes. */
export function changelogDate(epochSeconds: number): string {
  const date = new Date(epochSeconds * 1000);
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${days[date.getUTCDay()]}, ${pad(date.getUTCDate())} ${months[date.getUTCMonth()]} ${date.getUTCFullYear()} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}

export function renderChangelog(options: { package: string; version: string; distribution: string; maintainer: string; upstreamVersion: string; epoch: number }): string {
  return [
    `${options.package} (${options.version}) ${options.distribution}; urgency=medium`,
    '',
    `  * Package built by debforge from package.xml version ${options.upstreamVersion}.`,
    '',
    ` -- ${options.maintainer}  ${changelogDate(options.epoch)}`,
    '',
  ].join('\n');
}

/**
 * gzip as `gzip -9n` writes it: no name, mtime 0, XFL 2 (best compression) and OS 3 (Unix)
 * pinned, because zlib writes its compile-time OS byte and a build must not depend on the host.
 */
export function gzipReproducible(data: Buffer): Buffer {
  const out = gzipSync(data, { level: constants.Z_BEST_COMPRESSION });
  out.writeUInt32LE(0, 4);
  out[8] = 2;
  out[9] = 3;
  return out;
}
