import { ProblemList, formatProblem, type Problem } from '../errors.js';
import { daemonNames } from '../load/index.js';
import type { RenderedPackage } from '../render/index.js';
import type { Profile } from '../resolve/index.js';
import type { BuildOptions } from './options.js';
import { plannedArchitectures } from './plan.js';
import { resolveProfile, runConfig, skippedKey, skippedNotes, withConfig, type SkippedNotes } from './config.js';
import { stagePackage } from './stage.js';

/** Validates one daemon without writing; returns every problem (errors and warnings). */
export async function check(dir: string, options: BuildOptions = {}): Promise<Problem[]> {
  return checkSet([dir], options);
}

/**
 * Validates daemons together without writing: every problem of every stage of each, the
 * collisions between them, then the warnings about what builds but will hurt on a robot, judged
 * over the whole set (src/check).
 */
export async function checkSet(dirs: readonly string[], options: BuildOptions = {}): Promise<Problem[]> {
  const config = await runConfig(dirs, options.config);
  const configured = { ...withConfig(options, config), profile: resolveProfile(options.profile, config) };
  return (await stageSet(dirs, configured, await skippedNotes(dirs, [configured.profile], configured))).problems;
}

/** A package staged by the check (load, resolve, render), with the problems its stages found: what the build goes on from. */
export interface StagedPackage {
  rendered: RenderedPackage;
  problems: Problem[];
}

/** The key of a package of a run among the staged ones: its daemon folder, profile and `files-<arch>/` architecture. */
export function stagedKey(dir: string, profile: Profile, architecture: string | undefined): string {
  return `${dir}\0${profile.name}\0${architecture ?? ''}`;
}

async function stageSet(dirs: readonly string[], options: BuildOptions & { profile: Profile }, skippedNotes: SkippedNotes, byKey?: Map<string, StagedPackage>): Promise<{ problems: Problem[]; staged: RenderedPackage[] }> {
  const found: Problem[] = [];
  const staged: RenderedPackage[] = [];
  options = { ...options, runSiblings: options.runSiblings ?? (await daemonNames(dirs)) };
  let expected = 0;
  for (const dir of dirs) {
    const skipped = skippedNotes.get(skippedKey(dir, options.profile));
    if (skipped !== undefined) {
      found.push(skipped);
      continue;
    }
    const planned = await plannedArchitectures(dir, options.architectures);
    found.push(...planned.problems);
    for (const architecture of planned.architectures) {
      expected++;
      // One list per package: an error in one must not stop the next one's stages.
      const problems = new ProblemList();
      const one = await stagePackage(dir, { ...options, ...(architecture !== undefined ? { architecture } : {}) }, problems);
      found.push(...problems.items);
      if (!one) continue;
      staged.push(one);
      byKey?.set(stagedKey(dir, options.profile, architecture), { rendered: one, problems: problems.items });
    }
  }
  // Loaded here, not at start-up: only a run over a set needs the set-wide checks.
  const { checkPackages, findCollisions } = await import('../check/index.js');
  // A daemon with errors may ship or pull in other things once fixed: the set-wide warnings
  // would be guesses, so only the per-package ones are given then.
  const complete = staged.length === expected && !found.some((p) => p.severity === 'error');
  return { problems: [...found, ...findCollisions(staged), ...checkPackages(staged, { complete })], staged };
}

/**
 * Everything `check` finds for these daemons and profiles, each problem once: what `build`
 * verifies before it writes anything (a run with an error writes nothing) and the warnings it
 * prints. Includes the .deb files two profiles would both write. `skipped`: the daemons left out
 * of a profile, when the caller has judged them already (buildAll).
 */
export async function checkBuild(dirs: readonly string[], profiles: readonly Profile[], given: Omit<BuildOptions, 'profile'> = {}, skipped?: SkippedNotes): Promise<Problem[]> {
  return (await checkAndStage(dirs, profiles, given, skipped)).problems;
}

/** checkBuild, also giving every package it staged by stagedKey: buildAll builds them from there, without loading any folder again. */
export async function checkAndStage(
  dirs: readonly string[],
  profiles: readonly Profile[],
  given: Omit<BuildOptions, 'profile'> = {},
  skipped?: SkippedNotes,
): Promise<{ problems: Problem[]; staged: Map<string, StagedPackage> }> {
  const problems: Problem[] = [];
  const staged: RenderedPackage[] = [];
  const byKey = new Map<string, StagedPackage>();
  const options = withConfig(given, await runConfig(dirs, given.config));
  const notes = skipped ?? (await skippedNotes(dirs, profiles, options));
  for (const profile of profiles) {
    const result = await stageSet(dirs, { ...options, profile }, notes, byKey);
    problems.push(...result.problems);
    staged.push(...result.staged);
  }
  const { findCollisions } = await import('../check/index.js');
  // Within one profile the collisions were found above; across profiles only file names can clash.
  problems.push(...findCollisions(staged).filter((p) => p.message.startsWith('profiles ')));
  const seen = new Set<string>();
  const distinct = problems.filter((problem) => {
    const key = `${problem.severity}\0${formatProblem(problem)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return { problems: distinct, staged: byKey };
}
