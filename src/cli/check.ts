import { checkBuild } from '../pipeline/check.js';
import { expandDaemonPaths } from '../pipeline/plan.js';
import { runConfig, runProfiles } from '../pipeline/config.js';
import { UsageError, formatProblem, type Problem } from '../errors.js';
import { architectureList, defines, maintainerOptions, parse } from './args.js';
import { CHECK_HELP } from './help.js';
import type { Io } from './io.js';

export async function checkCommand(argv: string[], io: Io): Promise<number> {
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
