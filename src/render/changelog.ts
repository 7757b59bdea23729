/** RFC 2822 date as deb-changelog wants it, always UTC so every machine writes the same bytes. */
function changelogDate(epochSeconds: number): string {
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
