import os from 'node:os';
import { build, checkBuild, expandDaemonPaths, plannedArchitectures, resolveProfile, type BuildResult } from '../build.js';
import { daemonNames } from '../load/index.js';
import { DebforgeError, UsageError, formatProblem, terminalSafe } from '../errors.js';
import { distributionCompression, dpkgReadsZstd, PROFILES, templateVariables } from '../resolve/index.js';
import { isCompression } from '../write/compress/index.js';
import { removeTemporariesSync } from '../write/temporary.js';
import { makeDirectory, removeCreated, removeCreatedSync } from '../make-directory.js';
import { architectureList, defines, maintainerOptions, parse, positiveInteger } from './args.js';
import type { Io } from './io.js';
import { BUILD_HELP, CHECK_HELP, INSPECT_HELP, MAIN_HELP, PROFILES_HELP } from './help.js';

// Commands other than build and check (new, repo, inspect) and what only they use (the .deb reader,
// semver, the repository writer) are imported when run, so a build never pays to load them.

const processIo: Io = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
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
        return profilesCommand(rest, io);
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

async function buildCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      out: { type: 'string' },
      profile: { type: 'string', multiple: true },
      define: { type: 'string', multiple: true },
      revision: { type: 'string' },
      maintainer: { type: 'string' },
      compression: { type: 'string' },
      jobs: { type: 'string' },
      json: { type: 'boolean' },
      rosdistro: { type: 'string' },
      arch: { type: 'string', multiple: true },
    },
    'build',
  );
  if (values.help) {
    io.stdout(BUILD_HELP);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError('build needs at least one daemon folder (see `debforge build --help`)');
  const compression = values.compression ?? 'gzip';
  if (!isCompression(compression) && compression !== 'distribution') throw new UsageError(`--compression "${compression}" must be gzip, xz, zstd, none or distribution`);
  const jobs = positiveInteger(values.jobs, '--jobs') ?? os.availableParallelism();
  const profiles = (values.profile ?? [undefined]).map((name) => resolveProfile(name));
  const variables = defines(values.define);
  const maintainer = maintainerOptions(values.maintainer, process.env);
  const architectures = architectureList(values.arch);
  const daemons = await expandDaemonPaths(positionals);
  const runSiblings = await daemonNames(daemons);
  // Before anything is written: every input problem (a run with one writes nothing, so the
  // output folder stays as it was), the collisions between the packages of this run, and the
  // warnings `check` gives, each printed once.
  const preflight = await checkBuild(daemons, profiles.map((p) => p.name), {
    defines: variables,
    compression,
    ...maintainer,
    ...(values.revision !== undefined ? { revision: values.revision } : {}),
    ...(values.rosdistro !== undefined ? { rosdistro: values.rosdistro } : {}),
    ...(architectures !== undefined ? { architectures } : {}),
    runSiblings,
  });
  // Errors first and alone (what to fix before anything is built); else each distinct warning or
  // note once: the builds below find them again and print only new ones.
  const preflightErrors = preflight.filter((p) => p.severity === 'error');
  if (preflightErrors.length > 0) throw new DebforgeError(preflightErrors);
  const printed = new Set<string>();
  for (const problem of preflight) {
    printed.add(formatProblem(problem));
    io.stderr(`debforge: ${formatProblem(problem)}\n`);
  }

  const outDir = values.out ?? 'dist';
  let createdOut: string | undefined;
  // A signal ends the build at once: this process's temporary files (and an output folder it
  // created, if still empty) are removed synchronously, then it dies of the signal itself, as a
  // well-behaved Unix program does (the shell sees 128 + its number). Waiting for the pipeline to
  // wind down instead left a window where compressor threads were stopped inside native code,
  // which aborts the process with a C++ exception.
  const onSignal = (signal: NodeJS.Signals): void => {
    removeTemporariesSync();
    removeCreatedSync(outDir, createdOut);
    for (const name of INTERRUPTING_SIGNALS) process.off(name, onSignal);
    process.kill(process.pid, signal);
  };
  for (const name of INTERRUPTING_SIGNALS) process.on(name, onSignal);
  const controller = new AbortController();
  let code = 0;
  let finished = false;
  try {
    // An output folder that cannot be made fails now, before any work.
    try {
      createdOut = await makeDirectory(outDir);
    } catch (error) {
      throw new DebforgeError({ file: outDir, message: `cannot create the output folder (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): give --out a folder that can be written`, severity: 'error' });
    }
    const tasks: { dir: string; profile: (typeof profiles)[number]; architecture: string | undefined }[] = [];
    for (const dir of daemons) {
      const planned = await plannedArchitectures(dir, architectures);
      for (const profile of profiles) for (const architecture of planned.architectures) tasks.push({ dir, profile, architecture });
    }
    // --jobs N is one budget for the whole call, never N per package (that made N x N threads,
    // and N x N xz encoders of ~100 MiB each). Up to min(N, tasks) packages are built at once and
    // each one's compressors get floor(N / that) threads, so packages x threads <= N: one package
    // gets all N threads, N or more packages get one each. Memory is bounded the same way: each
    // package streams through its pipeline with back-pressure, holding at most its threads' blocks
    // in flight. The output bytes do not depend on the thread count.
    const packagesAtOnce = Math.min(jobs, tasks.length);
    const threadsPerPackage = Math.max(1, Math.floor(jobs / packagesAtOnce));
    const results: BuildResult[] = [];
    const failures: unknown[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < tasks.length && !controller.signal.aborted) {
        const task = tasks[next++]!;
        try {
          const result = await build(task.dir, {
            outDir,
            profile: task.profile.name,
            defines: variables,
            ...maintainer,
            ...(values.revision !== undefined ? { revision: values.revision } : {}),
            compression,
            ...(values.rosdistro !== undefined ? { rosdistro: values.rosdistro } : {}),
            runSiblings,
            ...(task.architecture !== undefined ? { architecture: task.architecture } : {}),
            jobs: threadsPerPackage,
            signal: controller.signal,
          });
          results.push(result);
          for (const warning of result.warnings) {
            const line = formatProblem(warning);
            if (printed.has(line)) continue;
            printed.add(line);
            io.stderr(`debforge: ${line}\n`);
          }
          io.stderr(`debforge: built ${result.path} (${formatSize(result.size)}, ${task.profile.name})\n`);
          if (!values.json) io.stdout(`${result.path}\n`);
        } catch (error) {
          failures.push(error);
          if (!(error instanceof DebforgeError)) controller.abort();
        }
      }
    };
    await Promise.all(Array.from({ length: packagesAtOnce }, worker));
    if (values.json) io.stdout(`${JSON.stringify(results, null, 2)}\n`);
    for (const failure of failures) code = Math.max(code, reportError(failure, io));
    finished = true;
  } finally {
    for (const name of INTERRUPTING_SIGNALS) process.off(name, onSignal);
    // A failed build leaves no output folder it created, if it holds nothing.
    if (code !== 0 || !finished) await removeCreated(outDir, createdOut);
  }
  return code;
}

/** Ctrl-C, kill, and a closed terminal or SSH session. */
const INTERRUPTING_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

async function checkCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, { profile: { type: 'string', multiple: true }, define: { type: 'string', multiple: true }, maintainer: { type: 'string' }, tag: { type: 'string' }, rosdistro: { type: 'string' }, arch: { type: 'string', multiple: true } }, 'check');
  if (values.help) {
    io.stdout(CHECK_HELP);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError('check needs at least one daemon folder (see `debforge check --help`)');
  const profiles = (values.profile ?? [undefined]).map((name) => resolveProfile(name));
  const variables = defines(values.define);
  const maintainer = maintainerOptions(values.maintainer, process.env);
  const architectures = architectureList(values.arch);
  const daemons = await expandDaemonPaths(positionals);
  let errors = 0;
  if (values.tag !== undefined) {
    const { checkTag } = await import('../check/tag.js');
    for (const problem of await checkTag(daemons, values.tag)) {
      errors++;
      io.stderr(`${formatProblem(problem)}\n`);
    }
  }
  // The daemons are checked as one set: a unit may be pulled in, or a file shipped, by another.
  const options = { defines: variables, ...maintainer, ...(values.rosdistro !== undefined ? { rosdistro: values.rosdistro } : {}), ...(architectures !== undefined ? { architectures } : {}) };
  for (const problem of await checkBuild(daemons, profiles.map((p) => p.name), options)) {
    if (problem.severity === 'error') errors++;
    io.stderr(`${formatProblem(problem)}\n`);
  }
  return errors > 0 ? 1 : 0;
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
  const { visibleJson, visibleLine, visibleMessage, visibleText } = await import('../deb/visible.js');
  let deb;
  try {
    deb = await readDeb(file);
  } catch (error) {
    if (!(error instanceof DebFormatError)) throw error;
    throw new DebforgeError({ file, message: `cannot read package: ${visibleMessage(error.message)}`, severity: 'error' });
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

function profilesCommand(argv: string[], io: Io): number {
  const { values, positionals } = parse(argv, { json: { type: 'boolean' } }, 'profiles');
  if (values.help) {
    io.stdout(PROFILES_HELP);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError('profiles takes no arguments');
  if (values.json) {
    io.stdout(`${JSON.stringify(PROFILES, null, 2)}\n`);
    return 0;
  }
  const out: string[] = [];
  for (const profile of PROFILES) {
    out.push(`${profile.name}${profile.name === 'noetic' ? ' (default)' : ''}: ${profile.summary}`);
    out.push(`  package names: ${profile.packagePrefix || ''}<name>, suite ${profile.os.codename}, units in ${profile.systemUnitDir}`);
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
