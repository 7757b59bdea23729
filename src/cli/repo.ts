import { findProjectConfig } from '../config/find.js';
import { UsageError } from '../errors.js';
import { DEFAULT_COMPONENT, parseKeep, parsePercent, phaseRepository, pruneRepository, publishRepository, type Keep, type RepoResult, type RepoRunOptions } from '../repo/index.js';
import { architectureList, parse, positiveInteger } from './args.js';
import { REPO_HELP, REPO_PHASE_HELP, REPO_PRUNE_HELP } from './help.js';
import type { Io } from './io.js';

/** The options every repo command shares. */
const RUN_OPTIONS = {
  out: { type: 'string' },
  suite: { type: 'string' },
  component: { type: 'string' },
  'sign-key': { type: 'string', multiple: true },
  'lock-wait': { type: 'string' },
  json: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
} as const;

function runOptions(values: { out?: string; suite?: string; component?: string; 'sign-key'?: string[]; 'lock-wait'?: string; quiet?: boolean }, command: string, io: Io): RepoRunOptions {
  if (values.out === undefined || values.out === '') throw new UsageError(`${command} needs --out DIR, the repository folder (see \`debforge ${command} --help\`)`);
  const signKey = values['sign-key'];
  if (signKey?.some((key) => key === '')) throw new UsageError('--sign-key is empty: give a key ID, a fingerprint or a key file');
  const lockWaitSeconds = positiveInteger(values['lock-wait'], '--lock-wait');
  return {
    outDir: values.out,
    component: values.component ?? DEFAULT_COMPONENT,
    ...(values.suite !== undefined ? { suite: values.suite } : {}),
    ...(signKey !== undefined ? { signKey } : {}),
    ...(lockWaitSeconds !== undefined ? { lockWaitSeconds } : {}),
    // --quiet: the warnings, not the progress (what was read, added, removed, a wait for the lock).
    log: (line) => {
      if (values.quiet !== true || line.startsWith('warning: ')) io.stderr(`debforge: ${line}\n`);
    },
  };
}

/** --keep, else the project config's `repo: keep:` (the debforge.yaml found walking up from the current folder). */
async function keepOption(value: string | undefined): Promise<Keep | undefined> {
  if (value === undefined) {
    const file = await findProjectConfig(process.cwd());
    // The config reader (and the build's profiles it checks names against) only when there is a config.
    return file === undefined ? undefined : (await (await import('../config/index.js')).loadProjectConfig(file)).keep;
  }
  const keep = parseKeep(value);
  if (keep === undefined) throw new UsageError(`--keep must be a whole number of at least 1, or all; got "${value}"`);
  return keep;
}

/** `--phase PERCENT` (every package of the run) or `--phase PKG=PERCENT` (repeatable). */
function phaseOption(values: string[] | undefined): number | Record<string, number> | undefined {
  if (values === undefined) return undefined;
  const byPackage: Record<string, number> = {};
  let all: number | undefined;
  for (const value of values) {
    const match = /^(?:([^=]+)=)?([^=]*)$/.exec(value);
    const percent = match === null ? undefined : parsePercent(match[2]!);
    if (match === null || percent === undefined) throw new UsageError(`--phase "${value}" must be PERCENT or PACKAGE=PERCENT, with a whole number from 0 to 100`);
    if (match[1] === undefined) all = percent;
    else byPackage[match[1]] = percent;
  }
  if (all !== undefined && Object.keys(byPackage).length > 0) throw new UsageError('--phase PERCENT (every package) and --phase PACKAGE=PERCENT cannot be mixed');
  return all ?? byPackage;
}

function report(result: RepoResult, json: boolean | undefined, io: Io): number {
  if (json) io.stdout(`${JSON.stringify(result, null, 2)}\n`);
  else for (const suite of result.suites) io.stdout(`${suite.release}\n`);
  return 0;
}

/** `debforge repo <deb-or-dir>... --out DIR [options]`, `repo prune ...`, `repo phase ...` */
export async function repoCommand(argv: string[], io: Io): Promise<number> {
  // A folder of packages named prune or phase is given as ./prune or ./phase.
  if (argv[0] === 'prune') return pruneCommand(argv.slice(1), io);
  if (argv[0] === 'phase') return phaseCommand(argv.slice(1), io);
  const { values, positionals } = parse(
    argv,
    {
      ...RUN_OPTIONS,
      arch: { type: 'string', multiple: true },
      origin: { type: 'string' },
      label: { type: 'string' },
      keep: { type: 'string' },
      phase: { type: 'string', multiple: true },
    },
    'repo',
  );
  if (values.help) {
    io.stdout(REPO_HELP);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError('repo needs .deb files or folders holding them (see `debforge repo --help`)');
  const base = runOptions(values, 'repo', io);
  const keep = await keepOption(values.keep);
  const phase = phaseOption(values.phase);
  const architectures = architectureList(values.arch);
  const result = await publishRepository(positionals, {
    ...base,
    ...(architectures !== undefined ? { architectures } : {}),
    ...(values.origin !== undefined ? { origin: values.origin } : {}),
    ...(values.label !== undefined ? { label: values.label } : {}),
    ...(keep !== undefined ? { keep } : {}),
    ...(phase !== undefined ? { phase } : {}),
  });
  return report(result, values.json, io);
}

async function pruneCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, { ...RUN_OPTIONS, keep: { type: 'string' } }, 'repo prune');
  if (values.help) {
    io.stdout(REPO_PRUNE_HELP);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`repo prune takes no packages, got "${positionals[0]}" (see \`debforge repo prune --help\`)`);
  const keep = await keepOption(values.keep);
  if (keep === undefined) throw new UsageError('repo prune needs --keep N, the versions to keep of each package, or repo: keep: in the project config (see `debforge repo prune --help`)');
  return report(await pruneRepository({ ...runOptions(values, 'repo prune', io), keep }), values.json, io);
}

async function phaseCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, RUN_OPTIONS, 'repo phase');
  if (values.help) {
    io.stdout(REPO_PHASE_HELP);
    return 0;
  }
  if (positionals.length !== 3) throw new UsageError('repo phase needs PACKAGE VERSION|latest PERCENT (see `debforge repo phase --help`)');
  const [pkg, version, percentText] = positionals as [string, string, string];
  const percent = parsePercent(percentText);
  if (percent === undefined) throw new UsageError(`repo phase: the percentage must be a whole number from 0 to 100, got "${percentText}"`);
  return report(await phaseRepository({ ...runOptions(values, 'repo phase', io), package: pkg, version, percent }), values.json, io);
}
