import { DebforgeError, ProblemList, type Problem } from '../errors.js';
import { layoutPackage } from '../layout/index.js';
import type { RenderedPackage } from '../render/index.js';
import { writeDeb } from '../write/index.js';
import { compressionFor, defaultJobs, DEFAULT_OUT_DIR, type BuildOptions, type BuildResult } from './options.js';
import { plannedArchitectures } from './plan.js';
import { configuredOptions, resolveProfile } from './config.js';
import { stagePackage } from './stage.js';

/** Builds one daemon folder into `<outDir>/<package>_<version>_<arch>.deb`. */
export async function build(dir: string, given: BuildOptions = {}): Promise<BuildResult> {
  const configured = await configuredOptions(dir, given);
  let options: BuildOptions = { ...configured, profile: resolveProfile(configured.profile, configured.config || undefined) };
  if (options.architecture === undefined && options.architectures !== undefined) {
    // One architecture of the subset: the caller asked for exactly that package.
    const planned = await plannedArchitectures(dir, options.architectures);
    if (planned.problems.length > 0) throw new DebforgeError(planned.problems);
    if (planned.architectures.length === 1 && planned.architectures[0] !== undefined) options = { ...options, architecture: planned.architectures[0] };
  }
  const problems = new ProblemList();
  const rendered = await stagePackage(dir, options, problems);
  if (!rendered || problems.errors.length > 0) throw new DebforgeError(problems.errors.length > 0 ? problems.errors : [{ file: dir, message: 'cannot be built', severity: 'error' }]);
  return buildStaged(rendered, options, problems.items);
}

/**
 * Lays out and writes a package its stages have rendered (`build`, or buildAll from what its
 * check staged); `problems` are those its stages found, none of them an error.
 */
export async function buildStaged(rendered: RenderedPackage, options: BuildOptions, problems: readonly Problem[]): Promise<BuildResult> {
  const layout = await layoutPackage(rendered, { jobs: options.jobs ?? defaultJobs() });
  const written = await writeDeb(layout, {
    outDir: options.outDir ?? DEFAULT_OUT_DIR,
    compression: compressionFor(options.compression, rendered.spec.profile),
    jobs: options.jobs ?? defaultJobs(),
    mtime: rendered.spec.sourceDateEpoch,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  return {
    path: written.path,
    package: layout.package,
    version: layout.version,
    architecture: layout.architecture,
    profile: rendered.spec.profile.name,
    size: written.size,
    sha256: written.sha256,
    warnings: problems.filter((p) => p.severity !== 'error'),
  };
}
