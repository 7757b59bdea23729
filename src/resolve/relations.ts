import path from 'node:path';
import { DEBIAN_RELATION } from '../debian/relations.js';
import { printable, type ProblemList } from '../errors.js';
import { displayPath } from '../load/index.js';
import type { DaemonSource, Dependency, RelationField } from '../load/types.js';
import { ConditionError, conditionVariables, evaluateCondition } from './condition.js';
import { isRuntime, mapKey, relationTerms, type KeySources } from './depends.js';
import { machineRosdep } from './machine-rosdep.js';
import type { Profile } from './profiles.js';
import { loadRosdepFile, rosdepTable, type RosdepTable } from './rosdep.js';
import { endOfLifeNote, rosdistroData } from './status.js';
import { debianPackageName } from './variables.js';

/**
 * The package's relation fields: package.xml's dependency keys mapped to Debian packages (by the
 * folder's rosdep file, its siblings, the ROS distribution and the machine's rosdep data), and the
 * relations <export><debforge> gives as they are.
 */
export async function resolveRelations(
  source: DaemonSource,
  variables: ReadonlyMap<string, string>,
  profile: Profile,
  options: { runSiblings?: readonly string[]; rosdistro?: string; rosdepFiles?: readonly { path: string; display: string }[] },
  problems: ProblemList,
): Promise<Partial<Record<RelationField, string[]>>> {
  const rosdep = folderRosdep(source, profile, problems);
  // The project config's rosdep files come right after the folder's own, which wins over them.
  // They are not the daemon folder's, so they are read here, as the machine's rosdep files are
  // (machine-rosdep.ts), and rosdistro's data (rosdistro.ts).
  const project = await loadProjectRosdep(options.rosdepFiles ?? [], profile, problems);
  const rosdistro = await rosdistroData(options.rosdistro);
  const endOfLife = endOfLifeNote(profile, rosdistro);
  if (endOfLife !== undefined) problems.note(endOfLife.file, endOfLife.message);
  const keySources: KeySources = {
    profile,
    local: new Map([...project, ...(rosdep ?? [])]),
    siblings: [...new Set([...source.siblings, ...(options.runSiblings ?? [])])],
    rosdistro,
    machine: await machineRosdep(profile, problems),
  };
  return relationsOf(source, variables, keySources, problems);
}

/** The folder's own rosdep rules (read by load) that apply to `profile`. */
function folderRosdep(source: DaemonSource, profile: Profile, problems: ProblemList): RosdepTable | undefined {
  const loaded = source.rosdep;
  if (loaded === undefined) return undefined;
  return problems.capture(() => rosdepTable(loaded.rules, displayPath(source.dir, loaded.file), profile));
}

/** The project config's rosdep files as one table, an earlier file's key winning over a later one's. */
async function loadProjectRosdep(files: readonly { path: string; display: string }[], profile: Profile, problems: ProblemList): Promise<RosdepTable> {
  const table: RosdepTable = new Map();
  for (const file of [...files].reverse()) {
    try {
      for (const [key, rule] of await loadRosdepFile(file.path, file.display, profile)) table.set(key, rule);
    } catch (error) {
      problems.capture(() => {
        throw error;
      });
    }
  }
  return table;
}

function relationsOf(
  source: DaemonSource,
  variables: ReadonlyMap<string, string>,
  keys: KeySources,
  problems: ProblemList,
): Partial<Record<RelationField, string[]>> {
  const { profile } = keys;
  const manifestFile = displayPath(source.dir, 'package.xml');
  const relations: Partial<Record<RelationField, string[]>> = {};
  const add = (field: RelationField, terms: string[]): void => {
    const list = (relations[field] ??= []);
    for (const term of terms) if (!list.includes(term)) list.push(term);
  };
  const conditionValues = new Map([...conditionVariables(profile), ...variables]);
  const applies = (dependency: Dependency): boolean => {
    if (dependency.condition === undefined) return true;
    try {
      return evaluateCondition(dependency.condition, conditionValues);
    } catch (error) {
      if (error instanceof ConditionError) {
        problems.error(manifestFile, error.message, dependency.line);
        return false;
      }
      throw error;
    }
  };
  for (const dependency of source.manifest.dependencies) {
    if (!applies(dependency)) continue;
    const field: RelationField | undefined = isRuntime(dependency)
      ? 'depends'
      : dependency.kind === 'conflict'
        ? 'conflicts'
        : dependency.kind === 'replace'
          ? 'replaces'
          : undefined;
    if (!field) continue;
    let mapped = mapKey(dependency.key, keys);
    // Conflicts and Replaces usually name a package the team shipped before (a rename): one no
    // archive has is still named as this profile names packages, and costs nothing if absent.
    if (!mapped.ok && field !== 'depends') mapped = { ok: true, packages: [debianPackageName(dependency.key, profile)] };
    if (!mapped.ok) {
      problems.error(manifestFile, mapped.reason, dependency.line);
      continue;
    }
    const terms = mapped.packages.flatMap((name) => relationTerms(name, dependency.constraints));
    // Checked again where it reaches the control file: a term that is not one relation would add others.
    const invalid = terms.find((term) => !DEBIAN_RELATION.test(term));
    if (invalid !== undefined) {
      problems.error(manifestFile, `<${dependency.kind}> "${printable(dependency.key)}" gives "${printable(invalid)}", which is not a Debian relation: map the key to Debian package names in rosdep.yaml`, dependency.line);
      continue;
    }
    add(field, terms);
  }
  for (const [field, values] of Object.entries(source.manifest.debforge.relations) as [RelationField, string[]][]) {
    for (const raw of values) {
      // One control-file line: line breaks inside the element are only spacing.
      const value = raw.replace(/\s+/g, ' ');
      // Checked at load with the element's line; checked again here, where it reaches the control file.
      if (!DEBIAN_RELATION.test(value.trim())) {
        problems.error(manifestFile, `<${field}> "${printable(value)}" is not a Debian relation (name, optionally "(>= version)", alternatives with |)`, source.manifest.debforge.line);
        continue;
      }
      add(field, [value.trim()]);
    }
  }
  if (source.units.some((u) => u.scope === 'user')) add('depends', ['init-system-helpers (>= 1.52)']);
  // catkin_install_python's programs run with the target's python3, as dh_python3 would declare.
  const python = source.payload.find((p) => p.pythonShebang !== undefined)?.pythonShebang;
  if (python !== undefined && !(relations.depends ?? []).some((term) => /^python3(\s|$|:)/.test(term))) add('depends', [path.posix.basename(python)]);
  return relations;
}
