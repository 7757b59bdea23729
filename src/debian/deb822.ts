/**
 * deb822 stanzas (control files, Packages indexes, Release files) as ordered field lists, so a
 * stanza read back is written out byte for byte as it was.
 */

/** One field: its name and its value (continuation lines keep their leading space, joined by `\n`). */
type Field = readonly [name: string, value: string];
export type Stanza = Field[];

/** A deb822 syntax error at a line (1-based) of the text parsed. */
export class Deb822Error extends SyntaxError {
  constructor(
    readonly line: number,
    readonly reason: string,
  ) {
    super(`line ${line}: ${reason}`);
    this.name = 'Deb822Error';
  }
}

/**
 * A field name as deb822 defines it: printable ASCII without space or colon, not starting with
 * `#` or `-`. So `Filename :` (a space before the colon) is no field name, and cannot hide a
 * second Filename from a reader that trims names.
 */
const FIELD_NAME = /^[!"$-,.-9;-~][!-9;-~]*$/;
/** C0 controls but tab and newline, DEL and C1 controls: apt and dpkg take them as data, terminals as commands. */
const CONTROL_CHARACTER = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/;
/** The same, but for newline: text with none of them needs no check line by line (an index of thousands of lines). */
const CONTROL_CHARACTER_IN_TEXT = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

/**
 * Splits deb822 text into stanzas; blank (or whitespace-only) lines separate them, `#` comment
 * lines are skipped. Strict: a line that is not `Name: value` or a continuation, a field given
 * twice in one stanza (names compare case-insensitively) and control characters throw a
 * Deb822Error naming the line, so no two readers of the same text can see different fields.
 */
export function parseStanzas(text: string): Stanza[] {
  return parseWithLines(text, { comments: true, controlCharacters: false }).stanzas;
}

interface Rules {
  /** Skip `#` comment lines (indexes and Release files); dpkg takes none in a control file. */
  comments: boolean;
  /** Keep control characters in values, as dpkg does, instead of refusing them. */
  controlCharacters: boolean;
}

function parseWithLines(text: string, rules: Rules): { stanzas: Stanza[]; starts: number[] } {
  const stanzas: Stanza[] = [];
  const starts: number[] = [];
  let current: Array<[string, string]> = [];
  let names = new Set<string>();
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const checkLines = !rules.controlCharacters && CONTROL_CHARACTER_IN_TEXT.test(text);
  lines.forEach((line, index) => {
    const lineNumber = index + 1;
    const control = checkLines ? CONTROL_CHARACTER.exec(line) : null;
    if (control !== null) throw new Deb822Error(lineNumber, `control character U+${control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`);
    if (line.trim() === '') {
      if (current.length > 0) stanzas.push(current);
      current = [];
      names = new Set();
      return;
    }
    if (line.startsWith('#')) {
      if (rules.comments) return;
      throw new Deb822Error(lineNumber, 'a "#" comment line, which dpkg does not take in a control file');
    }
    if (line.startsWith(' ') || line.startsWith('\t')) {
      const last = current[current.length - 1];
      if (last === undefined) throw new Deb822Error(lineNumber, 'continuation line before any field');
      last[1] = last[1] === '' ? `\n${line}` : `${last[1]}\n${line}`;
      return;
    }
    const colon = line.indexOf(':');
    const name = colon < 0 ? '' : line.slice(0, colon);
    if (!FIELD_NAME.test(name)) {
      throw new Deb822Error(lineNumber, colon < 0 ? 'not a "Field: value" line' : `"${name}" is not a field name (printable ASCII, no space before the colon)`);
    }
    if (names.has(name.toLowerCase())) throw new Deb822Error(lineNumber, `second ${name} field in one stanza`);
    names.add(name.toLowerCase());
    if (current.length === 0) starts.push(lineNumber);
    current.push([name, line.slice(colon + 1).trim()]);
  });
  if (current.length > 0) stanzas.push(current);
  return { stanzas, starts };
}

/**
 * A package's control file: exactly one stanza, parsed strictly. Anything dpkg would refuse, or
 * that could make the Packages index say something else than the package, is refused.
 * `controlCharacters: 'keep'` takes them as data, as dpkg does (for showing a package, not indexing it):
 * every other rule is dpkg's, so a stanza read either way has the same fields.
 */
export function parseControlStanza(text: string, options: { controlCharacters?: 'refuse' | 'keep' } = {}): Stanza {
  const { stanzas, starts } = parseWithLines(text, { comments: false, controlCharacters: options.controlCharacters === 'keep' });
  if (stanzas.length === 0) throw new Deb822Error(1, 'the control file is empty');
  if (stanzas.length > 1) throw new Deb822Error(starts[1]!, 'a second stanza after a blank line: a control file holds one');
  return stanzas[0]!;
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
const PACKAGES_FIELD_ORDER: readonly string[] = [
  'Package', 'Package-Type', 'Architecture', 'Subarchitecture', 'Version', 'Revision', 'Package-Revision',
  'Package_Revision', 'Kernel-Version', 'Built-Using', 'Built-For-Profiles', 'Auto-Built-Package', 'Multi-Arch',
  'Status', 'Priority', 'Class', 'Essential', 'Installer-Menu-Item', 'Section', 'Source', 'Origin', 'Phased-Update-Percentage',
  'Maintainer', 'Original-Maintainer', 'Bugs', 'Config-Version', 'Conffiles', 'Triggers-Awaited', 'Triggers-Pending',
  'Installed-Size', 'Provides', 'Pre-Depends', 'Depends', 'Recommends', 'Recommended', 'Suggests', 'Optional',
  'Conflicts', 'Breaks', 'Replaces', 'Enhances', 'Filename', 'MSDOS-Filename', 'Size', 'MD5sum', 'SHA1', 'SHA256',
  'SHA512', 'Homepage', 'Description', 'Tag', 'Task',
];

const ORDER_INDEX = new Map(PACKAGES_FIELD_ORDER.map((name, index) => [name.toLowerCase(), index]));

/** Sorts fields into apt-ftparchive's order; a stable sort keeps unknown fields in their original order, last. */
export function orderPackagesFields(stanza: Stanza): Stanza {
  // Each field ranked once, not at every comparison: a repository orders thousands of stanzas.
  const ranked = stanza.map((entry) => ({ entry, rank: ORDER_INDEX.get(entry[0].toLowerCase()) ?? PACKAGES_FIELD_ORDER.length }));
  return ranked.sort((a, b) => a.rank - b.rank).map(({ entry }) => entry);
}
