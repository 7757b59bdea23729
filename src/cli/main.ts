import { DebforgeError, UsageError, formatProblem, terminalSafe } from '../errors.js';
import type { Io } from './io.js';
import { MAIN_HELP } from './help.js';

// Each command's module is imported when that command runs: a build never loads the .deb reader
// or the repository writer, and `repo` or `--version` never load the build pipeline.

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
        return await (await import('./build.js')).buildCommand(rest, io);
      case 'check':
        return await (await import('./check.js')).checkCommand(rest, io);
      case 'inspect':
        return await (await import('./inspect.js')).inspectCommand(rest, io);
      case 'profiles':
        return await (await import('./profiles.js')).profilesCommand(rest, io);
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
