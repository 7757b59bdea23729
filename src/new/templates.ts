/**
 * The files `debforge new` writes: a daemon folder that builds lintian-clean as it is, with
 * comments that teach the folder contract where a person will look for it.
 */

import { launchFile, launchPath, rosBuildtool, rosDepends, rosLintianOverrides, rosSynopsis, rosTarget, rosUnit, type Names, type RosVersion } from './ros.js';

export type DaemonKind = 'ros' | 'user' | 'plain';
export const DAEMON_KINDS: readonly DaemonKind[] = ['ros', 'user', 'plain'];

interface ScaffoldFile {
  /** Path inside the daemon folder, `/`-separated. */
  path: string;
  content: string;
  mode: number;
}

const SYNOPSIS: Record<Exclude<DaemonKind, 'ros'>, string> = {
  user: 'User service run by the systemd manager of every user who logs in.',
  plain: 'System daemon started by systemd at boot.',
};

/** What differs with the ROS version: the ROS 1 or ROS 2 flavour of the ros kind. */
function packageXml(kind: DaemonKind, rosVersion: RosVersion, { name, dashed }: Names): string {
  const dependencies =
    kind === 'ros'
      ? rosDepends(rosVersion)
      : `
  <!-- Run-time dependencies (exec_depend, depend) become Depends, e.g.
       <exec_depend>python3</exec_depend>; keys debforge does not know are mapped to
       Debian packages in a rosdep.yaml beside this file. -->
`;
  const unitName = `${dashed}.service`;
  return `<?xml version="1.0"?>
<?xml-model href="http://download.ros.org/schema/package_format3.xsd" schematypens="http://www.w3.org/2001/XMLSchema"?>
<!--
  A debforge daemon folder. \`debforge build\` turns it into one .deb per target profile:

    package.xml                 this catkin manifest (REP 149, format 3): name, version, ...
    etc/NAME.service.in         system units (also .socket .timer .target .path .mount),
                                with @VARIABLES@ filled in per profile (\`debforge profiles\`)
    etc/user/NAME.service.in    user units, run by every user's systemd manager
    files/...                   installed at the same path under /: files/usr/bin/x is
                                /usr/bin/x; the executable bit decides 0755 or 0644;
                                everything under files/etc/ is a conffile (kept on upgrade)
    debian/postinst (...)       the team's own maintainer-script steps, merged with the
                                generated systemd handling at the #DEBFORGE# line

  Check it with \`debforge check <dir>\`, build it with \`debforge build <dir>\`.
-->
<package format="3">
  <!-- The Debian package name: ros-<distro>-${dashed} on ROS profiles, ${dashed} on plain. -->
  <name>${name}</name>
  <!-- X.Y.Z; the build appends the Debian revision (-1, or the revision option). -->
  <version>0.1.0</version>
  <!-- The first sentence is the summary apt shows (under 80 characters); the rest, up to a
       blank line each paragraph, is the long description. -->
  <description>
    ${kind === 'ros' ? rosSynopsis(rosVersion) : SYNOPSIS[kind]}

    Replace this text: say what the daemon does on the robot, what it needs and
    where its settings live.
  </description>
  <!-- Who answers for the package; the email is required and goes into the control file. -->
  <maintainer email="robotics@example.org">Robotics Team</maintainer>
  <license>Apache-2.0</license>

  <buildtool_depend>${kind === 'ros' ? rosBuildtool(rosVersion) : 'catkin'}</buildtool_depend>
${dependencies}
  <export>
    <!-- What a convention cannot say goes in <debforge>; an unknown element there is an
         error, not ignored. Every element is optional, for example:
    <debforge>
      <target ros-version="1 2"/>          the ROS versions (or none) or profiles it is for
      <unit name="${unitName}" enable="true" start="true" restart-on-upgrade="true"/>
      <depends>curl (>= 7.68)</depends>
      <section>misc</section>
      <architecture>amd64</architecture>  needed as soon as files/ holds compiled programs
      <system-user name="${name}"/>        created by postinst, kept on removal
    </debforge>
    -->
${kind === 'ros' ? rosTarget(rosVersion) : ''}  </export>
</package>
`;
}

const UNIT_HEADER = (file: string, installed: string): string => `# ${file}: a systemd unit template. debforge installs it as ${installed}, with each
# variable written between two @ signs replaced for the target profile, comments included
# (\`debforge profiles\` lists them: ROS_SETUP, CMAKE_INSTALL_PREFIX, PROJECT_NAME, ...; an
# unknown one is an error naming its line). \${VAR} and %i-style specifiers are systemd's
# and pass through untouched. A unit file without .in is installed as it is.
`;

function programUnit(kind: 'user' | 'plain', { name, dashed }: Names): string {
  const file = kind === 'user' ? `etc/user/${dashed}.service.in` : `etc/${dashed}.service.in`;
  const wantedBy =
    kind === 'user'
      ? `# Enabled for every user on first install (\`systemctl --user disable\` opts out), so it
# starts with each user's systemd manager.
WantedBy=default.target`
      : `# The package enables the unit on first install (an admin's disable survives upgrades),
# so it starts at boot.
WantedBy=multi-user.target`;
  return `${UNIT_HEADER(file, `${dashed}.service`)}
[Unit]
Description=${name} ${kind === 'user' ? 'user service' : 'daemon'}

[Service]
Type=simple
# The program, installed from files/usr/libexec/${dashed}/${dashed}. Use absolute paths.
ExecStart=/usr/libexec/${dashed}/${dashed}
Restart=on-failure
RestartSec=5

[Install]
${wantedBy}
`;
}

function program({ dashed }: Names): string {
  return `#!/bin/sh
# files/usr/libexec/${dashed}/${dashed}: installed at /usr/libexec/${dashed}/${dashed}, executable
# because this file is. Replace it with the daemon's program; it runs in the foreground
# (Type=simple) and systemd restarts it if it fails.
set -e
echo "${dashed} started"
exec sleep infinity
`;
}

function postinst(): string {
  return `#!/bin/sh
# debian/postinst: the team's own steps after the package is unpacked (optional: delete
# this file when there are none; preinst, prerm and postrm fragments work the same way).
# debforge merges it with the generated systemd handling into the package's postinst,
# which runs under \`set -e\` with dpkg's arguments: "$1" is configure (or abort-upgrade,
# abort-remove, abort-deconfigure), "$2" the version upgraded from, empty on first install.

case "$1" in
	configure)
		# For example: install -d -m 0755 /var/lib/my-daemon
		;;
esac

# The generated part goes at the next line: it enables the units with deb-systemd-helper
# and starts or restarts them with deb-systemd-invoke, as debhelper does. Do not call
# systemctl enable, start or stop here yourself (\`debforge check\` warns about it).
#DEBFORGE#
`;
}

/**
 * The files of a new daemon folder of `kind` for the ROS package name `name`; a ros daemon is
 * written for `rosVersion` (the target profile's).
 */
export function scaffoldFiles(name: string, kind: DaemonKind, rosVersion: RosVersion = 1): ScaffoldFile[] {
  const names: Names = { name, dashed: name.replace(/_/g, '-') };
  const file = (path: string, content: string, mode = 0o644): ScaffoldFile => ({ path, content, mode });
  const files = [file('package.xml', packageXml(kind, rosVersion, names)), file('debian/postinst', postinst())];
  if (kind === 'ros') {
    files.push(
      file(`etc/${names.dashed}.service.in`, rosUnit(names, rosVersion, UNIT_HEADER(`etc/${names.dashed}.service.in`, `${names.dashed}.service`))),
      file(`files/${launchPath(names, rosVersion)}`, launchFile(names, rosVersion)),
      file('debian/lintian-overrides', rosLintianOverrides(names, rosVersion)),
    );
  } else {
    files.push(
      file(kind === 'user' ? `etc/user/${names.dashed}.service.in` : `etc/${names.dashed}.service.in`, programUnit(kind, names)),
      file(`files/usr/libexec/${names.dashed}/${names.dashed}`, program(names), 0o755),
    );
  }
  return files;
}
