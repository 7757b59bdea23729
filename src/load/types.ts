/** What the load stage knows about a daemon folder: typed, with file and line for every value. */

import type { CatkinRules } from './cmake/index.js';
import type { ElfInfo } from './elf.js';

export type DependencyKind =
  | 'depend'
  | 'build_depend'
  | 'build_export_depend'
  | 'buildtool_depend'
  | 'buildtool_export_depend'
  | 'exec_depend'
  | 'run_depend'
  | 'test_depend'
  | 'doc_depend'
  | 'conflict'
  | 'replace'
  | 'group_depend'
  | 'member_of_group';

export interface VersionConstraint {
  operator: '<<' | '<=' | '=' | '>=' | '>>';
  version: string;
}

export interface Dependency {
  kind: DependencyKind;
  key: string;
  constraints: VersionConstraint[];
  condition?: string;
  line: number;
}

export interface Person {
  name: string;
  email?: string;
  line: number;
}

export interface Url {
  type: string;
  url: string;
}

export type RelationField = 'depends' | 'recommends' | 'suggests' | 'conflicts' | 'breaks' | 'replaces' | 'provides' | 'pre-depends';

/** Per-unit switches from `<export><debforge><unit name="..."/>`. */
export interface UnitOptions {
  enable: boolean;
  start: boolean;
  restartOnUpgrade: boolean;
  /** Instances to enable and start for a template unit (`x@.service`). */
  instances: string[];
  /**
   * `health-check="SECONDS"` (with `health-settle`): postinst waits for the started unit to
   * settle active; `false` turns a project default off for this unit; undefined follows the default.
   */
  healthCheck?: HealthCheck | false;
  line: number;
}

/** How postinst judges a unit it started or restarted (see debian-templates/health-check.ejs). */
export interface HealthCheck {
  /** Seconds postinst waits at most, after the start, for the unit to settle active. */
  timeout: number;
  /** Seconds the unit must stay active in one invocation (no restart) to count as settled. */
  settle: number;
}

export interface SystemUser {
  name: string;
  home?: string;
  line: number;
}

/** Everything a convention cannot say, from `<export><debforge>`. */
export interface DebforgeOptions {
  section?: string;
  priority?: string;
  architecture?: string;
  synopsis?: string;
  relations: Partial<Record<RelationField, string[]>>;
  units: Map<string, UnitOptions>;
  systemUser?: SystemUser;
  /** rosdep-format YAML mapping ROS keys to Debian packages, relative to the daemon folder. */
  rosdep?: string;
  rosdepLine?: number;
  architectureLine?: number;
  synopsisLine?: number;
  line?: number;
  /** Where the daemon belongs: `<target>` elements and a format 3 `condition` on `<debforge>`. */
  targets?: DaemonTargets;
}

/**
 * The profiles a daemon is built for. Without any, every profile; `<target profile="...">` and
 * `<target ros-version="...">` name the ones it targets (any of them), and a format 3
 * `<debforge condition="...">` must hold as well.
 */
export interface DaemonTargets {
  /** Profile names (a custom profile also matches the built-in profile it is based on). */
  profiles: string[];
  /** ROS versions; `none` is a profile without ROS. */
  rosVersions: ('1' | '2' | 'none')[];
  /** The line of the first `<target>`. */
  line?: number;
  condition?: { expression: string; line: number };
}

export interface Manifest {
  file: string;
  format: 1 | 2 | 3;
  name: string;
  version: string;
  versionLine: number;
  nameLine: number;
  description: string;
  descriptionLine: number;
  maintainers: Person[];
  authors: Person[];
  licenses: string[];
  /** The line of each of `licenses`. */
  licenseLines: number[];
  urls: Url[];
  dependencies: Dependency[];
  debforge: DebforgeOptions;
}

export type UnitScope = 'system' | 'user';

export interface UnitSource {
  /** Installed name, e.g. `ros-watchdog.service` (the `.in` suffix dropped). */
  name: string;
  /** Path of the source file relative to the daemon folder. */
  file: string;
  absolutePath: string;
  scope: UnitScope;
  template: boolean;
}

export interface PayloadFile {
  kind: 'file' | 'directory' | 'symlink';
  /** Absolute install path, e.g. `/usr/bin/ros-watchdog` (the `.in` suffix dropped). */
  target: string;
  /** Path of the source relative to the daemon folder. */
  file: string;
  absolutePath: string;
  executable: boolean;
  template: boolean;
  size: number;
  /** Set for an ELF file: what it is built for (checked against the package's architecture) and the libraries it needs. */
  elf?: ElfInfo;
  /** From `files-<arch>/`: installed only in that architecture's package. */
  architecture?: string;
  linkTarget?: string;
  /** catkin_install_python: a `#!/usr/bin/env python` first line becomes `#!<this>`, as catkin does. */
  pythonShebang?: string;
}

export type MaintainerScript = 'preinst' | 'postinst' | 'prerm' | 'postrm';
export const MAINTAINER_SCRIPTS: readonly MaintainerScript[] = ['preinst', 'postinst', 'prerm', 'postrm'];

export interface Fragment {
  script: MaintainerScript;
  file: string;
  content: string;
  /** A bloom template (`*.em`): its @(Name)-style substitutions are made per profile. */
  bloom?: boolean;
}

/**
 * The text of a file a later stage renders (a unit, a template, a program whose shebang is
 * rewritten), or why load could not read it: `reported` when load reported it already (a file
 * rendered on every profile), else render reports it if a profile renders the file.
 */
export type SourceText = { text: string } | { unreadable: string; reported: boolean };

/** The folder's own rosdep file, parsed: resolve keeps what applies to each profile. */
export interface LoadedRosdep {
  /** Relative to the daemon folder: rosdep.yaml or package.xml's <rosdep>. */
  file: string;
  /** Rosdep key -> its rules by OS, as written. */
  rules: Record<string, unknown>;
}

export interface DaemonSource {
  /** The daemon folder as given (used in messages). */
  dir: string;
  manifest: Manifest;
  /** package.xml as read (a ROS profile installs it as the package's index file). */
  manifestBytes: Buffer;
  /**
   * Everything later stages need from the folder besides payload bytes: the text of every file
   * one may render, by its path relative to the folder. Payload bytes are never held: layout and
   * write stream them from the paths recorded here.
   */
  texts: ReadonlyMap<string, SourceText>;
  rosdep?: LoadedRosdep;
  units: UnitSource[];
  payload: PayloadFile[];
  /**
   * The architectures of the folder's `files-<arch>/` folders, sorted: one package each. Empty
   * when it has none (one package, `all` or its declared <architecture>).
   */
  architectures: string[];
  fragments: Fragment[];
  /** The team's own lintian overrides (debian/lintian-overrides), each with its reason. */
  lintianOverrides?: string;
  /**
   * ROS names of the daemon folders beside this one: a dependency on one of them means the
   * package that folder builds, under the same profile, on every profile.
   */
  siblings: string[];
  /** The install rules of a catkin CMakeLists.txt, when the folder has one. */
  catkin?: CatkinRules;
}
