/** Debian control files (deb-control(5)): field order, one field a line, and the Description field's layout. */
import { renderStanza } from './deb822.js';

/** One field of a Debian control file, in output order. */
export type ControlField = [name: string, value: string];

/** dpkg-gencontrol's field order for binary packages. */
const FIELD_ORDER = [
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
    for (const line of wrapDescriptionLine(paragraph)) lines.push(` ${line}`);
  });
  return lines.join('\n');
}

/**
 * Greedy word wrap of one paragraph of the extended description. dpkg reads a line that starts
 * with "." as a control statement (" ." is a blank line, anything else after it is invalid), so a
 * word starting with "." never starts a line: it moves down with the word before it, and a "."
 * standing alone becomes a middle dot.
 */
export function wrapDescriptionLine(text: string, width = 79): string[] {
  const words = text
    .split(/\s+/)
    .filter((w) => w !== '')
    .map((w) => (w === '.' ? '\u00b7' : w));
  const lines: string[][] = [];
  let current: string[] = [];
  let length = 0;
  for (const word of words) {
    if (current.length === 0 || length + 1 + word.length <= width) {
      length += (current.length > 0 ? 1 : 0) + word.length;
      current.push(word);
      continue;
    }
    lines.push(current);
    current = [word];
    length = word.length;
    if (word.startsWith('.')) {
      const previous = lines.at(-1)!;
      if (previous.length > 1) {
        current.unshift(previous.pop()!);
        length = current.join(' ').length;
      }
    }
  }
  if (current.length > 0) lines.push(current);
  return lines.map((line) => line.join(' '));
}

/** Serialises fields in dpkg-gencontrol's order; single-line fields are checked for newlines. */
export function formatControl(fields: readonly ControlField[]): string {
  const order = new Map<string, number>(FIELD_ORDER.map((name, index) => [name, index]));
  for (const [name, value] of fields) if (name !== 'Description' && /[\r\n]/.test(value)) throw new Error(`control field ${name} must be one line`);
  return renderStanza([...fields].sort((a, b) => (order.get(a[0]) ?? 99) - (order.get(b[0]) ?? 99)));
}
