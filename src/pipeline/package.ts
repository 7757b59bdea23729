import { DebforgeError, ProblemList } from '../errors.js';
import { writeDeb } from '../write/index.js';
import { compressionFor, defaultJobs, DEFAULT_OUT_DIR, type BuildOptions, type BuildResult } from './options.js';
import { plannedArchitectures } from './plan.js';
import { configuredOptions, resolveProfile } from './config.js';
import { preparePackage } from './stage.js';

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
  const prepared = await preparePackage(dir, options, problems);
  if (!prepared) throw new DebforgeError(problems.errors.length > 0 ? problems.errors : [{ file: dir, message: 'cannot be built', severity: 'error' }]);
  const { layout, rendered } = prepared;
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
    warnings: problems.items.filter((p) => p.severity !== 'error'),
  };
}
