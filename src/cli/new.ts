import path from 'node:path';
import { resolveProfile, runConfig } from '../pipeline/config.js';
import { UsageError } from '../errors.js';
import { DAEMON_KINDS, isDaemonKind, newDaemon } from '../new/index.js';
import { parse } from './args.js';
import { NEW_HELP } from './help.js';
import type { Io } from './io.js';

/** `debforge new <name> [--kind ros|user|plain] [--profile NAME] [--dir DIR] [--quiet]`: prints the folder written on stdout. */
export async function newCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, { kind: { type: 'string' }, dir: { type: 'string' }, profile: { type: 'string' }, quiet: { type: 'boolean', short: 'q' } }, 'new');
  if (values.help) {
    io.stdout(NEW_HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('new takes exactly one daemon name (see `debforge new --help`)');
  const kind = values.kind ?? 'ros';
  if (!isDaemonKind(kind)) throw new UsageError(`--kind "${kind}" must be ${DAEMON_KINDS.join(', ')}`);
  // The project config found above the new folder names the default profile and custom ones.
  const profile = resolveProfile(values.profile, await runConfig([path.join(values.dir ?? 'daemons', positionals[0]!)]));
  const created = await newDaemon(positionals[0]!, { kind, profile, ...(values.dir !== undefined ? { dir: values.dir } : {}) });
  if (values.quiet !== true) {
    const flavour = kind === 'ros' ? `, ROS ${profile.ros?.version ?? ''} for ${profile.name}` : '';
    io.stderr(`debforge: created ${created.path} (${kind}${flavour}): ${created.files.join(', ')}\n`);
    io.stderr(`debforge: next: edit the files (their comments explain the contract), then \`debforge check ${created.path}\` and \`debforge build ${created.path}\`\n`);
  }
  io.stdout(`${created.path}\n`);
  return 0;
}
