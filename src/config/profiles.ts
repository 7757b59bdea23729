import { printable } from '../errors.js';
import { PACKAGE_NAME } from '../debian/names.js';
import { PROFILES, type Profile } from '../resolve/index.js';
import type { ConfigReader } from './values.js';
import type { YamlNode } from './yaml.js';

/** The keys of one custom profile under `custom-profiles:`. */
const PROFILE_KEYS = ['base', 'summary', 'prefix', 'package-prefix', 'suite', 'ros-distro'] as const;

/** A profile name: what `--profile` takes and `<target profile="...">` names. */
const PROFILE_NAME = /^[a-z][a-z0-9-]{0,39}$/;
/** An install prefix: absolute, no `.` or `..` segment, no trailing slash, no spaces. */
const PREFIX = /^(\/[A-Za-z0-9_+-][A-Za-z0-9._+-]*)+$/;
/** An APT suite (the changelog's distribution), as `repo --suite` takes it. */
const SUITE = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;

/**
 * `custom-profiles:` of the project config: a team's own layouts, each a built-in profile (its OS
 * release, unit directories, tool versions and dependency resolution) with its own install
 * prefix, package-name prefix, APT suite and ROS distribution (or none).
 */
export function readCustomProfiles(node: YamlNode, reader: ConfigReader): Profile[] {
  const profiles: Profile[] = [];
  const mapping = reader.mapping(node, 'custom-profiles');
  if (mapping === undefined) return profiles;
  for (const entry of mapping.entries) {
    const { key: name, keyLine: line } = entry;
    if (!PROFILE_NAME.test(name)) {
      reader.error(`custom profile name "${printable(name)}" must be lower case letters, digits and -, starting with a letter (at most 40)`, line);
      continue;
    }
    if (PROFILES.some((p) => p.name === name)) {
      reader.error(`custom profile "${name}" has the name of a built-in profile; give it a name of its own and set base: ${name}`, line);
      continue;
    }
    const profile = readOne(name, entry.value, reader, line);
    if (profile !== undefined) profiles.push(profile);
  }
  return profiles;
}

function readOne(name: string, node: YamlNode, reader: ConfigReader, line: number): Profile | undefined {
  // An empty `unknown-key:` line lands here too: known keys are checked on this mapping's own.
  const mapping = reader.mapping(node, `custom profile ${name}`, PROFILE_KEYS);
  if (mapping === undefined) return undefined;
  const value = (key: (typeof PROFILE_KEYS)[number]): YamlNode | undefined => mapping.entries.find((e) => e.key === key)?.value;
  const errors = reader.problems.errors.length;

  const baseNode = value('base');
  if (baseNode === undefined) return reader.error(`custom profile ${name} needs base: the built-in profile it follows (${builtInNames()})`, line);
  const baseName = reader.string(baseNode, `base of custom profile ${name}`);
  const base = PROFILES.find((p) => p.name === baseName);
  if (baseName !== undefined && base === undefined) reader.error(`base "${printable(baseName)}" of custom profile ${name} is not a built-in profile; use one of ${builtInNames()}`, baseNode.line);

  const prefixNode = value('prefix');
  const prefix = prefixNode === undefined ? undefined : reader.string(prefixNode, `prefix of custom profile ${name}`);
  if (prefix !== undefined && (!PREFIX.test(prefix) || prefix.split('/').some((part) => part === '.' || part === '..'))) {
    reader.error(`prefix "${printable(prefix)}" of custom profile ${name} must be an absolute folder such as /opt/acme (no trailing /, no . or .., no spaces)`, prefixNode!.line);
  }

  const packagePrefixNode = value('package-prefix');
  const packagePrefix = packagePrefixNode === undefined ? undefined : emptyOrString(packagePrefixNode, `package-prefix of custom profile ${name}`, reader);
  if (packagePrefix !== undefined && packagePrefix !== '' && !PACKAGE_NAME.test(`${packagePrefix}x`)) {
    reader.error(`package-prefix "${printable(packagePrefix)}" of custom profile ${name} must start a Debian package name: lower case letters, digits and + . - (such as acme-), or "" for none`, packagePrefixNode!.line);
  }

  const suiteNode = value('suite');
  const suite = suiteNode === undefined ? undefined : reader.string(suiteNode, `suite of custom profile ${name}`);
  if (suite !== undefined && !SUITE.test(suite)) reader.error(`suite "${printable(suite)}" of custom profile ${name} must be a name of letters, digits, ".", "_", "+" and "-"`, suiteNode!.line);

  const summaryNode = value('summary');
  const summary = summaryNode === undefined ? undefined : reader.string(summaryNode, `summary of custom profile ${name}`);
  if (summary !== undefined && /[\n\r]/.test(summary.trim())) reader.error(`summary of custom profile ${name} must be one line`, summaryNode!.line);

  const rosNode = value('ros-distro');
  const rosDistro = rosNode === undefined ? undefined : reader.string(rosNode, `ros-distro of custom profile ${name}`);
  let ros = base?.ros;
  if (base !== undefined && rosDistro !== undefined) {
    const sameRelease = PROFILES.filter((p) => p.ros !== undefined && p.os.id === base.os.id && p.os.codename === base.os.codename);
    if (rosDistro === 'none') ros = undefined;
    else {
      ros = sameRelease.find((p) => p.ros!.distro === rosDistro)?.ros;
      if (ros === undefined) {
        const choices = ['none', ...new Set(sameRelease.map((p) => p.ros!.distro))].join(' or ');
        reader.error(`ros-distro "${printable(rosDistro)}" of custom profile ${name} is not a ROS distribution of ${base.os.id} ${base.os.codename} (the release of base ${base.name}); use ${choices}, or base the profile on a profile of that distribution`, rosNode!.line);
      }
    }
  }
  if (base === undefined || reader.problems.errors.length > errors) return undefined;

  const installPrefix = prefix ?? base.installPrefix;
  // @ROS_SETUP@ stays the ROS the profile runs on, wherever the team's own packages go.
  const rosSetup = ros === undefined ? '/dev/null' : ros === base.ros && base.hasSetupBash ? `${base.installPrefix}/setup.bash` : '/dev/null';
  const described = [
    ros === undefined ? 'no ROS' : `ROS ${ros.distro}`,
    `prefix ${installPrefix}`,
    `packages ${packagePrefix ?? base.packagePrefix}<name>`,
    `suite ${suite ?? base.os.codename}`,
  ];
  // A custom profile names its packages itself: the built-in Debian profiles' +debN, which keeps
  // their files apart from each other and from plain's, is not inherited.
  const { ros: _baseRos, revisionSuffix: _builtInSuffix, ...rest } = base;
  return {
    ...rest,
    name,
    summary: summary?.trim() ?? `Custom profile based on ${base.name} (${base.os.id} ${base.os.codename}): ${described.join(', ')}`,
    ...(ros === undefined ? {} : { ros }),
    installPrefix,
    hasSetupBash: rosSetup !== '/dev/null',
    rosSetup,
    packagePrefix: packagePrefix ?? base.packagePrefix,
    ...(suite !== undefined ? { suite } : {}),
    base: base.name,
  };
}

/** A string, where a quoted empty one (`""`) is allowed and means none. */
function emptyOrString(node: YamlNode, what: string, reader: ConfigReader): string | undefined {
  if (node.kind === 'scalar' && !node.plain && node.text === '') return '';
  return reader.string(node, what);
}

function builtInNames(): string {
  return PROFILES.map((p) => p.name).join(', ');
}
