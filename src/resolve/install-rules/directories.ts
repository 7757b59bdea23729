import path from 'node:path';
import { printable } from '../../errors.js';
import type { CMakeCommand, FolderEntry } from '../../load/cmake/index.js';
import { PERMISSION, type Argument, type Installed, type RuleContext } from './context.js';

const KEYWORDS = new Set(['DESTINATION', 'USE_SOURCE_PERMISSIONS', 'FILE_PERMISSIONS', 'DIRECTORY_PERMISSIONS', 'OPTIONAL', 'MESSAGE_NEVER', 'COMPONENT', 'CONFIGURATIONS', 'EXCLUDE_FROM_ALL', 'FILES_MATCHING', 'PATTERN', 'REGEX', 'TYPE']);

/** install(DIRECTORY ...): a folder, or its contents (`dir/`), filtered by PATTERN, to DESTINATION. */
export function installDirectories(context: RuleContext, args: Argument[], command: CMakeCommand): void {
  const sources: Argument[] = [];
  let index = 0;
  while (index < args.length && !KEYWORDS.has(args[index]!.text)) sources.push(args[index++]!);
  let dest: string | undefined;
  let sourcePermissions = false;
  let filePermissions: string[] | undefined;
  let filesMatching = false;
  let optional = false;
  const patterns: { regex: RegExp; exclude: boolean; executable?: boolean }[] = [];
  const permissionList = (): string[] => {
    const list: string[] = [];
    while (index < args.length && PERMISSION.test(args[index]!.text)) list.push(args[index++]!.text);
    return list;
  };
  while (index < args.length) {
    const keyword = args[index++]!;
    switch (keyword.text) {
      case 'DESTINATION': {
        const given = args[index++];
        if (given === undefined) context.error('DESTINATION needs a folder', keyword.line);
        else dest = context.destination(given.text, given.line);
        break;
      }
      case 'USE_SOURCE_PERMISSIONS':
        sourcePermissions = true;
        break;
      case 'FILE_PERMISSIONS':
        filePermissions = permissionList();
        break;
      case 'DIRECTORY_PERMISSIONS':
        permissionList();
        break;
      case 'OPTIONAL':
        optional = true;
        break;
      case 'MESSAGE_NEVER':
      case 'EXCLUDE_FROM_ALL':
        break;
      case 'COMPONENT':
        index++;
        break;
      case 'FILES_MATCHING':
        filesMatching = true;
        break;
      case 'PATTERN': {
        const glob = args[index++];
        if (glob === undefined) {
          context.error('PATTERN needs a pattern', keyword.line);
          return;
        }
        const pattern: { regex: RegExp; exclude: boolean; executable?: boolean } = { regex: globRegex(glob.text), exclude: false };
        while (index < args.length && (args[index]!.text === 'EXCLUDE' || args[index]!.text === 'PERMISSIONS')) {
          if (args[index++]!.text === 'EXCLUDE') pattern.exclude = true;
          else pattern.executable = permissionList().some((p) => p.endsWith('_EXECUTE'));
        }
        patterns.push(pattern);
        break;
      }
      default:
        context.error(`${keyword.text} is not read by debforge in install(DIRECTORY): use DESTINATION, USE_SOURCE_PERMISSIONS, FILE_PERMISSIONS, FILES_MATCHING and PATTERN [EXCLUDE]`, keyword.line);
        return;
    }
  }
  if (dest === undefined) {
    if (!args.some((a) => a.text === 'DESTINATION')) context.error('install(DIRECTORY ...) needs a DESTINATION', command.line);
    return;
  }
  for (const given of sources) {
    const located = context.locate(given.text, given.line, 'source');
    if (!located) continue;
    if (located.where === 'binary') {
      context.error('install(DIRECTORY) of the build folder: debforge builds nothing there but configure_file() outputs; install those with install(FILES ...)', given.line);
      continue;
    }
    const root = context.inventory.get(located.relative);
    if (!root || root.kind !== 'directory') {
      if (!optional) context.error(`"${printable(located.relative)}" is not a folder of the daemon folder`, given.line);
      continue;
    }
    // "dir/" installs the folder's contents; "dir" installs the folder itself.
    const base: string = given.text.endsWith('/') ? dest : `${dest === '/' ? '' : dest}/${path.posix.basename(located.relative)}`;
    const within = (entry: FolderEntry): string => entry.file.slice(located.relative.length + 1);
    const excluded: string[] = [];
    const chosen: Installed[] = [];
    for (const entry of context.entries) {
      if (!entry.file.startsWith(`${located.relative}/`)) continue;
      const relative = within(entry);
      if (excluded.some((prefix) => relative.startsWith(`${prefix}/`))) continue;
      const matching = patterns.filter((p) => p.regex.test(`/${relative}`));
      if (matching.some((p) => p.exclude)) {
        if (entry.kind === 'directory') excluded.push(relative);
        continue;
      }
      if (entry.kind === 'directory') {
        chosen.push({ target: `${base}/${relative}`, entry, template: false, executable: true, kind: 'directory', line: given.line, rule: command.line });
        continue;
      }
      if (filesMatching && matching.length === 0) continue;
      if (entry.kind === 'symlink' || entry.kind === 'special' || !entry.readable) {
        context.fileSource(entry.file, given.line, false);
        continue;
      }
      const patternMode = matching.find((p) => p.executable !== undefined)?.executable;
      const executable = patternMode ?? (filePermissions ? filePermissions.some((p) => p.endsWith('_EXECUTE')) : sourcePermissions ? entry.executable : false);
      chosen.push({ target: `${base}/${relative}`, entry, template: false, executable, kind: 'file', line: given.line, rule: command.line });
    }
    // With FILES_MATCHING, only folders that end up holding something are packaged.
    const files = chosen.filter((c) => c.kind === 'file');
    const kept = filesMatching ? chosen.filter((c) => c.kind === 'file' || files.some((f) => f.target.startsWith(`${c.target}/`))) : chosen;
    if (base !== dest || kept.length > 0) context.installed.push({ target: base, entry: root, template: false, executable: true, kind: 'directory', line: given.line, rule: command.line });
    context.installed.push(...kept);
  }
}

/** CMake's PATTERN: a glob matched against the end of the path, whole names only. */
function globRegex(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i]!;
    if (char === '*') out += '[^/]*';
    else if (char === '?') out += '[^/]';
    else if (char === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end < 0) out += '\\[';
      else {
        out += `[${glob.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else out += char.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`/${out}$`);
}
