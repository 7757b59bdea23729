import path from 'node:path';
import { promises as fs } from 'node:fs';
import { ProblemList, UsageError } from '../errors.js';
import { layoutPackage, type PackageLayout } from '../layout/index.js';
import { displayPath, loadDaemon } from '../load/index.js';
import { MAX_HEALTH_TIMEOUT } from '../load/debforge-options.js';
import type { HealthCheck } from '../load/types.js';
import { renderPackage, type RenderedPackage } from '../render/index.js';
import { resolvePackage } from '../resolve/index.js';
import { judgeTargets } from '../resolve/targets.js';
import { overrideProblem as maintainerOverrideProblem } from '../resolve/maintainer.js';
import { configuredOptions, knownProfiles, resolveProfile } from './config.js';
import { compressionProblem, defaultJobs, type BuildOptions } from './options.js';

/** A default health check given through the library is held to the same bounds as package.xml's. */
function validHealthCheck(check: HealthCheck): HealthCheck {
  const seconds = (value: number, min: number): boolean => Number.isInteger(value) && value >= min && value <= MAX_HEALTH_TIMEOUT;
  if (!seconds(check.timeout, 1) || !seconds(check.settle, 0) || check.settle > check.timeout) {
    throw new UsageError(`healthCheck {timeout: ${check.timeout}, settle: ${check.settle}} must be whole seconds, timeout 1 to ${MAX_HEALTH_TIMEOUT}, settle 0 to timeout`);
  }
  return check;
}

/**
 * The build date, in order: the option, SOURCE_DATE_EPOCH, the daemon folder's last git commit
 * (identical on every clone), the newest mtime in the folder.
 */
export async function sourceDateEpochFor(dir: string, explicit?: number): Promise<number> {
  if (explicit !== undefined) return explicit;
  const fromEnv = process.env['SOURCE_DATE_EPOCH'];
  if (fromEnv !== undefined && fromEnv !== '') {
    if (!/^[0-9]+$/.test(fromEnv)) throw new UsageError(`SOURCE_DATE_EPOCH="${fromEnv}" must be a whole number of seconds`);
    return Number(fromEnv);
  }
  try {
    // Asynchronous, and child_process loaded only here: preparePackage runs git while the folder loads.
    const { execFile } = await import('node:child_process');
    const out = (
      await new Promise<string>((resolve, reject) => {
        execFile('git', ['log', '-1', '--format=%ct', '--', '.'], { cwd: dir, encoding: 'utf8' }, (error, stdout) => (error ? reject(error) : resolve(stdout)));
      })
    ).trim();
    if (/^[0-9]+$/.test(out)) return Number(out);
  } catch {
    // Not a git checkout, or git missing: fall back to the files themselves.
  }
  let newest = 0;
  const walk = async (folder: string): Promise<void> => {
    for (const entry of await fs.readdir(folder, { withFileTypes: true })) {
      const full = path.join(folder, entry.name);
      const stat = await fs.lstat(full);
      newest = Math.max(newest, Math.floor(stat.mtimeMs / 1000));
      if (entry.isDirectory()) await walk(full);
    }
  };
  await walk(dir);
  return newest;
}

interface PreparedPackage {
  rendered: RenderedPackage;
  layout: PackageLayout;
}

/**
 * load -> resolve -> render, going as far as the input allows: a manifest error does not hide a
 * unit's. Every problem of every stage is collected; the rendered package comes back even when
 * some were errors (for `check`), undefined only when a stage could not run at all.
 */
export async function stagePackage(dir: string, given: BuildOptions, problems: ProblemList): Promise<RenderedPackage | undefined> {
  const options = await configuredOptions(dir, given);
  const config = options.config === false ? undefined : options.config;
  const profile = resolveProfile(options.profile, config);
  const refusal = compressionProblem(options.compression, profile);
  if (refusal !== undefined) problems.items.push(refusal);
  const overrideProblem = options.maintainer === undefined ? undefined : maintainerOverrideProblem(options.maintainer);
  if (overrideProblem !== undefined) throw new UsageError(`--maintainer ${overrideProblem}`);
  // The build date may come from a `git log` subprocess: start it now so it runs while the folder
  // loads. A rejection is never left unhandled.
  const epoch = sourceDateEpochFor(dir, options.sourceDateEpoch);
  epoch.catch(() => undefined);
  const source = await loadDaemon(dir, problems);
  if (!source) return undefined;
  // A daemon named for a profile it does not target is an error (found in a folder, it is skipped).
  // Its other problems on that profile would be noise: it is not meant to build there.
  const verdict = judgeTargets(source.manifest, profile, knownProfiles(config));
  if ('error' in verdict || !verdict.applies) {
    epoch.catch(() => undefined);
    problems.error(displayPath(dir, 'package.xml'), 'error' in verdict ? verdict.error : `${verdict.reason}; build it for a profile it targets, or add ${profile.name} to its <target>`, verdict.line);
    return undefined;
  }
  // A folder with load errors (say, a file name that is not UTF-8) may also defeat the date's
  // walk over it: those errors are what to report, and its later stages need only some date.
  const sourceDateEpoch = await epoch.catch((error: unknown) => {
    if (problems.errors.length > 0) return 0;
    throw error;
  });
  const spec = await resolvePackage(
    source,
    {
      profile,
      ...(options.revision !== undefined ? { revision: options.revision } : {}),
      ...(options.defines ? { defines: options.defines } : {}),
      ...(options.rosdistro !== undefined ? { rosdistro: options.rosdistro } : {}),
      ...(options.runSiblings ? { runSiblings: options.runSiblings } : {}),
      ...(options.maintainer !== undefined ? { maintainer: options.maintainer } : {}),
      ...(options.environmentMaintainer ? { environmentMaintainer: options.environmentMaintainer } : {}),
      ...(options.healthCheck ? { healthCheck: validHealthCheck(options.healthCheck) } : {}),
      ...(options.architecture !== undefined ? { architecture: options.architecture } : {}),
      ...(config?.rosdep ? { rosdepFiles: config.rosdep } : {}),
      sourceDateEpoch,
      partial: true,
    },
    problems,
  );
  if (!spec) return undefined;
  return renderPackage(spec, problems, { partial: true });
}

/**
 * load -> resolve -> render -> layout, collecting every problem. Used by `build`; returns
 * undefined (with problems filled in) when the input has errors.
 */
export async function preparePackage(dir: string, options: BuildOptions, problems: ProblemList): Promise<PreparedPackage | undefined> {
  const rendered = await stagePackage(dir, options, problems);
  if (!rendered || problems.errors.length > 0) return undefined;
  return { rendered, layout: await layoutPackage(rendered, { jobs: options.jobs ?? defaultJobs() }) };
}
