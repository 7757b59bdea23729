/** What a publish (or prune, or phase) is asked to do, and what it reports. */
import type { Keep } from './retention.js';

/** What every run that changes a repository is given. */
export interface RepoRunOptions {
  /** Repository root (created if missing by a publish). */
  outDir: string;
  /** Publish: suite for every package (default: the distribution in each package's changelog, the profile's codename). Prune and phase: only this suite (default: every suite). */
  suite?: string;
  component?: string;
  /**
   * gpg key ID/fingerprint in the keyring, a file holding a secret key, or `env:NAME`; several
   * during a key rotation (the Release is signed by each). None: unsigned (prune and phase refuse
   * to leave a signed suite unsigned).
   */
  signKey?: string | readonly string[];
  /** Publish time (default now); Date always moves past the previous Release's. */
  now?: Date;
  /** Seconds to wait for another run that holds the repository's lock (default DEFAULT_LOCK_WAIT_SECONDS). */
  lockWaitSeconds?: number;
  /** Progress and warnings, one line each; a warning's line starts with `warning: ` (`repo --quiet` prints only those). */
  log?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
}

export interface RepoOptions extends RepoRunOptions {
  /** Architectures to list (each with its binary-<arch> index) besides those already listed and those of the packages. */
  architectures?: readonly string[];
  /** Release Origin and Label for a new suite (an existing suite keeps its own). */
  origin?: string;
  label?: string;
  /** Versions kept per package and architecture in each suite the run changes (default DEFAULT_KEEP); older ones are dropped, pool files too. */
  keep?: Keep;
  /** Phased-Update-Percentage (0-100) of the versions this run adds: one for all, or by package name. */
  phase?: number | Readonly<Record<string, number>>;
}

export interface PruneOptions extends RepoRunOptions {
  keep: Keep;
}

export interface PhaseOptions extends RepoRunOptions {
  package: string;
  /** A published version, or `latest` (the newest each suite lists). */
  version: string;
  /** 0-100; 100 lets every robot take it (the field is dropped). */
  percent: number;
}

export interface RepoPackage {
  package: string;
  version: string;
  architecture: string;
  suite: string;
  /** Path in the repository, as the Packages index gives it. */
  filename: string;
  sha256: string;
  /** False when the identical file was already published. */
  added: boolean;
}

export interface RepoSuite {
  suite: string;
  /** The Release file (InRelease when signed). */
  release: string;
  signed: boolean;
  /** False when nothing had to change (an identical re-publish). */
  changed: boolean;
  architectures: string[];
  components: string[];
  date: string;
  packages: number;
}

/** A package version a run took out of a suite's index (or, given to a publish, did not list) by retention. */
export interface RepoDropped {
  package: string;
  version: string;
  architecture: string;
  suite: string;
  filename: string;
}

export interface RepoResult {
  packages: RepoPackage[];
  suites: RepoSuite[];
  dropped: RepoDropped[];
  /** Pool files removed because no index names them any more. */
  removed: string[];
}

export const DEFAULT_COMPONENT = 'main';
export const DEFAULT_ORIGIN = 'debforge';
export const KEYRING_NAME = 'archive-keyring';
/** Seconds a run waits for another run on the same repository to finish. */
export const DEFAULT_LOCK_WAIT_SECONDS = 600;
