import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError, terminalSafe } from '../errors.js';
import { maintainerFromEnvironment, overrideProblem } from '../resolve/maintainer.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** util.parseArgs with its errors turned into one-line usage errors (exit 2) naming what the command takes. */
export function parse<T extends Options>(argv: string[], options: T, command: string): ReturnType<typeof parseArgs<{ args: string[]; options: T & { help: { type: 'boolean'; short: 'h' } }; allowPositionals: true; strict: true }>> {
  try {
    return parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    const help = `see \`debforge ${command} --help\``;
    // Node's own words name the option in quotes ('--frob', '--out <value>', '-h, --help').
    const option = /'(?:-[^,' ]*, )?(-[^' ]*)/.exec(message)?.[1];
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option !== undefined) {
      const known = [...Object.keys(options), 'help'].map((name) => `--${name}`).join(', ');
      throw new UsageError(`Unknown option '${terminalSafe(option)}': \`debforge ${command}\` takes ${known} (${help})`);
    }
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && option !== undefined) {
      throw new UsageError(`${option} ${/argument missing/.test(message) ? 'needs a value' : 'takes no value'} (${help})`);
    }
    throw new UsageError(`${terminalSafe(message.split('\n')[0]!)} (${help})`);
  }
}

export function positiveInteger(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[1-9][0-9]*$/.test(value)) throw new UsageError(`${name} must be a positive whole number, got "${value}"`);
  return Number(value);
}

export function defines(values: string[] | undefined): Map<string, string> {
  const map = new Map<string, string>();
  for (const value of values ?? []) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(value);
    if (!match) throw new UsageError(`--define "${value}" must be NAME=VALUE`);
    map.set(match[1]!, match[2]!);
  }
  return map;
}

/**
 * --maintainer (checked here, a usage error if malformed) and the maintainer the environment
 * gives as dch reads it (DEBFULLNAME, DEBEMAIL...), which replaces only a placeholder maintainer.
 */
export function maintainerOptions(value: string | undefined, env: NodeJS.ProcessEnv): { maintainer?: string; environmentMaintainer: { maintainer?: string; missing?: string } } {
  if (value !== undefined) {
    const problem = overrideProblem(value);
    if (problem !== undefined) throw new UsageError(`--maintainer ${problem}`);
  }
  const fromEnvironment = maintainerFromEnvironment(env);
  const problem = fromEnvironment.maintainer === undefined ? undefined : overrideProblem(fromEnvironment.maintainer);
  const environmentMaintainer = problem === undefined ? fromEnvironment : { missing: `DEBFULLNAME/DEBEMAIL give ${problem}` };
  return { ...(value !== undefined ? { maintainer: value } : {}), environmentMaintainer };
}

/** --arch values, repeatable and comma-separated (`--arch amd64,arm64`); undefined when none is given. */
export function architectureList(values: string[] | undefined): string[] | undefined {
  if (values === undefined) return undefined;
  const list = [...new Set(values.flatMap((value) => value.split(',')).map((value) => value.trim()).filter((value) => value !== ''))];
  if (list.length === 0) throw new UsageError('--arch needs an architecture such as amd64 or arm64');
  return list;
}
