/**
 * The parts of a `debforge new --kind ros` folder that differ with the profile's ROS version:
 * ROS 1 daemons roslaunch a launch file once ros-watchdog.service has seen the master; ROS 2
 * daemons have no master to wait for and `ros2 launch` theirs as part of the ROS 2 service tree.
 */

export type RosVersion = 1 | 2;

export interface Names {
  /** ROS package name, as given: `my_daemon`. */
  name: string;
  /** The name with `_` as `-`: unit, program and folder names (`my-daemon`). */
  dashed: string;
}

export function rosSynopsis(version: RosVersion): string {
  return version === 1
    ? 'ROS daemon that roslaunches its nodes once the ROS master answers.'
    : 'ROS 2 daemon that starts its nodes with ros2 launch as part of the ROS service tree.';
}

/** The launch file the unit starts, relative to the daemon folder's files/. */
export function launchPath({ name, dashed }: Names, version: RosVersion): string {
  return `usr/share/${dashed}/launch/${name}.launch${version === 1 ? '' : '.xml'}`;
}

export function rosBuildtool(version: RosVersion): string {
  return version === 1 ? 'catkin' : 'ament_cmake';
}

export function rosDepends(version: RosVersion): string {
  const common = `
  <!-- Run-time dependencies (exec_depend, depend) become Depends, resolved as rosdep does:
       a daemon folder next to this one (or built with it) to the package it builds, a package
       the profile's ROS distribution releases (${version === 1 ? 'ros-noetic-roslaunch on noetic' : 'ros-jazzy-ros2launch on jazzy'}), rosdep's system
       keys (eigen: libeigen3-dev), anything else through a rosdep.yaml beside this file.
       build_depend and test_depend never reach the robot. -->`;
  if (version === 1) {
    return `${common}
  <exec_depend>roslaunch</exec_depend>
  <!-- The unit needs ros-watchdog.service (Requires=): depend on the package shipping it, the
       ros_watchdog daemon folder (keep it beside this one, or build both together). -->
  <exec_depend>ros_watchdog</exec_depend>
`;
  }
  return `${common}
  <exec_depend>ros2launch</exec_depend>
  <!-- The unit is part of the ROS 2 service tree (ros.service and /etc/ros-env.conf) and waits
       for ros-network.service: depend on the daemon folders shipping them (keep them beside
       this one, or build them together). -->
  <exec_depend>ros2_service_tree</exec_depend>
  <exec_depend>ros_network</exec_depend>
`;
}

/** The daemon's `<debforge>`: it targets the ROS version it is written for. */
export function rosTarget(version: RosVersion): string {
  const other = version === 1 ? 2 : 1;
  return `    <debforge>
      <!-- Written for ROS ${version}: a folder of daemons built for a ROS ${other} profile skips it
           with a note, and naming it for one is an error. -->
      <target ros-version="${version}"/>
    </debforge>
`;
}

export function rosUnit({ name, dashed }: Names, version: RosVersion, header: string): string {
  const launch = `/${launchPath({ name, dashed }, version)}`;
  if (version === 1) {
    return `${header}
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
ExecStart=/bin/bash -c "source @ROS_SETUP@ && exec roslaunch --wait ${launch}"
Restart=always
RestartSec=5

[Install]
# The package enables the unit on first install (an admin's disable survives upgrades);
# enabled, it starts whenever ros-watchdog.service does.
WantedBy=ros-watchdog.service
`;
  }
  return `${header}
[Unit]
Description=${name} (ros2 launch, part of the ROS 2 service tree)
# ROS 2 has no master to wait for: the unit is part of the tree (\`systemctl stop ros\` stops
# it, \`systemctl start ros\` starts it again) and waits for the address of
# ROS_NETWORK_INTERFACE when /etc/ros-env.conf names one. Ordered after the discovery server
# when this machine runs one, without pulling it in.
PartOf=ros.service
Requires=ros-network.service
After=ros-network.service ros-discovery-server.service network.target

[Service]
# ROS_DOMAIN_ID, RMW_IMPLEMENTATION, discovery settings: one file for the whole tree, then
# what ros-network.service derived from the interface.
EnvironmentFile=/etc/ros-env.conf
EnvironmentFile=-/run/ros/network.env
User=ros
Group=ros
# ros2 launch writes its logs under ROS_HOME.
StateDirectory=ros
Environment=ROS_HOME=/var/lib/ros
# bash for \`source\`; exec, so that systemd supervises ros2 launch itself. Programs need
# absolute paths. ROS_SETUP is the profile's setup.bash.
ExecStart=/bin/bash -c "source @ROS_SETUP@ && exec ros2 launch ${launch}"
Restart=always
RestartSec=5

[Install]
# The package enables the unit on first install (an admin's disable survives upgrades):
# started with the tree, and again whenever ros-network.service has found the address.
WantedBy=ros.service ros-network.service
`;
}

export function launchFile({ name, dashed }: Names, version: RosVersion): string {
  const where = `files/${launchPath({ name, dashed }, version)}`;
  if (version === 1) {
    return `<!--
  ${where}: installed at /${launchPath({ name, dashed }, version)},
  the file the unit's roslaunch starts. List the nodes this daemon runs.
-->
<launch>
  <!-- <node pkg="my_package" type="my_node" name="my_node" output="screen"/> -->
</launch>
`;
  }
  return `<!--
  ${where}: installed at /${launchPath({ name, dashed }, version)},
  the file the unit's \`ros2 launch\` starts (a ROS 2 XML launch file). List the nodes this
  daemon runs, and add each node's package as an exec_depend in package.xml.
-->
<launch>
  <!-- <node pkg="demo_nodes_cpp" exec="talker" name="talker" output="screen"/> -->
</launch>
`;
}

export function rosLintianOverrides({ dashed }: Names, version: RosVersion): string {
  const intro = `# debian/lintian-overrides: shipped with the package; lintian wants a comment above
# each override saying why it is right.
`;
  const override = (target: string): string => `systemd-service-file-refers-to-unusual-wantedby-target ${target} [*/systemd/system/${dashed}.service]\n`;
  if (version === 1) {
    return `${intro}# Robot daemons hang off the watchdog by design: enabling the unit adds it to
# ros-watchdog.service.wants/, so it starts whenever the watchdog has seen the ROS master.
${override('ros-watchdog.service')}`;
  }
  return `${intro}# The daemon is part of the ROS 2 service tree: \`systemctl start ros\` starts it.
${override('ros.service')}# ros-network.service starts it again once the network address of the tree is known.
${override('ros-network.service')}`;
}
