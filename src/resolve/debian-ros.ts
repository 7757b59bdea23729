import type { Profile } from './profiles.js';

/**
 * The ROS 1 packages Debian 12 bookworm itself ships (the binary packages of its `ros-*` source
 * packages), by ROS package name: what a key becomes on `debian-bookworm`, whose ROS is Debian's
 * own, and on `plain`, which targets the same Debian release. A key's package is the one a running
 * node needs: the Python module where there is one, else the tool or the shared library.
 * rosdistro has no distribution for this ROS, so this list is kept here, from the archive.
 */
const BOOKWORM: ReadonlyMap<string, string> = new Map([
  ['actionlib', 'python3-actionlib'],
  ['actionlib_msgs', 'python3-actionlib-msgs'],
  ['actionlib_tools', 'python3-actionlib-tools'],
  ['angles', 'python3-angles'],
  ['bond', 'python3-bond'],
  ['bondcpp', 'libbondcpp1d'],
  ['bondpy', 'python3-bondpy'],
  ['camera_calibration', 'python3-camera-calibration'],
  ['camera_calibration_parsers', 'python3-camera-calibration-parsers'],
  ['camera_info_manager', 'libcamera-info-manager0d'],
  ['catkin', 'catkin'],
  ['class_loader', 'libclass-loader3d'],
  ['cmake_modules', 'ros-cmake-modules'],
  ['collada_parser', 'libcollada-parser1d'],
  ['collada_urdf', 'libcollada-urdf1d'],
  ['cpp_common', 'libcpp-common0d'],
  ['cv_bridge', 'python3-cv-bridge'],
  ['depth_image_proc', 'libdepth-image-proc0d'],
  ['desktop', 'ros-desktop'],
  ['desktop_full', 'ros-desktop-full'],
  ['diagnostic_aggregator', 'libdiagnostic-aggregator1d'],
  ['diagnostic_analysis', 'python3-diagnostic-analysis'],
  ['diagnostic_common_diagnostics', 'python3-diagnostic-common-diagnostics'],
  ['diagnostic_msgs', 'python3-diagnostic-msgs'],
  ['diagnostic_updater', 'python3-diagnostic-updater'],
  ['dynamic_reconfigure', 'python3-dynamic-reconfigure'],
  ['eigen_stl_containers', 'libeigen-stl-containers-dev'],
  ['gencpp', 'python3-gencpp'],
  ['genlisp', 'python3-genlisp'],
  ['genmsg', 'python3-genmsg'],
  ['genpy', 'python3-genpy'],
  ['geometric_shapes', 'libgeometric-shapes5d'],
  ['geometry_msgs', 'python3-geometry-msgs'],
  ['image_geometry', 'python3-image-geometry'],
  ['image_proc', 'python3-image-proc'],
  ['image_publisher', 'python3-image-publisher'],
  ['image_rotate', 'python3-image-rotate'],
  ['image_transport', 'libimage-transport0d'],
  ['image_view', 'python3-image-view'],
  ['interactive_markers', 'python3-interactive-markers'],
  ['joint_state_publisher', 'joint-state-publisher'],
  ['joint_state_publisher_gui', 'joint-state-publisher-gui'],
  ['kdl_parser', 'libkdl-parser1d'],
  ['laser_geometry', 'python3-laser-geometry'],
  ['map_msgs', 'python3-map-msgs'],
  ['message_filters', 'python3-message-filters'],
  ['message_generation', 'ros-message-generation'],
  ['message_runtime', 'ros-message-runtime'],
  ['move_base_msgs', 'python3-move-base-msgs'],
  ['nav_msgs', 'python3-nav-msgs'],
  ['nodelet', 'python3-nodelet'],
  ['nodelet_topic_tools', 'python3-nodelet-topic-tools'],
  ['opencv_apps', 'python3-opencv-apps'],
  ['pcl_conversions', 'libpcl-conversions-dev'],
  ['pcl_msgs', 'python3-pcl-msgs'],
  ['pcl_ros', 'python3-pcl-ros'],
  ['pluginlib', 'pluginlib-dev'],
  ['polled_camera', 'python3-polled-camera'],
  ['python_qt_binding', 'python3-python-qt-binding'],
  ['random_numbers', 'librandom-numbers0d'],
  ['resource_retriever', 'python3-resource-retriever'],
  ['robot_state_publisher', 'ros-robot-state-publisher'],
  ['ros_base', 'ros-base'],
  ['ros_core', 'ros-core'],
  ['ros_environment', 'ros-environment'],
  ['rosbag', 'python3-rosbag'],
  ['rosbag_storage', 'librosbag-storage4d'],
  ['rosbash', 'rosbash'],
  ['rosboost_cfg', 'python3-rosboost-cfg'],
  ['rosbuild', 'rosbuild'],
  ['rosclean', 'python3-rosclean'],
  ['rosconsole', 'librosconsole3d'],
  ['rosconsole_bridge', 'librosconsole-bridge0d'],
  ['roscore', 'ros-core'],
  ['roscpp', 'libroscpp4d'],
  ['roscpp_serialization', 'libroscpp-serialization0d'],
  ['roscreate', 'python3-roscreate'],
  ['rosdiagnostic', 'rosdiagnostic'],
  ['rosgraph', 'python3-rosgraph'],
  ['rosgraph_msgs', 'python3-rosgraph-msgs'],
  ['roslaunch', 'python3-roslaunch'],
  ['roslib', 'python3-roslib'],
  ['roslisp', 'roslisp'],
  ['roslz4', 'python3-roslz4'],
  ['rosmake', 'python3-rosmake'],
  ['rosmaster', 'python3-rosmaster'],
  ['rosmsg', 'python3-rosmsg'],
  ['rosnode', 'python3-rosnode'],
  ['rosout', 'rosout'],
  ['rospack', 'librospack0d'],
  ['rosparam', 'python3-rosparam'],
  ['rospy', 'python3-rospy'],
  ['rosservice', 'python3-rosservice'],
  ['rostest', 'python3-rostest'],
  ['rostime', 'librostime1d'],
  ['rostopic', 'python3-rostopic'],
  ['rosunit', 'python3-rosunit'],
  ['roswtf', 'python3-roswtf'],
  ['rviz', 'rviz'],
  ['sensor_msgs', 'python3-sensor-msgs'],
  ['shape_msgs', 'python3-shape-msgs'],
  ['smclib', 'python3-smclib'],
  ['std_msgs', 'python3-std-msgs'],
  ['std_srvs', 'python3-std-srvs'],
  ['stereo_image_proc', 'python3-stereo-image-proc'],
  ['stereo_msgs', 'python3-stereo-msgs'],
  ['tf', 'python3-tf'],
  ['tf2', 'python3-tf2'],
  ['tf2_geometry_msgs', 'python3-tf2-geometry-msgs'],
  ['tf2_kdl', 'python3-tf2-kdl'],
  ['tf2_msgs', 'python3-tf2-msgs'],
  ['tf2_ros', 'python3-tf2-ros'],
  ['tf2_sensor_msgs', 'python3-tf2-sensor-msgs'],
  ['tf2_tools', 'tf2-tools'],
  ['tf_conversions', 'python3-tf-conversions'],
  ['topic_tools', 'python3-topic-tools'],
  ['trajectory_msgs', 'python3-trajectory-msgs'],
  ['urdf', 'liburdf1d'],
  ['visualization_msgs', 'python3-visualization-msgs'],
  ['xmlrpcpp', 'libxmlrpcpp3d'],
]);

/**
 * What Debian 13 trixie changed in that list, from its archive: the 64-bit time_t transition
 * renamed the C++ libraries whose ABI it touched (t64), and python_qt_binding (Qt 5) is gone.
 * Every other package keeps its bookworm name in trixie.
 */
const TRIXIE_CHANGES: ReadonlyMap<string, string | undefined> = new Map([
  ['camera_info_manager', 'libcamera-info-manager0t64'],
  ['image_transport', 'libimage-transport0t64'],
  ['python_qt_binding', undefined],
  ['rosbag_storage', 'librosbag-storage4t64'],
  ['roscpp', 'libroscpp4t64'],
  ['xmlrpcpp', 'libxmlrpcpp3t64'],
]);

const TRIXIE: ReadonlyMap<string, string> = new Map(
  [...BOOKWORM].flatMap(([key, name]): [string, string][] => {
    if (!TRIXIE_CHANGES.has(key)) return [[key, name]];
    const renamed = TRIXIE_CHANGES.get(key);
    return renamed === undefined ? [] : [[key, renamed]];
  }),
);

/** Debian's own ROS 1 of a Debian release: its version number and packages, by codename. */
const DEBIAN_ROS: ReadonlyMap<string, { release: string; packages: ReadonlyMap<string, string> }> = new Map([
  ['bookworm', { release: '12', packages: BOOKWORM }],
  ['trixie', { release: '13', packages: TRIXIE }],
]);

/**
 * Debian's own ROS for a profile: on a Debian release that has one, for the profiles that use it
 * (Debian's ROS, and no ROS at all), else undefined.
 */
export function debianRos(profile: Profile): { release: string; packages: ReadonlyMap<string, string> } | undefined {
  if (profile.os.id !== 'debian' || (profile.ros !== undefined && profile.ros.distro !== 'debian')) return undefined;
  return DEBIAN_ROS.get(profile.os.codename);
}
