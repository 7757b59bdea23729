/** `check --tag`: a release tag must name the version every daemon's package.xml declares. */
import semver from 'semver';
import { ProblemList, UsageError, type Problem } from '../errors.js';
import { displayPath, readManifest } from '../load/index.js';

/** `v1.2.0`, `1.2.0` (or `=1.2.0`, as semver cleans it) -> `1.2.0`; anything else is a usage error. */
function tagVersion(tag: string): string {
  const version = semver.clean(tag);
  if (version === null) throw new UsageError(`--tag "${tag}" is not a version tag: use v1.2.0 or 1.2.0`);
  return version;
}

/**
 * One error per daemon whose package.xml version differs from the tag, naming the daemon folder,
 * its version and the tag. Daemons that cannot be loaded are left to the rest of `check`.
 */
export async function checkTag(daemons: readonly string[], tag: string): Promise<Problem[]> {
  const wanted = tagVersion(tag);
  const problems: Problem[] = [];
  for (const dir of daemons) {
    // Only package.xml: the rest of the folder is check's to read.
    const manifest = await readManifest(dir, new ProblemList());
    if (!manifest) continue;
    const { version, versionLine } = manifest;
    if (version !== wanted) {
      problems.push({
        file: displayPath(dir, 'package.xml'),
        line: versionLine,
        message: `daemon ${dir} has version ${version}, but the release tag ${tag} says ${wanted}: bump <version> or tag v${version}`,
        severity: 'error',
      });
    }
  }
  return problems;
}
