/** `repo`: plans a publish from the .deb files given and the repository as it is, then stages and commits it. */
import path from 'node:path';
import { DebforgeError, printable, type Problem } from '../errors.js';
import { exists } from '../fs-exists.js';
import { makeDirectory } from '../make-directory.js';
import type { DebInfo } from './deb.js';
import { compareEntries, entryKey, packagesStanza, readEntries, stageIndexes, type Entry } from './indexes.js';
import { readIfExists, sha256 } from './io.js';
import { lockRepository } from './lock.js';
import { collectDebs, poolPath, readDebs } from './pool.js';
import { parseRelease, stageRelease, type ReleaseInfo, type StagedSuite } from './release.js';
import { openSigner, type Signer } from './sign.js';
import { Phase, Staging } from './staging.js';
import { DEFAULT_COMPONENT, DEFAULT_LOCK_WAIT_SECONDS, KEYRING_NAME, type RepoOptions, type RepoPackage, type RepoResult } from './types.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;
const ARCHITECTURE = /^[a-z0-9][a-z0-9-]*$/;
/** A one-line Release value: printable, no leading or trailing space (deb822 would drop it), at most 200 characters. */
const RELEASE_TEXT = /^[^\s\u0000-\u001f\u007f-\u009f\u2028\u2029](?:[^\u0000-\u001f\u007f-\u009f\u2028\u2029]{0,198}[^\s\u0000-\u001f\u007f-\u009f\u2028\u2029])?$/;

interface SuitePlan {
  suite: string;
  dir: string;
  release?: ReleaseInfo;
  existing: Map<string, Entry>;
  incoming: Map<string, Entry>;
}

/** Creates or updates the repository; throws a DebforgeError (and writes nothing) if any input is refused. */
export async function publishRepository(inputs: readonly string[], options: RepoOptions): Promise<RepoResult> {
  const outDir = path.resolve(options.outDir);
  const component = options.component ?? DEFAULT_COMPONENT;
  const log = options.log ?? ((): void => undefined);
  const env = options.env ?? process.env;
  const usage = (what: string, message: string): DebforgeError => new DebforgeError({ file: what, message, severity: 'error' });
  if (!NAME.test(component)) throw usage(`--component ${printable(component)}`, 'must be a name of letters, digits, ".", "_", "+" and "-"');
  if (options.suite !== undefined && !NAME.test(options.suite)) throw usage(`--suite ${printable(options.suite)}`, 'must be a name of letters, digits, ".", "_", "+" and "-"');
  for (const arch of options.architectures ?? []) {
    if (!ARCHITECTURE.test(arch) || arch === 'all') throw usage(`--arch ${printable(arch)}`, 'must be a Debian architecture such as amd64 or arm64');
  }
  for (const [option, value] of [['--origin', options.origin], ['--label', options.label]] as const) {
    if (value !== undefined && !RELEASE_TEXT.test(value)) {
      throw usage(`${option} ${printable(value)}`, 'must be one line of 1 to 200 printable characters, without control characters or surrounding spaces (it goes into Release)');
    }
  }

  const files = await collectDebs(inputs, outDir);
  const debs = await readDebs(files);

  // A new repository folder is only created for input that would be accepted.
  if (!(await exists(outDir))) refuseProblems(await planPublish(debs, outDir, component, options));
  try {
    await makeDirectory(outDir);
  } catch (error) {
    throw new DebforgeError({ file: outDir, message: `cannot create the repository folder (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): give --out a folder that can be written`, severity: 'error' });
  }
  const lock = await lockRepository(outDir, options.lockWaitSeconds ?? DEFAULT_LOCK_WAIT_SECONDS, log);
  let signer: Signer | undefined;
  try {
    // Under the lock, the repository cannot change until this run is done: plan from what is there now.
    const plan = await planPublish(debs, outDir, component, options);
    refuseProblems(plan);
    if (options.signKey !== undefined) signer = await openSigner(options.signKey, env);
    else log(`warning: no --sign-key: ${outDir} is unsigned, and apt refuses unsigned repositories unless a robot marks it [trusted=yes]`);
    const staging = await Staging.open(outDir);
    try {
      const added: string[] = [];
      for (const [filename, deb] of plan.byPoolPath) {
        const target = path.join(outDir, filename);
        if (await exists(target)) continue;
        await staging.copy(deb.file, target, Phase.Pool);
        added.push(filename);
      }
      const suites: StagedSuite[] = [];
      for (const suitePlan of [...plan.plans.values()].sort((a, b) => (a.suite < b.suite ? -1 : 1))) {
        suites.push(await stageSuite(suitePlan, component, signer, options, staging));
      }
      if (signer !== undefined) {
        const key = await signer.exportPublicKey();
        const binaryPath = path.join(outDir, `${KEYRING_NAME}.gpg`);
        if (!(await readIfExists(binaryPath))?.equals(key.binary)) {
          await staging.write(binaryPath, key.binary, Phase.Keyring);
          await staging.write(path.join(outDir, `${KEYRING_NAME}.asc`), key.armored, Phase.Keyring);
        }
      }
      lock.assertHeld();
      await staging.commit();
      for (const filename of added) log(`added ${filename}`);
      for (const suite of suites) {
        await suite.pruneByHash();
        log(suite.summary);
      }
      return { packages: plan.results, suites: suites.map((suite) => suite.result) };
    } catch (error) {
      await staging.discard();
      throw error;
    }
  } finally {
    await signer?.close();
    await lock.release();
  }
}

interface PublishPlan {
  plans: Map<string, SuitePlan>;
  /** Every pool file of this run, with the .deb it comes from. */
  byPoolPath: Map<string, DebInfo>;
  results: RepoPackage[];
  problems: Problem[];
}

function refuseProblems(plan: PublishPlan): void {
  if (plan.problems.length > 0) throw new DebforgeError(plan.problems);
}

/** What a publish would change, and every reason to refuse it; reads the repository, writes nothing. */
async function planPublish(debs: readonly DebInfo[], outDir: string, component: string, options: RepoOptions): Promise<PublishPlan> {
  const problems: Problem[] = [];
  const plans = new Map<string, SuitePlan>();
  const byPoolPath = new Map<string, DebInfo>();
  const results: RepoPackage[] = [];
  for (const deb of debs) {
    const suite = options.suite ?? deb.distribution;
    if (suite === undefined || !NAME.test(suite)) {
      problems.push({ file: deb.file, message: `cannot tell which suite ${deb.package} belongs in (no distribution in its changelog): give --suite`, severity: 'error' });
      continue;
    }
    let plan = plans.get(suite);
    if (plan === undefined) {
      const dir = path.join(outDir, 'dists', suite);
      const releaseText = await readIfExists(path.join(dir, 'Release'));
      plan = { suite, dir, existing: await readEntries(path.join(dir, component)), incoming: new Map() };
      if (releaseText !== undefined) plan.release = parseRelease(path.join(dir, 'Release'), releaseText.toString('utf8'));
      plans.set(suite, plan);
    }
    const filename = poolPath(component, deb);
    const key = entryKey(deb.package, deb.version, deb.architecture);
    const refuse = (why: string): void => {
      problems.push({ file: deb.file, message: `${deb.package} ${deb.version} (${deb.architecture}) ${why}; a published package is immutable: publish a new version (for example with build --revision)`, severity: 'error' });
    };
    const twin = byPoolPath.get(filename);
    if (twin !== undefined && twin.sha256 !== deb.sha256) {
      refuse(`is given twice with different contents (${twin.file})`);
      continue;
    }
    byPoolPath.set(filename, deb);
    const published = plan.existing.get(key);
    if (published !== undefined && (published.sha256 !== deb.sha256 || published.filename !== filename)) {
      refuse(`is already in ${suite} as a different file (${published.filename}, sha256 ${published.sha256})`);
      continue;
    }
    // A pool file no index names (another suite's, or left by an interrupted publish) is checked too.
    const onDisk = published === undefined ? await readIfExists(path.join(outDir, filename)) : undefined;
    if (onDisk !== undefined && sha256(onDisk) !== deb.sha256) {
      refuse(`is already published as ${filename} with different contents`);
      continue;
    }
    const added = published === undefined;
    if (!plan.incoming.has(key)) {
      plan.incoming.set(key, { key, package: deb.package, version: deb.version, architecture: deb.architecture, filename, sha256: deb.sha256, stanza: packagesStanza(deb, filename) });
      results.push({ package: deb.package, version: deb.version, architecture: deb.architecture, suite, filename, sha256: deb.sha256, added });
    }
  }
  for (const plan of plans.values()) {
    const origin = options.origin;
    const label = options.label;
    if (plan.release?.origin !== undefined && origin !== undefined && origin !== plan.release.origin) {
      problems.push({ file: `--origin ${origin}`, message: `${plan.suite} already has Origin "${plan.release.origin}": apt on robots refuses a repository whose Origin changes`, severity: 'error' });
    }
    if (plan.release?.label !== undefined && label !== undefined && label !== plan.release.label) {
      problems.push({ file: `--label ${label}`, message: `${plan.suite} already has Label "${plan.release.label}": apt on robots refuses a repository whose Label changes`, severity: 'error' });
    }
  }
  return { plans, byPoolPath, results, problems };
}

/** Stages a suite's changed indexes and its new Release files (signed); nothing in the repository is touched. */
async function stageSuite(plan: SuitePlan, component: string, signer: Signer | undefined, options: RepoOptions, staging: Staging): Promise<StagedSuite> {
  const entries = new Map(plan.existing);
  for (const [key, entry] of plan.incoming) entries.set(key, entry);
  const sorted = [...entries.values()].sort(compareEntries);

  const architectures = new Set<string>([...(plan.release?.architectures ?? []), ...(options.architectures ?? [])]);
  for (const entry of sorted) architectures.add(entry.architecture);
  // `all` first, as Debian's Release files have it; then the real architectures.
  const archList = [...architectures].sort((a, b) => (a === 'all' ? -1 : b === 'all' ? 1 : a < b ? -1 : a > b ? 1 : 0));

  const indexes = await stageIndexes(plan.dir, component, sorted, archList, staging);
  return stageRelease(
    {
      suite: plan.suite,
      dir: plan.dir,
      ...(plan.release !== undefined ? { previous: plan.release } : {}),
      archList,
      packages: sorted.length,
      fresh: indexes.fresh,
      indexesChanged: indexes.changed,
      signer,
      ...(options.origin !== undefined ? { origin: options.origin } : {}),
      ...(options.label !== undefined ? { label: options.label } : {}),
      ...(options.now !== undefined ? { now: options.now } : {}),
    },
    staging,
  );
}
