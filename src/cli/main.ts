import { checkBuild } from '../build/check.js';
import { expandDaemonPaths } from '../build/plan.js';
import { runConfig, runProfiles } from '../build/config.js';
import { DebforgeError, UsageError, formatProblem, terminalSafe, type Problem } from '../errors.js';
import { DEFAULT_PROFILE, distributionCompression, dpkgReadsZstd, profileStatus, PROFILES, rosdistroData, templateVariables } from '../resolve/index.js';
import { architectureList, defines, maintainerOptions, parse } from './args.js';
import { buildCommand } from './build.js';
import type { Io } from './io.js';
import { CHECK_HELP, INSPECT_HELP, MAIN_HELP, PROFILES_HELP } from './help.js';

// Commands other than build and check (new, repo, inspect) and what only they use (the .deb reader,
// semver, the repository writer) are imported when run, so a build never pays to load them.

const processIo: Io = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  get terminalColumns() {
    return process.stderr.isTTY ? process.stderr.columns || 80 : undefined;
  },
};

/** Runs the CLI; returns the exit code. Never throws: every failure becomes one line on stderr. */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'build':
        return await buildCommand(rest, io);
      case 'check':
        return await checkCommand(rest, io);
      case 'inspect':
        return await inspectCommand(rest, io);
      case 'profiles':
        return await profilesCommand(rest, io);
      case 'new':
        return await (await import('./new.js')).newCommand(rest, io);
      case 'repo':
        return await (await import('./repo.js')).repoCommand(rest, io);
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        io.stdout(MAIN_HELP);
        return command === undefined ? 2 : 0;
      case '--version':
        io.stdout('debforge 0.1.0\n');
        return 0;
      default:
        throw new UsageError(`unknown command "${command}" (commands: build, check, inspect, new, profiles, repo; see \`debforge --help\`)`);
    }
  } catch (error) {
    return reportError(error, io);
  }
}

function reportError(error: unknown, io: Io): number {
  if (error instanceof UsageError) {
    io.stderr(`debforge: ${terminalSafe(error.message)}\n`);
    return 2;
  }
  if (error instanceof DebforgeError) {
    for (const problem of error.problems) io.stderr(`debforge: ${formatProblem(problem)}\n`);
    return 1;
  }
  if (error instanceof Error && error.name === 'AbortError') {
    io.stderr('debforge: interrupted; nothing was written\n');
    return 130;
  }
  const code = (error as NodeJS.ErrnoException).code;
  const message = error instanceof Error ? error.message : String(error);
  io.stderr(`debforge: ${terminalSafe(`${code ? `${code}: ` : ''}${message.split('\n')[0]}`)}\n`);
  // An unexpected failure is a debforge bug: DEBFORGE_DEBUG=1 shows where it happened.
  if (process.env['DEBFORGE_DEBUG'] && error instanceof Error && error.stack) io.stderr(`${error.stack}\n`);
  return 1;
}

async function checkCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, { profile: { type: 'string', multiple: true }, define: { type: 'string', multiple: true }, maintainer: { type: 'string' }, tag: { type: 'string' }, rosdistro: { type: 'string' }, arch: { type: 'string', multiple: true }, json: { type: 'boolean' }, quiet: { type: 'boolean', short: 'q' } }, 'check');
  if (values.help) {
    io.stdout(CHECK_HELP);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError('check needs at least one daemon folder (see `debforge check --help`)');
  const variables = defines(values.define);
  const maintainer = maintainerOptions(values.maintainer, process.env);
  const architectures = architectureList(values.arch);
  const daemons = await expandDaemonPaths(positionals);
  // The project config (debforge.yaml) gives what the command line leaves out, profiles first.
  const config = await runConfig(daemons);
  const profiles = runProfiles(values.profile, config);
  const problems: Problem[] = [];
  if (values.tag !== undefined) {
    const { checkTag } = await import('../check/tag.js');
    problems.push(...(await checkTag(daemons, values.tag)));
  }
  // The daemons are checked as one set: a unit may be pulled in, or a file shipped, by another.
  const options = {
    defines: variables,
    ...maintainer,
    ...(values.rosdistro !== undefined ? { rosdistro: values.rosdistro } : {}),
    ...(architectures !== undefined ? { architectures } : {}),
    config: config ?? (false as const),
    folderDaemons: daemons.filter((dir) => !positionals.includes(dir)),
  };
  problems.push(...(await checkBuild(daemons, profiles, options)));
  for (const problem of problems) io.stderr(`${formatProblem(problem)}\n`);
  const count = (severity: Problem['severity']): number => problems.filter((p) => p.severity === severity).length;
  const errors = count('error');
  if (values.json) {
    const report = { folders: daemons, profiles: profiles.map((p) => p.name), errors, warnings: count('warning'), notes: count('note'), problems };
    io.stdout(`${JSON.stringify(report, null, 2)}\n`);
  } else if (errors === 0 && values.quiet !== true) {
    const found = [plural(count('warning'), 'warning'), plural(count('note'), 'note')].filter((part) => !part.startsWith('0 '));
    const names = profiles.map((p) => p.name).join(', ');
    io.stdout(`checked ${plural(daemons.length, 'daemon folder')} for ${plural(profiles.length, 'profile')} (${names}): ${found.length === 0 ? 'no problems' : `no errors, ${found.join(', ')}`}\n`);
  }
  return errors > 0 ? 1 : 0;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

async function inspectCommand(argv: string[], io: Io): Promise<number> {
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

async function profilesCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, { json: { type: 'boolean' } }, 'profiles');
  if (values.help) {
    io.stdout(PROFILES_HELP);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError('profiles takes no arguments');
  // The built-in profiles, then the custom ones of the project config found from here.
  const config = await runConfig(['.']);
  const profiles = [...PROFILES, ...(config?.customProfiles ?? [])];
  const defaults = config?.profiles ?? [DEFAULT_PROFILE];
  const rosdistro = await rosdistroData(undefined);
  if (values.json) {
    const described = profiles.map((profile) => ({ ...profile, distributionCompression: distributionCompression(profile), ...profileStatus(profile, rosdistro) }));
    io.stdout(`${JSON.stringify(described, null, 2)}\n`);
    return 0;
  }
  const out: string[] = [];
  for (const profile of profiles) {
    out.push(`${profile.name}${defaults.includes(profile.name) ? ' (default)' : ''}: ${profile.summary}`);
    out.push(`  status: ${profileStatus(profile, rosdistro).detail}`);
    out.push(`  packages: ${profile.packagePrefix}<name>_<version>-<revision>${profile.revisionSuffix ?? ''}, suite ${profile.suite ?? profile.os.codename}, units in ${profile.systemUnitDir}`);
    out.push(`  distribution compression: ${distributionCompression(profile)}${dpkgReadsZstd(profile) ? '' : ' (its dpkg cannot read zstd)'}`);
    const example = templateVariables({ name: 'PKG', version: 'X.Y.Z' }, profile, `${profile.packagePrefix}PKG`);
    for (const [key, value] of example) out.push(`  @${key}@ = ${value}`);
    out.push('  @DEB_HOST_ARCH@ = the package\'s architecture (amd64, arm64, ...), not in Architecture: all packages');
    out.push('  @DEB_HOST_MULTIARCH@ = its multiarch triplet (x86_64-linux-gnu, aarch64-linux-gnu, arm-linux-gnueabihf, ...)');
    out.push('');
  }
  io.stdout(out.join('\n'));
  return 0;
}
