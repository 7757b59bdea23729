import type { DaemonSource, HealthCheck, PayloadFile, RelationField, SystemUser, UnitOptions, UnitSource } from '../load/types.js';
import type { Profile } from './profiles.js';

export interface ResolvedUnit {
  source: UnitSource;
  /** Absolute install path, e.g. /usr/lib/systemd/system/ros.service. */
  installPath: string;
  options: UnitOptions;
  /** Whether the unit is a template (`x@.service`); those are enabled only through instances. */
  isTemplate: boolean;
  /** Names the maintainer scripts act on: the unit itself, or its named instances. */
  actOn: string[];
  /** Set when postinst waits, after starting the unit, for it to settle active. */
  healthCheck?: HealthCheck;
}

export interface PackageSpec {
  source: DaemonSource;
  profile: Profile;
  package: string;
  /** Debian version: `<package.xml version>-<revision>`. */
  version: string;
  upstreamVersion: string;
  architecture: string;
  maintainer: string;
  homepage?: string;
  section: string;
  priority: string;
  synopsis: string;
  /** Paragraphs of the extended description, each a list of words already normalised. */
  paragraphs: string[];
  relations: Partial<Record<RelationField, string[]>>;
  /** Template variables (`@NAME@`), profile's first, then catkin's, then `--define`. */
  variables: ReadonlyMap<string, string>;
  units: ResolvedUnit[];
  payload: PayloadFile[];
  systemUser?: SystemUser;
  licenses: string[];
  copyrightHolders: string[];
  /** Seconds since the epoch: the clamp for every mtime and the changelog date. */
  sourceDateEpoch: number;
}
