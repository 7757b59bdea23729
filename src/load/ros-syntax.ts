/** The ROS syntax rules values from package.xml must meet before resolve maps them to Debian's. */

/**
 * A dependency key in package.xml: a ROS package name (REP 140/149: lower case letters, digits and
 * `_`) or a rosdep key (rosdep's rule files also use upper case, `-`, `.` and `+`, as in
 * `python3-ruamel.yaml` or `crypto++`). Nothing that means something in a relation field: no
 * space, comma, `|`, parenthesis, comparison or colon.
 */
export const DEPENDENCY_KEY = /^[A-Za-z0-9][A-Za-z0-9_.+-]*$/;

/** An email as REP 127 requires it: local@domain.tld, nothing a control file or shell could trip on. */
export const EMAIL = /^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/;
