/** What a publish is asked to do, and what it reports. */

export interface RepoOptions {
  /** Repository root (created if missing). */
  outDir: string;
  /** Suite for every package; default: the distribution in each package's changelog (the profile's codename). */
  suite?: string;
  component?: string;
  /** gpg key ID/fingerprint in the keyring, a file holding a secret key, or `env:NAME`; none: unsigned. */
  signKey?: string;
  /** Architectures to list (each with its binary-<arch> index) besides those already listed and those of the packages. */
  architectures?: readonly string[];
  /** Release Origin and Label for a new suite (an existing suite keeps its own). */
  origin?: string;
  label?: string;
  /** Publish time (default now); Date always moves past the previous Release's. */
  now?: Date;
  /** Seconds to wait for another run that holds the repository's lock (default DEFAULT_LOCK_WAIT_SECONDS). */
  lockWaitSeconds?: number;
  /** Progress and warnings, one line each. */
  log?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
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

export interface RepoResult {
  packages: RepoPackage[];
  suites: RepoSuite[];
}

export const DEFAULT_COMPONENT = 'main';
export const DEFAULT_ORIGIN = 'debforge';
export const KEYRING_NAME = 'archive-keyring';
/** Seconds a run waits for another run on the same repository to finish. */
export const DEFAULT_LOCK_WAIT_SECONDS = 600;
