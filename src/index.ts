/** debforge's library API: the CLI, the GitHub Action and the tests all call these. */
export { buildAll, type BuildAllOptions, type BuildAllResult, type BuildEvent, type BuildTask } from './build/all.js';
export { build } from './build/package.js';
export { check, checkSet } from './build/check.js';
export { plannedArchitectures, expandDaemonPaths } from './build/plan.js';
export { preparePackage, sourceDateEpochFor } from './build/stage.js';
export { resolveProfile } from './build/config.js';
export { loadProjectConfig, findProjectConfig, type ProjectConfig } from './config/index.js';
export type { BuildOptions, BuildResult } from './build/options.js';
export { DebforgeError, UsageError, formatProblem, type Problem } from './errors.js';
export { PROFILES, DEFAULT_PROFILE, findProfile, type Profile } from './resolve/index.js';
export { readDeb, type DebContents } from './deb/index.js';
export type { Compression } from './write/index.js';
export { DEFAULT_HEALTH_SETTLE, MAX_HEALTH_TIMEOUT } from './load/debforge-options.js';
export type { HealthCheck } from './load/types.js';
