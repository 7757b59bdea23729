import { UsageError } from '../errors.js';
import { DEFAULT_COMPONENT, publishRepository } from '../repo/index.js';
import { parse, positiveInteger } from './args.js';
import { REPO_HELP } from './help.js';
import type { Io } from './io.js';

/** `debforge repo <deb-or-dir>... --out DIR [--suite S] [--component C] [--sign-key ID]` */
export async function repoCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      out: { type: 'string' },
      suite: { type: 'string' },
      component: { type: 'string' },
      'sign-key': { type: 'string' },
      arch: { type: 'string', multiple: true },
      origin: { type: 'string' },
      label: { type: 'string' },
      'lock-wait': { type: 'string' },
      json: { type: 'boolean' },
    },
    'repo',
  );
  if (values.help) {
    io.stdout(REPO_HELP);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError('repo needs .deb files or folders holding them (see `debforge repo --help`)');
  if (values.out === undefined || values.out === '') throw new UsageError('repo needs --out DIR, the repository folder to create or update (see `debforge repo --help`)');
  const signKey = values['sign-key'];
  if (signKey === '') throw new UsageError('--sign-key is empty: give a key ID, a fingerprint or a key file');
  const lockWaitSeconds = positiveInteger(values['lock-wait'], '--lock-wait');
  const result = await publishRepository(positionals, {
    outDir: values.out,
    component: values.component ?? DEFAULT_COMPONENT,
    ...(values.suite !== undefined ? { suite: values.suite } : {}),
    ...(signKey !== undefined ? { signKey } : {}),
    ...(values.arch !== undefined ? { architectures: values.arch.flatMap((a) => a.split(',')).filter((a) => a !== '') } : {}),
    ...(values.origin !== undefined ? { origin: values.origin } : {}),
    ...(values.label !== undefined ? { label: values.label } : {}),
    ...(lockWaitSeconds !== undefined ? { lockWaitSeconds } : {}),
    log: (line) => io.stderr(`debforge: ${line}\n`),
  });
  if (values.json) io.stdout(`${JSON.stringify(result, null, 2)}\n`);
  else for (const suite of result.suites) io.stdout(`${suite.release}\n`);
  return 0;
}
