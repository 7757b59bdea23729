/**
 * /usr/share/doc/<package>/copyright in the machine-readable format (DEP-5). Licences that Debian
 * ships in /usr/share/common-licenses are referenced there; short permissive ones are written out.
 */
import { parseLicenses } from '../debian/licenses.js';

export function renderCopyright(options: { upstreamName: string; source?: string; holders: string[]; licenses: string[]; year: number }): string {
  const { expression, terms } = parseLicenses(options.licenses);
  const lines = [
    'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/',
    `Upstream-Name: ${options.upstreamName}`,
    ...(options.source ? [`Source: ${options.source}`] : []),
    '',
    'Files: *',
    `Copyright: ${options.holders.map((h, i) => `${i === 0 ? '' : '           '}${options.year} ${h}`).join('\n')}`,
    `License: ${expression}`,
  ];
  for (const term of terms) {
    lines.push('', `License: ${term.shortName}`);
    const info = term.info;
    if (info?.note) lines.push(...wrapText(info.note));
    if (info?.commonLicenses) {
      if (info.note) lines.push(' .');
      const [first, ...rest] = info.commonLicenses;
      const where = (file: string): string => `"/usr/share/common-licenses/${file}"`;
      if (rest.length === 0) {
        lines.push(' On Debian systems, the complete text of this license can be found in', ` ${where(first!)}.`);
      } else {
        lines.push(' On Debian systems, the complete texts of its versions can be found in', ...[first!, ...rest].map((file, i, all) => ` ${where(file)}${i === all.length - 1 ? '.' : i === all.length - 2 ? ' and' : ','}`));
      }
    } else if (info?.text) {
      if (info.note) lines.push(' .');
      lines.push(...info.text.split('\n').flatMap((l) => (l === '.' || l.length <= 79 ? [` ${l}`] : wrapText(l))));
    } else if (!info) {
      lines.push(...wrapText(`The package.xml of ${options.upstreamName} names the license "${term.spelling}". Its full text is distributed with the upstream sources.`));
    }
  }
  return `${lines.join('\n')}\n`;
}

/** A paragraph as copyright-file continuation lines (one leading space, at most 80 columns). */
function wrapText(text: string): string[] {
  const lines: string[] = [];
  let current = '';
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    if (current !== '' && current.length + 1 + word.length > 78) {
      lines.push(` ${current}`);
      current = word;
    } else current = current === '' ? word : `${current} ${word}`;
  }
  if (current !== '') lines.push(` ${current}`);
  return lines;
}
