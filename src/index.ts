/** debforge's library API: the CLI, the GitHub Action and the tests all call these. */
export { build, buildAll, plannedArchitectures, check, checkSet, preparePackage, expandDaemonPaths, resolveProfile, sourceDateEpochFor, type BuildOptions, type BuildResult } from './build.js';
export { DebforgeError, UsageError, formatProblem, type Problem } from './errors.js';
export { PROFILES, DEFAULT_PROFILE, findProfile, type Profile } from './resolve/index.js';
export { readDeb, type DebContents } from './deb/index.js';
export type { Compression } from './write/index.js';
export { DEFAULT_HEALTH_SETTLE, MAX_HEALTH_TIMEOUT } from './load/package-xml.js';
export type { HealthCheck } from './load/types.js';
