/**
 * A systemd unit file read the way systemd reads it (systemd.syntax(7)): `[Section]` headers,
 * `Key=Value` lines, `#` and `;` comments, a trailing backslash continuing a line. Every entry
 * keeps the line it starts on, so a warning can point at it.
 */

interface UnitEntry {
  section: string;
  key: string;
  value: string;
  line: number;
}

export interface ParsedUnit {
  sections: Set<string>;
  entries: UnitEntry[];
}

export function parseUnitFile(text: string): ParsedUnit {
  const sections = new Set<string>();
  const entries: UnitEntry[] = [];
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  let section = '';
  for (let index = 0; index < lines.length; index++) {
    const first = lines[index]!.trim();
    if (first === '' || first.startsWith('#') || first.startsWith(';')) continue;
    const header = /^\[([^\]]+)\]$/.exec(first);
    if (header) {
      section = header[1]!;
      sections.add(section);
      continue;
    }
    const line = index + 1;
    let logical = first;
    while (logical.endsWith('\\') && index + 1 < lines.length) {
      logical = logical.slice(0, -1);
      const next = lines[++index]!.trim();
      // Comment lines inside a continuation are skipped, as systemd does.
      if (next.startsWith('#') || next.startsWith(';')) continue;
      logical += ` ${next}`;
    }
    const equals = logical.indexOf('=');
    if (equals <= 0) continue;
    entries.push({ section, key: logical.slice(0, equals).trim(), value: logical.slice(equals + 1).trim(), line });
  }
  return { sections, entries };
}

/** The values of `key` in `section`, one per entry, in order. */
export function valuesOf(unit: ParsedUnit, section: string, key: string): UnitEntry[] {
  return unit.entries.filter((e) => e.section === section && e.key === key);
}
