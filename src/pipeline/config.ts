import path from 'node:path';
import { DebforgeError, ProblemList, UsageError, type Problem } from '../errors.js';
import { configDefaults, findProjectConfig, loadProjectConfig, type ProjectConfig } from '../config/index.js';
import { displayPath, readManifest } from '../load/index.js';
import { DEFAULT_PROFILE, findProfile, PROFILES, type Profile } from '../resolve/index.js';
import { judgeTargets } from '../resolve/targets.js';
import type { BuildOptions } from './options.js';

/**
 * The project config of a run over `dirs`: the one `explicit` names, none for `false`, else the
 * debforge.yaml found walking up from each daemon folder, which must be one and the same (one
 * run, one config: a daemon of another repository is built in a run of its own).
 */
export async function runConfig(dirs: readonly string[], explicit?: BuildOptions['config']): Promise<ProjectConfig | undefined> {
  if (explicit === false) return undefined;
  if (typeof explicit === 'object') return explicit;
  if (explicit !== undefined) return loadProjectConfig(explicit);
  let found: { file: string | undefined; dir: string } | undefined;
  for (const dir of dirs) {
    const file = await findProjectConfig(dir);
    if (found === undefined) found = { file, dir };
    else if (found.file !== file) {
      const name = (f: string | undefined): string => (f === undefined ? 'no project config' : path.relative(process.cwd(), f) || f);
      throw new DebforgeError({ file: dir, message: `belongs to ${name(file)}, but ${found.dir} to ${name(found.file)}: build daemons of different projects in separate runs`, severity: 'error' });
    }
  }
  return found?.file === undefined ? undefined : loadProjectConfig(found.file);
}

/**
 * `options` with the project config's settings wherever they leave one unset, and the config
 * itself: the one `options.config` is or names, else the one found walking up from `dir`.
 */
export async function configuredOptions(dir: string, options: BuildOptions): Promise<BuildOptions & { config: ProjectConfig | false }> {
  return withConfig(options, await runConfig([dir], options.config));
}

/** `options` with `config`'s settings wherever they leave one unset (the options win). */
export function withConfig<T extends BuildOptions>(options: T, config: ProjectConfig | undefined): T & { config: ProjectConfig | false } {
  if (config === undefined) return { ...options, config: false };
  const given: Partial<T> = {};
  for (const [key, value] of Object.entries(options)) if (value !== undefined) Object.assign(given, { [key]: value });
  return { ...options, ...configDefaults(config), ...given, config };
}

/** A profile by name: a built-in one or one of the config's custom-profiles; without a name, the config's first default profile, else DEFAULT_PROFILE. A Profile object is taken as it is. */
export function resolveProfile(option: Profile | string | undefined, config?: ProjectConfig): Profile {
  if (typeof option === 'object') return option;
  const custom = config?.customProfiles ?? [];
  const wanted = option ?? config?.profiles?.[0] ?? DEFAULT_PROFILE;
  const profile = findProfile(wanted) ?? custom.find((p) => p.name === wanted);
  if (!profile) throw new UsageError(`unknown profile "${wanted}": choose one of ${[...PROFILES, ...custom].map((p) => p.name).join(', ')}${config === undefined ? '' : ` (or define it under custom-profiles in ${config.file})`}`);
  return profile;
}

/** The profiles a daemon may name in a `<target>`: the built-in ones and the project config's own. */
export function knownProfiles(config: ProjectConfig | false | undefined): Profile[] {
  return [...PROFILES, ...(config ? config.customProfiles : [])];
}

/** The profiles of a run: those named (or given), else the config's default list, else the default profile. */
export function runProfiles(named: readonly (Profile | string)[] | undefined, config: ProjectConfig | undefined): Profile[] {
  const names = named !== undefined && named.length > 0 ? named : (config?.profiles ?? [undefined]);
  return names.map((name) => resolveProfile(name, config));
}

/** The notes of the daemons a run leaves out of a profile, by skippedKey: judged once per run. */
export type SkippedNotes = ReadonlyMap<string, Problem>;

export function skippedKey(dir: string, profile: Profile): string {
  return `${dir}\0${profile.name}`;
}

/**
 * The note for each daemon found inside a folder the run was given (not named itself) that does
 * not target a profile: it is left out of that profile's packages. Each package.xml is read once
 * (one whose package.xml has errors is built: its build reports them).
 */
export async function skippedNotes(dirs: readonly string[], profiles: readonly Profile[], options: BuildOptions): Promise<SkippedNotes> {
  const notes = new Map<string, Problem>();
  const known = knownProfiles(typeof options.config === 'object' ? options.config : undefined);
  for (const dir of dirs) {
    if (!options.folderDaemons?.includes(dir)) continue;
    const problems = new ProblemList();
    const manifest = await readManifest(dir, problems);
    if (manifest === undefined || problems.errors.length > 0) continue;
    for (const profile of profiles) {
      const verdict = judgeTargets(manifest, profile, known);
      if (!('applies' in verdict) || verdict.applies) continue;
      notes.set(skippedKey(dir, profile), { file: displayPath(dir, 'package.xml'), ...(verdict.line !== undefined ? { line: verdict.line } : {}), message: `${verdict.reason}: skipped`, severity: 'note' });
    }
  }
  return notes;
}
