import { forEachLimit } from '../concurrency.js';
import { DebforgeError, formatProblem, type Problem } from '../errors.js';
import { daemonNames } from '../load/index.js';
import { makeDirectory, removeCreated, removeCreatedSync } from '../make-directory.js';
import type { ProjectConfig } from '../config/index.js';
import type { Profile } from '../resolve/index.js';
import { removeTemporariesSync } from '../write/temporary.js';
import { checkAndStage, stagedKey } from './check.js';
import { defaultJobs, DEFAULT_OUT_DIR, type BuildOptions, type BuildResult } from './options.js';
import { buildStaged } from './package.js';
import { expandDaemonPaths, plannedArchitectures } from './plan.js';
import { runConfig, runProfiles, skippedKey, skippedNotes, withConfig } from './config.js';

/** What buildAll is asked for: BuildOptions for every package, with a jobs budget and profiles for the whole run. */
export interface BuildAllOptions extends Omit<BuildOptions, 'profile' | 'architecture' | 'jobs' | 'onProgress'> {
  /**
   * One package per daemon, profile and architecture: profiles, or names of built-in profiles and
   * of the project config's custom-profiles (default: the config's profiles, else the default profile).
   */
  profiles?: readonly (Profile | string)[];
  /**
   * Compression threads for the whole run (default: defaultJobs()), never per package: up to that
   * many packages are built at once and share it.
   */
  jobs?: number;
  /** Told what happens as it happens (see BuildEvent). */
  onEvent?: (event: BuildEvent) => void;
  /**
   * For a command-line program: SIGINT, SIGTERM or SIGHUP during the run removes its temporary
   * files (and the output folder it created, if still empty) at once, then the process dies of the
   * signal, as a well-behaved Unix program does. Otherwise abort through `signal`.
   */
  exitOnSignal?: boolean;
}

/** One package of the run: its daemon folder, profile and `files-<arch>/` architecture (if any). */
export interface BuildTask {
  dir: string;
  profile: Profile;
  architecture: string | undefined;
}

/**
 * What buildAll reports while it runs. `problem`: each distinct problem once, as found (every
 * problem of the result is told this way). `start`, `progress` (bytes of the package's data.tar
 * consumed by its compressor, of `total`), `built` and `failed` (its problems, if it had any, are
 * told next) name the task by its index in the `plan`'s tasks.
 */
export type BuildEvent =
  | { kind: 'problem'; problem: Problem }
  | { kind: 'plan'; tasks: readonly BuildTask[] }
  | { kind: 'start'; index: number; task: BuildTask }
  | { kind: 'progress'; index: number; bytes: number; total: number }
  | { kind: 'built'; index: number; result: BuildResult }
  | { kind: 'failed'; index: number };

export interface BuildAllResult {
  /** The packages written, in task order (daemon folders, then profiles, then architectures). */
  results: BuildResult[];
  /** Every problem found, each once: errors (nothing of the run is written before they are fixed, or a package failed) and warnings. */
  problems: Problem[];
}

/** Ctrl-C, kill, and a closed terminal or SSH session. */
const INTERRUPTING_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Builds every package of `paths` (daemon folders, or folders of them) for every profile: the
 * orchestration the CLI's `build` and the GitHub Action run. Before anything is written, every
 * input problem of the whole run is found (as `check` finds it): a run with an error writes
 * nothing and its output folder stays as it was. Input errors come back as problems; a usage
 * error (an unknown --arch) or a failure of the machine (a full disk) is thrown, after the other
 * packages have been stopped.
 */
export async function buildAll(paths: readonly string[], options: BuildAllOptions = {}): Promise<BuildAllResult> {
  const { profiles: named, onEvent, exitOnSignal, ...given } = options;
  const problems: Problem[] = [];
  const told = new Set<string>();
  const tell = (problem: Problem): void => {
    const line = `${problem.severity}\0${formatProblem(problem)}`;
    if (told.has(line)) return;
    told.add(line);
    problems.push(problem);
    onEvent?.({ kind: 'problem', problem });
  };
  const failed = (error: unknown): BuildAllResult => {
    if (!(error instanceof DebforgeError)) throw error;
    for (const problem of error.problems) tell(problem);
    return { results: [], problems };
  };

  let daemons: string[];
  let common: typeof given & { config: ProjectConfig | false };
  let profiles: Profile[];
  try {
    daemons = await expandDaemonPaths(paths);
    // One project config for the run: its settings fill what the options leave unset.
    const config = await runConfig(daemons, given.config);
    // A daemon found inside a given folder is skipped for a profile it does not target; one named is an error.
    common = { ...withConfig(given, config), folderDaemons: daemons.filter((dir) => !paths.includes(dir)) };
    profiles = runProfiles(named, config);
  } catch (error) {
    return failed(error);
  }
  const runSiblings = common.runSiblings ?? (await daemonNames(daemons));
  // Errors first and alone (what to fix before anything is built); else each distinct warning or
  // note once: the builds below find them again and tell only new ones.
  // The daemons each profile leaves out, judged once: for the check and for the tasks.
  const skipped = await skippedNotes(daemons, profiles, common);
  // Every package is staged (loaded, resolved, rendered) once, here: the builds below go on from it.
  const { problems: preflight, staged } = await checkAndStage(daemons, profiles, { ...common, runSiblings }, skipped);
  const errors = preflight.filter((p) => p.severity === 'error');
  for (const problem of errors.length > 0 ? errors : preflight) tell(problem);
  if (errors.length > 0) return { results: [], problems };

  const tasks: BuildTask[] = [];
  for (const dir of daemons) {
    const planned = await plannedArchitectures(dir, common.architectures);
    for (const profile of profiles) {
      if (skipped.has(skippedKey(dir, profile))) continue;
      for (const architecture of planned.architectures) tasks.push({ dir, profile, architecture });
    }
  }
  onEvent?.({ kind: 'plan', tasks });

  const outDir = common.outDir ?? DEFAULT_OUT_DIR;
  let createdOut: string | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    // Synchronous and at once: waiting for the pipeline to wind down left a window where
    // compressor threads were stopped inside native code, which aborts the process.
    removeTemporariesSync();
    removeCreatedSync(outDir, createdOut);
    for (const name of INTERRUPTING_SIGNALS) process.off(name, onSignal);
    process.kill(process.pid, signal);
  };
  if (exitOnSignal === true) for (const name of INTERRUPTING_SIGNALS) process.on(name, onSignal);
  const controller = new AbortController();
  const signal = common.signal === undefined ? controller.signal : AbortSignal.any([common.signal, controller.signal]);
  const results: (BuildResult | undefined)[] = [];
  let unexpected: unknown;
  let done = false;
  try {
    // An output folder that cannot be made fails now, before any work.
    try {
      createdOut = await makeDirectory(outDir);
    } catch (error) {
      return failed(new DebforgeError({ file: outDir, message: `cannot create the output folder (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): give --out a folder that can be written`, severity: 'error' }));
    }
    // The budget is one for the whole call, never N per package (that made N x N threads, and
    // N x N xz encoders of ~100 MiB each). Up to min(N, tasks) packages are built at once and each
    // one's compressors get floor(N / that) threads, so packages x threads <= N: one package gets
    // all N threads, N or more packages get one each. Memory is bounded the same way: each package
    // streams through its pipeline with back-pressure, holding at most its threads' blocks in
    // flight. The output bytes do not depend on the thread count.
    const jobs = common.jobs ?? defaultJobs();
    const packagesAtOnce = Math.min(jobs, tasks.length);
    const threadsPerPackage = Math.max(1, Math.floor(jobs / packagesAtOnce));
    const buildTask = async (task: BuildTask, index: number): Promise<void> => {
      onEvent?.({ kind: 'start', index, task });
      try {
        const stagedPackage = staged.get(stagedKey(task.dir, task.profile, task.architecture));
        if (stagedPackage === undefined) throw new Error(`${task.dir}: the check staged no package for ${task.profile.name}`);
        const result = await buildStaged(stagedPackage.rendered, {
          ...common,
          outDir,
          jobs: threadsPerPackage,
          signal,
          ...(onEvent ? { onProgress: (bytes: number, total: number) => onEvent({ kind: 'progress', index, bytes, total }) } : {}),
        }, stagedPackage.problems);
        results[index] = result;
        for (const warning of result.warnings) tell(warning);
        onEvent?.({ kind: 'built', index, result });
      } catch (error) {
        onEvent?.({ kind: 'failed', index });
        if (error instanceof DebforgeError) {
          for (const problem of error.problems) tell(problem);
        } else {
          unexpected ??= error;
          controller.abort();
        }
      }
    };
    await forEachLimit(tasks, packagesAtOnce, buildTask, () => signal.aborted);
    if (unexpected !== undefined) throw unexpected;
    common.signal?.throwIfAborted();
    done = true;
  } finally {
    if (exitOnSignal === true) for (const name of INTERRUPTING_SIGNALS) process.off(name, onSignal);
    // A failed run leaves no output folder it created, if it holds nothing.
    if (!done || problems.some((p) => p.severity === 'error')) await removeCreated(outDir, createdOut);
  }
  return { results: results.filter((result) => result !== undefined), problems };
}
