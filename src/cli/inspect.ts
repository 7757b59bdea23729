import { DebforgeError, UsageError, formatProblem } from '../errors.js';
import { parse } from './args.js';
import { INSPECT_HELP } from './help.js';
import type { Io } from './io.js';

export async function inspectCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, { json: { type: 'boolean' } }, 'inspect');
  if (values.help) {
    io.stdout(INSPECT_HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('inspect takes exactly one .deb file (see `debforge inspect --help`)');
  const file = positionals[0]!;
  // The reader is loaded only for inspect: a build never pays for it.
  const { readDeb, DebFormatError } = await import('../deb/index.js');
  const { Deb822Error } = await import('../debian/deb822.js');
  const { visibleJson, visibleLine, visibleMessage, visibleText } = await import('../deb/visible.js');
  let deb;
  try {
    // Control characters are shown escaped, as dpkg takes them; whatever else dpkg refuses in a control file is refused.
    deb = await readDeb(file, { controlCharacters: 'keep' });
  } catch (error) {
    const what = error instanceof Deb822Error ? `control file ${error.message}` : error instanceof DebFormatError ? error.message : undefined;
    if (what === undefined) throw error;
    throw new DebforgeError({ file, message: `cannot read package: ${visibleMessage(what)}`, severity: 'error' });
  }
  const files = deb.dataItems.map((item) => ({
    mode: item.mode.toString(8).padStart(4, '0'),
    owner: `${item.uname || item.uid}/${item.gname || item.gid}`,
    size: item.size,
    path: item.name + (item.linkname !== undefined ? ` ${item.type === 'link' ? '=>' : '->'} ${item.linkname}` : ''),
    type: item.type,
    ...(item.escapes !== undefined ? { escapes: item.escapes } : {}),
  }));
  const escaping = deb.dataItems.filter((item) => item.escapes !== undefined);
  if (values.json) {
    io.stdout(`${visibleJson(JSON.stringify({ control: Object.fromEntries(deb.control), scripts: Object.fromEntries(deb.scripts), conffiles: deb.conffiles, files }, null, 2))}\n`);
  } else {
    const out: string[] = [visibleText(deb.controlText.trimEnd()), ''];
    out.push(`Conffiles:${deb.conffiles.length === 0 ? ' none' : ''}`, ...deb.conffiles.map((c) => `  ${visibleLine(c)}`), '');
    out.push(`Maintainer scripts:${deb.scripts.size === 0 ? ' none' : ''}`);
    for (const [name, text] of deb.scripts) out.push(`--- ${name} ---`, visibleText(text.trimEnd()));
    out.push('', 'Files:');
    for (const f of files) {
      const kind = TYPE_LETTER[f.type] ?? '?';
      out.push(`  ${kind}${f.mode} ${visibleLine(f.owner)} ${String(f.size).padStart(10)} ${visibleLine(f.path)}${f.escapes !== undefined ? `  [ESCAPES THE ROOT: ${f.escapes}]` : ''}`);
    }
    io.stdout(`${out.join('\n')}\n`);
  }
  for (const item of escaping) io.stderr(`${formatProblem({ file, message: `entry ${visibleLine(item.name)} would be unpacked outside the root: it ${item.escapes!}`, severity: 'error' })}\n`);
  return escaping.length > 0 ? 1 : 0;
}

/** The `ls -l` letter of each entry type. */
const TYPE_LETTER: Readonly<Record<string, string>> = { file: '-', directory: 'd', symlink: 'l', link: 'h', 'character-device': 'c', 'block-device': 'b', fifo: 'p' };
