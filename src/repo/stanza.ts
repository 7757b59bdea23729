/**
 * deb822 stanzas (control files, Packages indexes, Release files) as ordered field lists, so a
 * stanza read back is written out byte for byte as it was.
 */

/** One field: its name and its value (continuation lines keep their leading space, joined by `\n`). */
export type Field = readonly [name: string, value: string];
export type Stanza = Field[];

/** Splits deb822 text into stanzas; blank lines separate them, `#` comment lines are skipped. */
export function parseStanzas(text: string): Stanza[] {
  const stanzas: Stanza[] = [];
  let current: Array<[string, string]> = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') {
      if (current.length > 0) stanzas.push(current);
      current = [];
      continue;
    }
    if (line.startsWith('#')) continue;
    if (line.startsWith(' ') || line.startsWith('\t')) {
      const last = current[current.length - 1];
      if (last === undefined) throw new SyntaxError(`continuation line before any field: ${JSON.stringify(line)}`);
      last[1] = last[1] === '' ? `\n${line}` : `${last[1]}\n${line}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) throw new SyntaxError(`not a "Field: value" line: ${JSON.stringify(line)}`);
    current.push([line.slice(0, colon), line.slice(colon + 1).trim()]);
  }
  if (current.length > 0) stanzas.push(current);
  return stanzas;
}

/** The value of a field (case-insensitive name, as deb822 field names are). */
export function field(stanza: Stanza, name: string): string | undefined {
  const lower = name.toLowerCase();
  return stanza.find(([key]) => key.toLowerCase() === lower)?.[1];
}

/** One stanza as text, ending with a newline (no blank line). */
export function renderStanza(stanza: Stanza): string {
  return stanza.map(([name, value]) => (value.startsWith('\n') ? `${name}:${value}\n` : `${name}: ${value}\n`)).join('');
}

/**
 * The order apt-ftparchive writes Packages fields in (apt's tag file order for binary packages);
 * fields it does not know follow, in their original order.
 */
export const PACKAGES_FIELD_ORDER: readonly string[] = [
  'Package', 'Package-Type', 'Architecture', 'Subarchitecture', 'Version', 'Revision', 'Package-Revision',
  'Package_Revision', 'Kernel-Version', 'Built-Using', 'Built-For-Profiles', 'Auto-Built-Package', 'Multi-Arch',
  'Status', 'Priority', 'Class', 'Essential', 'Installer-Menu-Item', 'Section', 'Source', 'Origin', 'Maintainer',
  'Original-Maintainer', 'Bugs', 'Config-Version', 'Conffiles', 'Triggers-Awaited', 'Triggers-Pending',
  'Installed-Size', 'Provides', 'Pre-Depends', 'Depends', 'Recommends', 'Recommended', 'Suggests', 'Optional',
  'Conflicts', 'Breaks', 'Replaces', 'Enhances', 'Filename', 'MSDOS-Filename', 'Size', 'MD5sum', 'SHA1', 'SHA256',
  'SHA512', 'Homepage', 'Description', 'Tag', 'Task',
];

const ORDER_INDEX = new Map(PACKAGES_FIELD_ORDER.map((name, index) => [name.toLowerCase(), index]));

/** Sorts fields into apt-ftparchive's order; a stable sort keeps unknown fields in their original order, last. */
export function orderPackagesFields(stanza: Stanza): Stanza {
  const rank = (name: string): number => ORDER_INDEX.get(name.toLowerCase()) ?? PACKAGES_FIELD_ORDER.length;
  return [...stanza].sort((a, b) => rank(a[0]) - rank(b[0]));
}
