/** One field of a Debian control file, in output order. */
export type ControlField = [name: string, value: string];

/** dpkg-gencontrol's field order for binary packages. */
export const FIELD_ORDER = [
  'Package', 'Source', 'Version', 'Architecture', 'Maintainer', 'Installed-Size', 'Pre-Depends', 'Depends',
  'Recommends', 'Suggests', 'Conflicts', 'Breaks', 'Replaces', 'Provides', 'Section', 'Priority', 'Homepage',
  'Description',
] as const;

/**
 * Formats the Description field: synopsis, then the extended paragraphs wrapped at 79 columns,
 * continuation lines starting with one space and ` .` between paragraphs.
 */
export function formatDescription(synopsis: string, paragraphs: readonly string[]): string {
  const lines = [synopsis.replace(/\s+/g, ' ').trim()];
  paragraphs.forEach((paragraph, index) => {
    if (index > 0) lines.push(' .');
    for (const line of wrap(paragraph, 79)) lines.push(` ${line}`);
  });
  return lines.join('\n');
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let current = '';
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    // A line of only "." would read as a paragraph separator to dpkg.
    const safeWord = word === '.' ? '\u00b7' : word;
    if (current === '') current = safeWord;
    else if (current.length + 1 + safeWord.length <= width) current += ` ${safeWord}`;
    else {
      lines.push(current);
      current = safeWord;
    }
  }
  if (current !== '') lines.push(current);
  return lines;
}

/** Serialises fields in dpkg-gencontrol's order; single-line fields are checked for newlines. */
export function formatControl(fields: readonly ControlField[]): string {
  const order = new Map<string, number>(FIELD_ORDER.map((name, index) => [name, index]));
  const sorted = [...fields].sort((a, b) => (order.get(a[0]) ?? 99) - (order.get(b[0]) ?? 99));
  return sorted
    .map(([name, value]) => {
      if (name !== 'Description' && /[\r\n]/.test(value)) throw new Error(`control field ${name} must be one line`);
      return `${name}: ${value}\n`;
    })
    .join('');
}
