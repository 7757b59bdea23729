/**
 * The files `debforge new` writes: a daemon folder that builds lintian-clean as it is, with
 * comments that teach the folder contract where a person will look for it.
 */

export type DaemonKind = 'ros' | 'user' | 'plain';
export const DAEMON_KINDS: readonly DaemonKind[] = ['ros', 'user', 'plain'];

interface ScaffoldFile {
  /** Path inside the daemon folder, `/`-separated. */
  path: string;
  content: string;
  mode: number;
}

interface Names {
  /** ROS package name, as given: `my_daemon`. */
  name: string;
  /** The name with `_` as `-`: unit, program and folder names (`my-daemon`). */
  dashed: string;
}

const SYNOPSIS: Record<DaemonKind, string> = {
  ros: 'ROS daemon that roslaunches its nodes once the ROS master answers.',
  user: 'User service run by the systemd manager of every user who logs in.',
  plain: 'System daemon started by systemd at boot.',
};

function packageXml(kind: DaemonKind, { name, dashed }: Names): string {
  const rosDepends =
    kind === 'ros'
      ? `
  <!-- Run-time dependencies (exec_depend, depend) become Depends, resolved as rosdep does:
       a daemon folder next to this one (or built with it) to the package it builds, a package
       the profile's ROS distribution releases (ros-noetic-roslaunch on noetic), rosdep's system
       keys (eigen: libeigen3-dev), anything else through a rosdep.yaml beside this file.
       build_depend and test_depend never reach the robot. -->
  <exec_depend>roslaunch</exec_depend>
  <!-- The unit needs ros-watchdog.service (Requires=): depend on the package shipping it, the
       ros_watchdog daemon folder (keep it beside this one, or build both together). -->
  <exec_depend>ros_watchdog</exec_depend>
`
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
    ${SYNOPSIS[kind]}

    Replace this text: say what the daemon does on the robot, what it needs and
    where its settings live.
  </description>
  <!-- Who answers for the package; the email is required and goes into the control file. -->
  <maintainer email="robotics@example.org">Robotics Team</maintainer>
  <license>Apache-2.0</license>

  <buildtool_depend>catkin</buildtool_depend>
${rosDepends}
  <export>
    <!-- What a convention cannot say goes in <debforge>; an unknown element there is an
         error, not ignored. Every element is optional, for example:
    <debforge>
      <unit name="${unitName}" enable="true" start="true" restart-on-upgrade="true"/>
      <depends>curl (>= 7.68)</depends>
      <section>misc</section>
      <architecture>amd64</architecture>  needed as soon as files/ holds compiled programs
      <system-user name="${name}"/>        created by postinst, kept on removal
    </debforge>
    -->
  </export>
</package>
`;
}

const UNIT_HEADER = (file: string, installed: string): string => `# ${file}: a systemd unit template. debforge installs it as ${installed}, with each
# variable written between two @ signs replaced for the target profile, comments included
# (\`debforge profiles\` lists them: ROS_SETUP, CMAKE_INSTALL_PREFIX, PROJECT_NAME, ...; an
# unknown one is an error naming its line). \${VAR} and %i-style specifiers are systemd's
# and pass through untouched. A unit file without .in is installed as it is.
`;

function rosUnit({ name, dashed }: Names): string {
  return `${UNIT_HEADER(`etc/${dashed}.service.in`, `${dashed}.service`)}
[Unit]
Description=${name} (roslaunch, held until the ROS master answers)
# Start only once ros-watchdog.service has seen the ROS master, stop when it loses the
# master (Requires= + After=), and come back with it (WantedBy= below).
Requires=ros-watchdog.service
After=ros-watchdog.service

[Service]
# ROS_MASTER_URI, ROS_IP and ROS_HOSTNAME of this robot, from the ROS service tree package.
EnvironmentFile=/etc/ros-env.conf
# bash for \`source\`; exec, so that systemd supervises roslaunch itself. Programs need
# absolute paths. ROS_SETUP is the profile's setup.bash (/dev/null where there is none).
ExecStart=/bin/bash -c "source @ROS_SETUP@ && exec roslaunch --wait /usr/share/${dashed}/launch/${name}.launch"
Restart=always
RestartSec=5

[Install]
# The package enables the unit on first install (an admin's disable survives upgrades);
# enabled, it starts whenever ros-watchdog.service does.
WantedBy=ros-watchdog.service
`;
}

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

function launchFile({ name, dashed }: Names): string {
  return `<!--
  files/usr/share/${dashed}/launch/${name}.launch: installed at /usr/share/${dashed}/launch/,
  the file the unit's roslaunch starts. List the nodes this daemon runs.
-->
<launch>
  <!-- <node pkg="my_package" type="my_node" name="my_node" output="screen"/> -->
</launch>
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

function lintianOverrides({ dashed }: Names): string {
  return `# debian/lintian-overrides: shipped with the package; lintian wants a comment above
# each override saying why it is right.
# Robot daemons hang off the watchdog by design: enabling the unit adds it to
# ros-watchdog.service.wants/, so it starts whenever the watchdog has seen the ROS master.
systemd-service-file-refers-to-unusual-wantedby-target ros-watchdog.service [*/systemd/system/${dashed}.service]
`;
}

/** The files of a new daemon folder of `kind` for the ROS package name `name`. */
export function scaffoldFiles(name: string, kind: DaemonKind): ScaffoldFile[] {
  const names: Names = { name, dashed: name.replace(/_/g, '-') };
  const file = (path: string, content: string, mode = 0o644): ScaffoldFile => ({ path, content, mode });
  const files = [file('package.xml', packageXml(kind, names)), file('debian/postinst', postinst())];
  if (kind === 'ros') {
    files.push(
      file(`etc/${names.dashed}.service.in`, rosUnit(names)),
      file(`files/usr/share/${names.dashed}/launch/${name}.launch`, launchFile(names)),
      file('debian/lintian-overrides', lintianOverrides(names)),
    );
  } else {
    files.push(
      file(kind === 'user' ? `etc/user/${names.dashed}.service.in` : `etc/${names.dashed}.service.in`, programUnit(kind, names)),
      file(`files/usr/libexec/${names.dashed}/${names.dashed}`, program(names), 0o755),
    );
  }
  return files;
}
