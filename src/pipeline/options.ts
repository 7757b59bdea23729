import os from 'node:os';
import type { ProjectConfig } from '../config/index.js';
import type { Problem } from '../errors.js';
import type { HealthCheck } from '../load/types.js';
import { distributionCompression, dpkgReadsZstd, type Profile } from '../resolve/index.js';
import type { Compression } from '../write/index.js';

/** Where packages are written when no output folder is given (--out, the Action's `out`). */
export const DEFAULT_OUT_DIR = 'dist';

/** The member compression when none is given (--compression, the Action's `compression`). */
const DEFAULT_COMPRESSION: Compression = 'gzip';

/** The compression threads of a build when no --jobs is given: one per core. */
export function defaultJobs(): number {
  return os.availableParallelism();
}

/** What a build writes and how: every field optional, with the defaults above. */
export interface BuildOptions {
  /** Output folder (default DEFAULT_OUT_DIR). */
  outDir?: string;
  /** The target profile, or its name (default `noetic`); a name is resolved once, where the build starts. */
  profile?: Profile | string;
  defines?: ReadonlyMap<string, string>;
  revision?: string;
  /** `Full Name <email>` for Maintainer and the changelog, replacing package.xml's (--maintainer). */
  maintainer?: string;
  /**
   * The maintainer from the environment (DEBFULLNAME / DEBEMAIL, see `maintainerFromEnvironment`),
   * used only where package.xml's maintainer is a placeholder.
   */
  environmentMaintainer?: { maintainer?: string; missing?: string };
  /**
   * Member compression (default DEFAULT_COMPRESSION); `distribution` is what the profile's
   * distribution uses for its own packages (zstd on Ubuntu since 21.10, xz on Debian). zstd is
   * refused for a target whose dpkg cannot read it.
   */
  compression?: Compression | 'distribution';
  /**
   * Compression threads for this package (default: defaultJobs()); the bytes never depend on it.
   * buildAll shares its budget among the packages it builds at once.
   */
  jobs?: number;
  /** Seconds since the epoch; default SOURCE_DATE_EPOCH, else the daemon's last git commit, else its newest file. */
  sourceDateEpoch?: number;
  signal?: AbortSignal;
  /** A ros/rosdistro checkout to resolve keys against instead of the shipped index (default: DEBFORGE_ROSDISTRO). */
  rosdistro?: string;
  /** `<name>`s of the other daemon folders built in the same run: a key naming one is a sibling. */
  runSiblings?: readonly string[];
  /**
   * Health-check every system unit postinst starts (a unit's `health-check` in package.xml wins,
   * `health-check="false"` opts it out). See docs/health-checks.md.
   */
  healthCheck?: HealthCheck;
  /**
   * Which of the folder's `files-<arch>/` architectures this package is for; needed only when it
   * has several (see `plannedArchitectures` and `buildAll`).
   */
  architecture?: string;
  /**
   * The architectures to build (--arch, or a project's configuration): a folder with files-<arch>/
   * folders builds only these of its own; a folder without stays `all` or its declared
   * <architecture>. Default: every architecture a folder provides.
   */
  architectures?: readonly string[];
  /** Called as the payload streams into the compressor: bytes consumed so far of `total` (the data.tar's size). */
  onProgress?: (bytes: number, total: number) => void;
  /**
   * The project config (docs/config.md): a loaded one, a path naming one, or `false` for none;
   * default the debforge.yaml found walking up from the daemon folder. Its settings apply where
   * these options leave them unset.
   */
  config?: ProjectConfig | string | false;
  /**
   * Daemon folders found inside a folder the run was given (expandDaemonPaths), not named: one
   * that does not target a profile is left out of it with a note instead of being an error.
   */
  folderDaemons?: readonly string[];
}

export interface BuildResult {
  path: string;
  package: string;
  version: string;
  architecture: string;
  profile: string;
  size: number;
  sha256: string;
  /** Warnings and notes about the input (what was read differently, left out or not installed). */
  warnings: Problem[];
}

/** The compression a build writes: the option, the profile's distribution's for `distribution`, else DEFAULT_COMPRESSION. */
export function compressionFor(option: BuildOptions['compression'], profile: Profile): Compression {
  if (option === 'distribution') return distributionCompression(profile);
  return option ?? DEFAULT_COMPRESSION;
}

/** The error for a compression the profile's dpkg cannot read (zstd before Debian 12 and Ubuntu 20.04), if any. */
export function compressionProblem(option: BuildOptions['compression'], profile: Profile): Problem | undefined {
  if (compressionFor(option, profile) !== 'zstd' || dpkgReadsZstd(profile)) return undefined;
  return {
    file: `--compression ${option ?? DEFAULT_COMPRESSION}`,
    message: `the dpkg of ${profile.summary} cannot read zstd members (dpkg reads them on Debian 12 and Ubuntu 20.04 and later): use gzip or xz for profile ${profile.name}`,
    severity: 'error',
  };
}
