import type { Problem } from '../errors.js';
import { debFileName } from '../layout/index.js';
import { displayPath } from '../load/index.js';
import type { RenderedPackage } from '../render/index.js';

/**
 * What one build run must refuse before it writes anything: two daemon folders giving one
 * package, two builds writing one .deb file (which the second would silently replace), and two
 * packages of one profile installing the same path (dpkg refuses to unpack the second:
 * "trying to overwrite '...', which is also in package ...").
 */
export function findCollisions(packages: readonly RenderedPackage[]): Problem[] {
  const problems: Problem[] = [];
  const manifestOf = (rendered: RenderedPackage): string => displayPath(rendered.spec.source.dir, 'package.xml');

  const files = new Map<string, RenderedPackage>();
  const names = new Map<string, RenderedPackage>();
  /** The packages kept for the path check: each one once. */
  const kept: RenderedPackage[] = [];
  for (const rendered of packages) {
    const { spec } = rendered;
    // Packages of one name from one folder are its architectures (files-amd64/, files-arm64/).
    const nameKey = `${spec.profile.name}\0${spec.package}`;
    const sameName = names.get(nameKey);
    if (sameName && sameName.spec.source.dir !== spec.source.dir) {
      problems.push({
        file: manifestOf(rendered),
        line: spec.source.manifest.nameLine,
        message: `<name> ${spec.source.manifest.name} gives package ${spec.package} (${spec.profile.name}), as ${manifestOf(sameName)} does: one run would build one package twice; give each daemon its own <name>`,
        severity: 'error',
      });
      continue;
    }
    if (!sameName) names.set(nameKey, rendered);
    const fileName = debFileName(spec);
    const sameFile = files.get(fileName);
    if (sameFile) {
      const same = sameFile.spec.source.dir === spec.source.dir;
      // The same folder given twice for one profile is one package, built once.
      if (same && sameFile.spec.profile.name === spec.profile.name) continue;
      problems.push({
        file: manifestOf(rendered),
        message: `profiles ${sameFile.spec.profile.name} and ${spec.profile.name} both build ${fileName}${same ? '' : ` (also from ${sameFile.spec.source.dir})`}, with different contents: build them into different --out folders, one run each`,
        severity: 'error',
      });
      continue;
    }
    files.set(fileName, rendered);
    kept.push(rendered);
  }

  // Paths, per profile and machine: packages of different profiles, or of different
  // architectures, are never installed together; an `all` package is installed with any of them.
  const machines = new Map<string, Set<string>>();
  for (const { spec } of packages) {
    const set = machines.get(spec.profile.name) ?? new Set<string>();
    if (spec.architecture !== 'all') set.add(spec.architecture);
    machines.set(spec.profile.name, set);
  }
  const owners = new Map<string, { rendered: RenderedPackage; source: string }>();
  const reported = new Set<string>();
  for (const rendered of kept) {
    const { spec } = rendered;
    const profileMachines = [...(machines.get(spec.profile.name) ?? [])];
    const onMachines = spec.architecture !== 'all' ? [spec.architecture] : profileMachines.length > 0 ? profileMachines : ['all'];
    for (const { path, source } of installedFiles(rendered)) {
      for (const machine of onMachines) {
        const key = `${spec.profile.name}\0${machine}\0${path}`;
        const owner = owners.get(key);
        if (!owner) {
          owners.set(key, { rendered, source });
          continue;
        }
        if (owner.rendered === rendered) continue;
        const message = `installs ${path}, which package ${owner.rendered.spec.package} (${owner.source}) installs too: dpkg refuses to unpack two packages with one file; ship it in one of them and have the other depend on it`;
        if (reported.has(`${source}\0${message}`)) continue;
        reported.add(`${source}\0${message}`);
        problems.push({ file: source, message, severity: 'error' });
      }
    }
  }
  return problems;
}

/** Every non-directory path a package installs, with the file it comes from (for messages). */
function installedFiles(rendered: RenderedPackage): { path: string; source: string }[] {
  const { spec } = rendered;
  const manifest = displayPath(spec.source.dir, 'package.xml');
  const found = new Map<string, string>();
  for (const entry of spec.payload) if (entry.kind !== 'directory') found.set(entry.target, displayPath(spec.source.dir, entry.file));
  for (const unit of spec.units) found.set(unit.installPath, displayPath(spec.source.dir, unit.source.file));
  for (const file of rendered.files) if (!found.has(file.path)) found.set(file.path, manifest);
  return [...found].map(([path, source]) => ({ path, source }));
}
