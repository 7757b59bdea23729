import { constants, promises as fs } from 'node:fs';
import path from 'node:path';
import { printable, type ProblemList } from '../../errors.js';
import { ELF_MAGIC, readElf, type ElfInfo } from '../elf.js';
import { CMakeSyntaxError, tokenizeCMake, type CMakeCommand } from './tokenize.js';

export { tokenizeCMake, type CMakeCommand, type CMakeArgument } from './tokenize.js';

export const CMAKE_LISTS = 'CMakeLists.txt';

/** A file or folder of the daemon folder, as an install rule may name it. */
export interface FolderEntry {
  /** Relative to the daemon folder, with `/`. */
  file: string;
  absolutePath: string;
  kind: 'file' | 'directory' | 'symlink' | 'special';
  executable: boolean;
  size: number;
  /** Set for an ELF file: what it is built for and the libraries it needs. */
  elf?: ElfInfo;
  readable: boolean;
}

/** A catkin CMakeLists.txt as debforge reads it: the commands that place payload, and the folder's files. */
export interface CatkinRules {
  file: string;
  /** The commands evaluated per profile (project, set, install, catkin_install_python, configure_file). */
  commands: CMakeCommand[];
  /** Every entry of the daemon folder (except .git), sorted: what the rules may name. */
  inventory: FolderEntry[];
}

/** Commands that only matter when CMake compiles or configures a build: harmless when nothing is compiled. */
const BOILERPLATE = new Set(['cmake_minimum_required', 'cmake_policy', 'catkin_package', 'include_directories', 'message']);
/** Commands whose effect on the package debforge reproduces. */
const EVALUATED = new Set(['project', 'set', 'install', 'catkin_install_python', 'configure_file']);
/** Commands that build something: what they would produce has to be built before debforge runs. */
const BUILDS: Record<string, string> = {
  add_executable: 'compiles a program',
  add_library: 'compiles a library',
  add_custom_target: 'runs a build step',
  add_custom_command: 'runs a build step',
  catkin_python_setup: 'runs setup.py',
  add_message_files: 'generates message code',
  add_service_files: 'generates service code',
  add_action_files: 'generates action code',
  generate_messages: 'generates message code',
  generate_dynamic_reconfigure_options: 'generates dynamic_reconfigure code',
  catkin_add_gtest: 'compiles a test',
  catkin_add_nosetests: 'runs tests',
  add_rostest: 'runs tests',
  execute_process: 'runs a program while configuring',
};
/** Commands that act on a target: reported once, with the command that created the target. */
const TARGET_COMMANDS = new Set([
  'target_link_libraries', 'target_include_directories', 'target_compile_options', 'target_compile_definitions',
  'target_compile_features', 'target_sources', 'add_dependencies', 'set_target_properties',
]);
const CONTROL_FLOW = new Set(['if', 'foreach', 'while', 'function', 'macro', 'return', 'break', 'continue']);
/** The rest of a block whose opening command was already reported. */
const BLOCK_CONTINUATION = new Set(['elseif', 'else', 'endif', 'endforeach', 'endwhile', 'endfunction', 'endmacro']);

const PREBUILT = 'debforge packages prebuilt payload and never runs CMake or a compiler';

/**
 * Reads `CMakeLists.txt` when the daemon folder has one: its install rules say where the payload
 * goes. Only the subset daemon packages use is accepted; every other command is an error at its
 * line. Returns undefined when there is no CMakeLists.txt.
 */
export async function readCatkinRules(dir: string, problems: ProblemList): Promise<CatkinRules | undefined> {
  const absolute = path.join(dir, CMAKE_LISTS);
  let stat;
  try {
    stat = await fs.lstat(absolute);
  } catch {
    return undefined;
  }
  if (!stat.isFile()) {
    problems.error(CMAKE_LISTS, 'is not a regular file: CMakeLists.txt must be a plain text file');
    return undefined;
  }
  let commands: CMakeCommand[];
  try {
    commands = tokenizeCMake(await fs.readFile(absolute, 'utf8'));
  } catch (error) {
    if (error instanceof CMakeSyntaxError) {
      problems.error(CMAKE_LISTS, `${error.message}: debforge reads CMake's command syntax`, error.line);
      return undefined;
    }
    problems.error(CMAKE_LISTS, `cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    return undefined;
  }
  const evaluated = acceptedCommands(commands, problems);
  return { file: CMAKE_LISTS, commands: evaluated, inventory: await folderInventory(dir) };
}

function acceptedCommands(commands: CMakeCommand[], problems: ProblemList): CMakeCommand[] {
  const kept: CMakeCommand[] = [];
  const refusedTargets = new Set<string>();
  for (const command of commands) {
    const first = command.args[0]?.text ?? '';
    if (EVALUATED.has(command.name)) {
      const unsupported = command.args.find((arg) => arg.kind !== 'bracket' && /\$<|\$ENV\{|\$CACHE\{/.test(arg.text));
      if (unsupported) {
        const what = unsupported.text.includes('$<') ? 'a generator expression, which only a CMake build evaluates' : 'a value from the environment or cache, which differs between machines';
        problems.error(CMAKE_LISTS, `${command.name}() uses ${what}: ${PREBUILT}; write the value itself`, unsupported.line);
        continue;
      }
      if (command.name === 'install' && first.toUpperCase() === 'TARGETS') {
        const names = command.args.slice(1).map((a) => a.text);
        if (names.some((name) => refusedTargets.has(name))) continue;
        problems.error(CMAKE_LISTS, `install(TARGETS ...) installs what CMake builds: ${PREBUILT}; build it beforehand and install the result with install(PROGRAMS ...) or install(FILES ...)`, command.line);
        continue;
      }
      kept.push(command);
    } else if (BOILERPLATE.has(command.name)) {
      continue;
    } else if (command.name === 'find_package') {
      if (first !== 'catkin') problems.error(CMAKE_LISTS, `find_package(${printable(first)}) looks for a build dependency: ${PREBUILT}; declare what the daemon needs at run time as <exec_depend> in package.xml`, command.line);
    } else if (command.name in BUILDS) {
      if (command.name === 'add_executable' || command.name === 'add_library') refusedTargets.add(first);
      const target = first === '' ? '' : `(${printable(first)} ...)`;
      problems.error(CMAKE_LISTS, `${command.name}${target} ${BUILDS[command.name]}: ${PREBUILT}; build it beforehand (e.g. in CI) and install the result with install(PROGRAMS ...) or install(FILES ...)`, command.line);
    } else if (TARGET_COMMANDS.has(command.name)) {
      if (refusedTargets.has(first)) continue;
      problems.error(CMAKE_LISTS, `${command.name}() acts on a build target: ${PREBUILT}; remove it`, command.line);
    } else if (BLOCK_CONTINUATION.has(command.name)) {
      continue;
    } else if (CONTROL_FLOW.has(command.name)) {
      problems.error(CMAKE_LISTS, `${command.name}() is CMake control flow: debforge reads install rules, it does not run CMake; write the rules for the package as it is installed, without conditions`, command.line);
    } else {
      problems.error(CMAKE_LISTS, `${command.name}() is not among the commands debforge reads (install, catkin_install_python, configure_file, set and catkin's boilerplate): ${PREBUILT}; remove it or move its effect into the payload`, command.line);
    }
  }
  return kept;
}

async function folderInventory(dir: string): Promise<FolderEntry[]> {
  const entries: FolderEntry[] = [];
  const walk = async (relative: string): Promise<void> => {
    let names: string[];
    try {
      names = await fs.readdir(path.join(dir, relative));
    } catch {
      return;
    }
    for (const name of names.sort()) {
      if (relative === '' && name === '.git') continue;
      const file = relative === '' ? name : `${relative}/${name}`;
      const absolutePath = path.join(dir, file);
      const stat = await fs.lstat(absolutePath);
      const base = { file, absolutePath, executable: (stat.mode & 0o111) !== 0, size: 0, readable: true };
      if (stat.isDirectory()) {
        entries.push({ ...base, kind: 'directory' });
        await walk(file);
      } else if (stat.isSymbolicLink()) {
        entries.push({ ...base, kind: 'symlink' });
      } else if (stat.isFile()) {
        const head = await readHead(absolutePath);
        const elf = head !== undefined && head.equals(ELF_MAGIC) ? await readElf(absolutePath).catch(() => undefined) : undefined;
        entries.push({ ...base, kind: 'file', size: stat.size, readable: head !== undefined, ...(elf ? { elf } : {}) });
      } else {
        entries.push({ ...base, kind: 'special' });
      }
    }
  };
  await walk('');
  return entries;
}

/** The first four bytes, or undefined when the file cannot be read. */
async function readHead(absolutePath: string): Promise<Buffer | undefined> {
  try {
    const handle = await fs.open(absolutePath, constants.O_RDONLY);
    try {
      const head = Buffer.alloc(4);
      const { bytesRead } = await handle.read(head, 0, 4, 0);
      return head.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  } catch {
    return undefined;
  }
}
