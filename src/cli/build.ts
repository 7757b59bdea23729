import { buildAll, type BuildEvent } from '../pipeline/all.js';
import { UsageError } from '../errors.js';
import { isCompressionChoice } from '../write/compress/index.js';
import { architectureList, defines, maintainerOptions, parse, positiveInteger } from './args.js';
import { BUILD_HELP } from './help.js';
import type { Io } from './io.js';
import { buildReporter, colorWanted } from './progress.js';

/** `debforge build`: the options read, then one call of the library's buildAll. */
export async function buildCommand(argv: string[], io: Io): Promise<number> {
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
      quiet: { type: 'boolean', short: 'q' },
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
  const compression = values.compression;
  if (compression !== undefined && !isCompressionChoice(compression)) throw new UsageError(`--compression "${compression}" must be gzip, xz, zstd, none or distribution`);
  const jobs = positiveInteger(values.jobs, '--jobs');
  const architectures = architectureList(values.arch);
  const json = values.json === true;
  let planned = false;
  const reporter = buildReporter(io, { terminalColumns: io.terminalColumns, color: colorWanted(process.env), quiet: values.quiet === true });
  const onEvent = (event: BuildEvent): void => {
    if (event.kind === 'plan') planned = true;
    if (event.kind === 'built' && !json) {
      // Off the terminal's progress lines first: stdout is often the same terminal.
      reporter.finish();
      io.stdout(`${event.result.path}\n`);
    }
    reporter.onEvent(event);
  };
  const { results, problems } = await buildAll(positionals, {
    ...(values.profile !== undefined ? { profiles: values.profile } : {}),
    defines: defines(values.define),
    ...maintainerOptions(values.maintainer, process.env),
    ...(values.out !== undefined ? { outDir: values.out } : {}),
    ...(values.revision !== undefined ? { revision: values.revision } : {}),
    ...(compression !== undefined ? { compression } : {}),
    ...(jobs !== undefined ? { jobs } : {}),
    ...(values.rosdistro !== undefined ? { rosdistro: values.rosdistro } : {}),
    ...(architectures !== undefined ? { architectures } : {}),
    exitOnSignal: true,
    onEvent,
  }).finally(reporter.finish);
  // An input error found before building leaves stdout empty; once packages were built, the JSON
  // lists those written even if another failed.
  if (json && planned) io.stdout(`${JSON.stringify(results, null, 2)}\n`);
  return problems.some((p) => p.severity === 'error') ? 1 : 0;
}
