import { promises as fs } from 'node:fs';
import path from 'node:path';
import { printable, type ProblemList } from '../errors.js';
import { isMachineArchitecture } from '../debian/architectures.js';
import { DEBIAN_REVISION } from '../debian/version.js';
import { DEFAULT_HEALTH_SETTLE, MAX_HEALTH_TIMEOUT } from '../load/debforge-options.js';
import type { HealthCheck } from '../load/types.js';
import { parseKeep, type Keep } from '../repo/retention.js';
import { PROFILES, type Profile } from '../resolve/index.js';
import { overrideProblem } from '../resolve/maintainer.js';
import { isCompressionChoice, type Compression } from '../write/compress/index.js';
import { readCustomProfiles } from './profiles.js';
import { ConfigReader } from './values.js';
import type { YamlNode } from './yaml.js';

/** A rosdep file the project config names: where it is, and how messages name it. */
interface ProjectRosdepFile {
  path: string;
  display: string;
}

/** What a project config (debforge.yaml) sets; command-line options and library options override each. */
export interface ProjectConfig {
  /** The file, as messages name it. */
  file: string;
  /** The folder holding it (the repository root): its relative paths start there. */
  root: string;
  /** Profiles built when none is named (`--profile`). */
  profiles?: string[];
  revision?: string;
  maintainer?: string;
  compression?: Compression | 'distribution';
  /** Rosdep files every daemon's keys are looked up in, after the daemon folder's own rosdep.yaml. */
  rosdep?: ProjectRosdepFile[];
  architectures?: string[];
  healthCheck?: HealthCheck;
  /** `repo --keep`: versions kept per package. */
  keep?: Keep;
  customProfiles: Profile[];
}

const TOP_KEYS = ['profiles', 'revision', 'maintainer', 'compression', 'rosdep', 'architectures', 'health-check', 'health-settle', 'repo', 'custom-profiles'] as const;
const REPO_KEYS = ['keep'] as const;

/** Reads the document of a project config into its settings, every problem into `problems`. */
export async function readProjectConfig(document: YamlNode | undefined, file: string, root: string, problems: ProblemList): Promise<ProjectConfig> {
  const config: ProjectConfig = { file, root, customProfiles: [] };
  if (document === undefined) return config;
  const reader = new ConfigReader(file, problems);
  const mapping = reader.mapping(document, 'the configuration', TOP_KEYS);
  if (mapping === undefined) return config;
  const node = (key: (typeof TOP_KEYS)[number]): YamlNode | undefined => mapping.entries.find((e) => e.key === key)?.value;

  const custom = node('custom-profiles');
  if (custom !== undefined) config.customProfiles = readCustomProfiles(custom, reader);

  const profilesNode = node('profiles');
  const profileNames = profilesNode === undefined ? undefined : reader.stringList(profilesNode, 'profiles');
  if (profileNames !== undefined) {
    const known = [...PROFILES, ...config.customProfiles].map((p) => p.name);
    const unknown = profileNames.filter((name) => !known.includes(name.value));
    for (const name of unknown) reader.error(`profiles names "${printable(name.value)}", which is neither a built-in profile nor one of custom-profiles; use one of ${known.join(', ')}`, name.line);
    if (unknown.length === 0) config.profiles = [...new Set(profileNames.map((name) => name.value))];
  }

  const revisionNode = node('revision');
  const revision = revisionNode === undefined ? undefined : reader.string(revisionNode, 'revision');
  if (revision !== undefined && !DEBIAN_REVISION.test(revision)) reader.error(`revision "${printable(revision)}" is not a Debian revision; use letters, digits and . + ~ (such as 1 or 2~acme1)`, revisionNode!.line);
  else if (revision !== undefined) config.revision = revision;

  const maintainerNode = node('maintainer');
  const maintainer = maintainerNode === undefined ? undefined : reader.string(maintainerNode, 'maintainer');
  const maintainerProblem = maintainer === undefined ? undefined : overrideProblem(maintainer);
  if (maintainerProblem !== undefined) reader.error(`maintainer ${maintainerProblem}; write it as Full Name <email@domain.tld>`, maintainerNode!.line);
  else if (maintainer !== undefined) config.maintainer = maintainer;

  const compressionNode = node('compression');
  const compression = compressionNode === undefined ? undefined : reader.string(compressionNode, 'compression');
  if (compression !== undefined && !isCompressionChoice(compression)) {
    reader.error(`compression "${printable(compression)}" is not one debforge writes; use gzip, xz, zstd, none or distribution`, compressionNode!.line);
  } else if (compression !== undefined) config.compression = compression;

  const architecturesNode = node('architectures');
  const architectures = architecturesNode === undefined ? undefined : reader.stringList(architecturesNode, 'architectures');
  const badArchitectures = architectures?.filter((a) => !isMachineArchitecture(a.value)) ?? [];
  for (const bad of badArchitectures) reader.error(`architectures names "${printable(bad.value)}", which is not a Debian architecture; use names such as amd64, arm64 or armhf (Architecture: all packages are built whatever this says)`, bad.line);
  if (architectures !== undefined && badArchitectures.length === 0) config.architectures = [...new Set(architectures.map((a) => a.value))];

  const healthCheck = readHealthCheck(node('health-check'), node('health-settle'), reader, mapping.line);
  if (healthCheck !== undefined) config.healthCheck = healthCheck;

  const repoNode = node('repo');
  const repo = repoNode === undefined ? undefined : reader.mapping(repoNode, 'repo', REPO_KEYS);
  const keepNode = repo?.entries.find((e) => e.key === 'keep')?.value;
  if (keepNode !== undefined) {
    const text = keepNode.kind === 'scalar' && keepNode.plain ? keepNode.text : '';
    const keep = parseKeep(text);
    if (keep === undefined) reader.error(`repo keep is ${keepNode.kind === 'scalar' ? `"${printable(keepNode.text)}"` : 'not a value'}; it must be a whole number of at least 1, or all`, keepNode.line);
    else config.keep = keep;
  }

  const rosdepNode = node('rosdep');
  const rosdep = rosdepNode === undefined ? undefined : reader.stringList(rosdepNode, 'rosdep');
  if (rosdep !== undefined) {
    const files = await rosdepFiles(rosdep, file, root, reader);
    if (files !== undefined) config.rosdep = files;
  }
  return config;
}

/** `health-check: SECONDS` (and `health-settle: SECONDS`), as a `<unit>`'s attributes of the same names. */
function readHealthCheck(checkNode: YamlNode | undefined, settleNode: YamlNode | undefined, reader: ConfigReader, line: number): HealthCheck | undefined {
  if (checkNode === undefined) {
    if (settleNode !== undefined) reader.error('health-settle needs health-check: SECONDS, the bound postinst waits within', settleNode.line);
    return undefined;
  }
  const timeout = reader.integer(checkNode, 'health-check', 1, MAX_HEALTH_TIMEOUT);
  const settle = settleNode === undefined ? Math.min(DEFAULT_HEALTH_SETTLE, timeout ?? DEFAULT_HEALTH_SETTLE) : reader.integer(settleNode, 'health-settle', 0, MAX_HEALTH_TIMEOUT);
  if (timeout === undefined || settle === undefined) return undefined;
  if (settle > timeout) return reader.error(`health-settle ${settle} is longer than health-check ${timeout}: the unit could never settle within the bound; lower health-settle`, settleNode?.line ?? line);
  return { timeout, settle };
}

/** The rosdep files, relative to the config's folder and inside it, each a regular file. */
async function rosdepFiles(relatives: { value: string; line: number }[], file: string, root: string, reader: ConfigReader): Promise<ProjectRosdepFile[] | undefined> {
  const files: ProjectRosdepFile[] = [];
  for (const { value: relative, line } of relatives) {
    const normal = path.posix.normalize(relative);
    if (path.posix.isAbsolute(relative) || normal === '..' || normal.startsWith('../')) {
      reader.error(`rosdep "${printable(relative)}" leaves the folder of ${path.basename(file)}; give a path inside it, relative to that file`, line);
      continue;
    }
    const absolute = path.join(root, normal);
    const stat = await fs.stat(absolute).catch(() => undefined);
    if (stat === undefined || !stat.isFile()) {
      reader.error(`rosdep "${printable(relative)}" is ${stat === undefined ? 'not there' : 'not a regular file'}; give the path of a rosdep YAML file, relative to ${path.basename(file)}`, line);
      continue;
    }
    files.push({ path: absolute, display: path.join(path.dirname(file), normal) });
  }
  return files.length === relatives.length ? files : undefined;
}
