import path from 'node:path';
import { printable } from '../../errors.js';
import type { CMakeCommand } from '../../load/cmake/index.js';
import { PERMISSION, type Argument, type RuleContext } from './context.js';

const KEYWORDS = new Set(['DESTINATION', 'PERMISSIONS', 'RENAME', 'OPTIONAL', 'COMPONENT', 'CONFIGURATIONS', 'EXCLUDE_FROM_ALL', 'TYPE']);

/** install(FILES|PROGRAMS ...) and catkin_install_python(PROGRAMS ...): each file to DESTINATION. */
export function installFiles(context: RuleContext, args: Argument[], mode: 'FILES' | 'PROGRAMS', command: CMakeCommand): void {
  const sources: Argument[] = [];
  let index = 0;
  while (index < args.length && !KEYWORDS.has(args[index]!.text)) sources.push(args[index++]!);
  let dest: string | undefined;
  let rename: string | undefined;
  let permissions: string[] | undefined;
  let optional = false;
  while (index < args.length) {
    const keyword = args[index++]!;
    const value = (): Argument | undefined => args[index++];
    switch (keyword.text) {
      case 'DESTINATION': {
        const given = value();
        dest = given === undefined ? undefined : context.destination(given.text, given.line);
        if (given === undefined) context.error('DESTINATION needs a folder', keyword.line);
        break;
      }
      case 'RENAME':
        rename = value()?.text;
        break;
      case 'COMPONENT':
        value();
        break;
      case 'OPTIONAL':
        optional = true;
        break;
      case 'EXCLUDE_FROM_ALL':
        break;
      case 'PERMISSIONS':
        permissions = [];
        while (index < args.length && PERMISSION.test(args[index]!.text)) permissions.push(args[index++]!.text);
        break;
      default:
        context.error(`${keyword.text} is not read by debforge in install(${mode}): give DESTINATION, and optionally RENAME, PERMISSIONS, OPTIONAL`, keyword.line);
        return;
    }
  }
  if (dest === undefined) {
    if (!args.some((a) => a.text === 'DESTINATION')) context.error(`install(${mode} ...) needs a DESTINATION`, command.line);
    return;
  }
  if (rename !== undefined && (sources.length !== 1 || rename.includes('/'))) {
    context.error('RENAME takes a file name and applies to one file only', command.line);
    return;
  }
  if (permissions?.some((p) => p.startsWith('SET'))) {
    context.error('SETUID and SETGID are not packaged: debforge installs payload 0755 or 0644', command.line);
    return;
  }
  const executable = permissions ? permissions.some((p) => p.endsWith('_EXECUTE')) : mode === 'PROGRAMS';
  for (const given of sources) {
    const found = context.fileSource(given.text, given.line, optional);
    if (!found) continue;
    if (found.entry.kind === 'directory') {
      context.error(`"${printable(found.entry.file)}" is a folder: install it with install(DIRECTORY ...)`, given.line);
      continue;
    }
    const located = context.locate(given.text, given.line, 'source')!;
    const name = rename ?? path.posix.basename(located.relative);
    context.installed.push({
      target: `${dest === '/' ? '' : dest}/${name}`,
      entry: found.entry,
      template: found.template,
      executable,
      kind: 'file',
      ...(command.name === 'catkin_install_python' ? { rewriteShebang: true } : {}),
      line: given.line,
      rule: command.line,
    });
  }
}
