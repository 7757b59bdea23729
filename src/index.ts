/** debforge's library API: the CLI, the GitHub Action and the tests all call these. */
export { buildAll, type BuildAllOptions, type BuildAllResult, type BuildEvent, type BuildTask } from './pipeline/all.js';
export { build } from './pipeline/package.js';
export { check, checkSet } from './pipeline/check.js';
export { plannedArchitectures, expandDaemonPaths } from './pipeline/plan.js';
export { preparePackage, sourceDateEpochFor } from './pipeline/stage.js';
export { resolveProfile } from './pipeline/config.js';
export { loadProjectConfig, findProjectConfig, type ProjectConfig } from './config/index.js';
export type { BuildOptions, BuildResult } from './pipeline/options.js';
export { DebforgeError, UsageError, formatProblem, type Problem } from './errors.js';
export { PROFILES, DEFAULT_PROFILE, findProfile, type Profile } from './resolve/index.js';
export { readDeb, type DebContents } from './deb/index.js';
export type { Compression } from './write/index.js';
export { DEFAULT_HEALTH_SETTLE, MAX_HEALTH_TIMEOUT } from './load/debforge-options.js';
export type { HealthCheck } from './load/types.js';
