export const MAIN_HELP = `debforge: build Debian packages for robot daemons from catkin daemon folders

Usage: debforge <command> [options]

Commands:
  build <path>...      build .deb packages (into dist/ by default)
  check <path>...      validate everything, write nothing, list every problem
  inspect <file.deb>   show control fields, scripts, conffiles and the file list
  new <name>           scaffold a daemon folder (daemons/<name>/) that builds as is
  profiles             list the built-in target profiles and their variables
  repo <deb-or-dir>... --out DIR
                       create or update a signed APT repository from .deb files
  repo prune --out DIR --keep N
                       drop the versions of each package beyond the newest N
  repo phase PACKAGE VERSION|latest PERCENT --out DIR
                       phase a published version out to PERCENT% of robots

<path> is a daemon folder (with package.xml) or a folder of daemon folders.
A debforge.yaml at the repository root (the project config, docs/config.md)
sets defaults for every command; the command line overrides it.
Run \`debforge <command> --help\` for a command's options.
Exit status: 0 success, 1 an input or build failed, 2 usage error.
`;

export const BUILD_HELP = `Usage: debforge build <path>... [options]

Builds <out>/<package>_<version>_<arch>.deb for every daemon folder and profile.
Prints the paths written (or JSON with --json, see docs/json.md) on stdout; problems and one
line per package written on stderr. When stderr is a terminal, each package being compressed
also shows a line redrawn in place: bytes compressed of the total, rate and time left (no
colour when NO_COLOR is set).

Options:
  --out DIR               output folder (default: dist)
  --profile NAME          target profile, repeatable (default: the project config's profiles,
                          else noetic; see \`debforge profiles\`)
  --define NAME=VALUE     add or override a template variable, repeatable
  --revision N            Debian revision appended to the version (default: 1);
                          debian-bookworm and debian-trixie add +deb12 and
                          +deb13 to it (x_1.0.0-1+deb12_all.deb), so that they
                          and plain, which name packages alike, never write
                          one file
  --maintainer "NAME <EMAIL>"
                          Maintainer of every package and signer of its changelog,
                          instead of package.xml's first <maintainer>
  --compression KIND      gzip (default), xz, zstd (dpkg on Debian 12 and Ubuntu 20.04 and
                          later; refused for older targets), none, or distribution: what the
                          profile's distribution uses (zstd on jammy and noble, xz on focal
                          and Debian; see \`debforge profiles\`)
  --jobs N                compression threads and packages built at once (default: cores)
  --json                  print the packages written as JSON (docs/json.md)
  -q, --quiet             print only problems on stderr (no progress, no per-package lines)
  --rosdistro DIR         resolve dependency keys against this ros/rosdistro checkout instead of
                          the index shipped with debforge (default: $DEBFORGE_ROSDISTRO)
  --arch A                build only architecture A of folders with files-<arch>/ folders
                          (repeatable, or comma-separated: --arch amd64,arm64; default: every
                          architecture a folder provides); other folders are built as
                          Architecture: all or their declared <architecture> whatever it says
  -h, --help              show this help

A folder with files-<arch>/ folders (files-amd64/, files-arm64/, ...) gives one package per
architecture: files/ plus that files-<arch>/, with @DEB_HOST_ARCH@ and @DEB_HOST_MULTIARCH@
(x86_64-linux-gnu, aarch64-linux-gnu, ...) set for it. Every ELF file must be built for its
package's architecture (class, byte order, machine); one that is not is an error naming it.

Dependency keys resolve as bloom and rosdep do: the folder's rosdep.yaml, a daemon folder beside
it or in the same run, a package the profile's ROS distribution releases (ros-<distro>-<name>;
Debian's own on debian-bookworm and debian-trixie), rosdep's rules for the profile's OS release, then the local
rosdep YAML files listed in /etc/ros/rosdep/sources.list.d/*.list ($DEBFORGE_ROSDEP_SOURCES
names another folder). A key found nowhere, or installed only by pip, is an error.

Reproducible: set SOURCE_DATE_EPOCH for the build date (default: the daemon's last git commit).
Warnings and notes (file:line: note: ...) say what was read differently from catkin, such as
systemctl lines left out of a fragment; each distinct one is printed once.
A placeholder maintainer in package.xml (user@todo.todo, root, root@localhost) is an error unless
--maintainer, or DEBFULLNAME and DEBEMAIL as dch reads them (DEBEMAIL may be "Name <email>";
NAME and EMAIL are the fallbacks), give the real one; the environment never replaces a real one.

The project config, the first debforge.yaml found walking up from the daemon folders (up to the
repository root, the folder holding .git), gives what the command line leaves out: profiles
(and custom profiles such as a team's /opt/acme layout), revision, maintainer, compression,
architectures, extra rosdep files and the default health check; see docs/config.md. A mistake in
it is an error at debforge.yaml:line and nothing is built.

A daemon whose package.xml names its targets (<target ros-version="1"/>, <target
profile="..."/>, or a format 3 <debforge condition="...">) is skipped with a note for the other
profiles when it is found inside a folder given (debforge build daemons); named itself, it is an
error for a profile it does not target.
`;

export const CHECK_HELP = `Usage: debforge check <path>... [options]

Loads, resolves and renders every daemon without writing anything, and lists every
problem as file:line: message on stderr. Exit 1 if any error was found; otherwise stdout
says what was checked (checked N daemon folders for M profiles (names): no problems).

It also warns (file:line: warning: message, exit status unchanged) about what builds
but will hurt on a robot: a debian/ fragment calling systemctl on units the package does
not ship (calls on its own units are left out of the script, with a note), an Exec*= program that is not an absolute path, a unit without [Install] that no unit
pulls in, an EnvironmentFile= (without a leading -) that no checked package ships, and
a symlink or empty folder under files/etc/ (not a conffile), files that no install rule
of a catkin CMakeLists.txt installs, and an ELF file needing a shared library (NEEDED)
that no dependency is known to provide. The daemons given are
checked as one set: give them all (e.g. \`debforge check daemons/\`).

Options:
  --profile NAME          target profile, repeatable (default: the project config's
                          profiles, else noetic)
  --define NAME=VALUE     add or override a template variable, repeatable
  --maintainer "NAME <EMAIL>"
                          check as if this were the maintainer (as build does)
  --tag TAG               also require every daemon's package.xml version to equal
                          the release tag (v1.2.0 or 1.2.0)
  --rosdistro DIR         resolve dependency keys against this ros/rosdistro checkout
                          (default: $DEBFORGE_ROSDISTRO, else the index shipped with debforge)
  --arch A                check only architecture A of folders with files-<arch>/ folders
                          (repeatable or comma-separated; default: every one they provide)
  --json                  print the folders, profiles and problems as JSON (docs/json.md)
  -q, --quiet             print only the problems (no line saying what was checked)
  -h, --help              show this help
`;

export const INSPECT_HELP = `Usage: debforge inspect <file.deb> [--json]

Shows a package's control fields, maintainer scripts, conffiles and files
(mode, owner, size, path). Control characters are shown escaped (\\x1b). An entry
that would be unpacked outside the root (.., an absolute path, a path through
a symlink, a hard link out of the package) is marked and reported on stderr,
and the exit status is 1. Only regular files are read; a malformed package, a
control file dpkg would refuse (a field twice, a second stanza, a # comment
line) or a decompression bomb is refused with a one-line error.

Options:
  --json                  print as JSON (docs/json.md)
  -h, --help              show this help
`;

export const PROFILES_HELP = `Usage: debforge profiles [--json]

Lists the built-in target profiles (ROS distro + OS release), the template
variables each one defines, and its status: rosdistro's distribution_status
for a ROS distribution (active, end-of-life, rolling), "debian" for Debian's
own ROS (maintained with its Debian release), "no-ros" for plain. Then the
custom profiles of the project config found from the current folder
(debforge.yaml, see docs/config.md); (default) marks what build and check use
when no --profile is given. A build or check for an end-of-life distribution
prints one note per run and profile.

Options:
  --json                  print as JSON
  -h, --help              show this help
`;

export const REPO_HELP = `Usage: debforge repo <deb-or-dir>... --out DIR [options]
       debforge repo prune --out DIR --keep N [options]
       debforge repo phase PACKAGE VERSION|latest PERCENT --out DIR [options]

Creates or updates a static APT repository in DIR that any web server can host:
  pool/<component>/<prefix>/<source>/<package>_<version>_<arch>.deb
  dists/<suite>/<component>/binary-<arch>/Packages (.gz, .xz); binary-all for
    Architecture: all packages, read by robots of every architecture
  dists/<suite>/Release, InRelease, Release.gpg
  archive-keyring.gpg, archive-keyring.asc (the signing keys' public halves)
Folders are searched for .deb files (a folder named prune or phase is given as
./prune or ./phase). Earlier versions stay published, the newest 3 of each
package and architecture unless --keep says otherwise, so a robot can go back
with apt-get install PACKAGE=VERSION; older ones leave the index, and their pool
files go once no index names them. A different file for a name/version/
architecture already published is refused, and so is a control file with a
field given twice, a malformed field name, a second stanza, a # comment line
or control characters. Prints the Release file of each suite.

What was read from each .deb is remembered in DIR/.debforge-cache.json, so a run
reads only new or changed files (a file is known by its inode, size, mtime and
ctime; a damaged cache is ignored and rebuilt).

One run at a time per DIR: a second run waits for the first (flock on DIR).
Everything new is written and signed in DIR/.debforge-staging first, then
renamed into place: pool files, indexes, Release/InRelease, then pool files no
longer listed, so a robot reading meanwhile sees the old repository or the new
one. A run that fails (a wrong passphrase, say) leaves DIR as it was.

Commands:
  prune                   drop the versions beyond --keep N of each package
                          from the indexes and the pool (see repo prune --help)
  phase                   set the Phased-Update-Percentage of a published
                          version without rebuilding (see repo phase --help)

Options:
  --out DIR               repository folder (required)
  --suite S               suite for every package (default: each package's own,
                          the profile's codename: focal, jammy, noble,
                          resolute, bookworm, trixie)
  --component C           component (default: main)
  --sign-key KEY          gpg key ID or fingerprint in the keyring (GNUPGHOME is
                          honoured), a file holding the secret key, or env:NAME
                          for an environment variable holding it (armored); a
                          passphrase comes from DEBFORGE_SIGN_PASSPHRASE. Without
                          it the repository is unsigned (a warning says so).
                          Repeat it during a key rotation: InRelease and
                          Release.gpg then carry one signature per key, and
                          robots that trust any one of the keys accept them
  --keep N                versions kept per package and architecture in each
                          suite this run changes (default: the project config's
                          repo keep, else 3; all keeps every
                          version); a given version older than those is not
                          published (a warning says so)
  --phase [PKG=]PERCENT   Phased-Update-Percentage of the versions this run adds
                          (of PKG only, repeatable): apt upgrades about PERCENT%
                          of robots to them; raise it later with repo phase
  --arch A                also list architecture A, with its own index (repeatable,
                          or comma-separated: --arch amd64,arm64; Architecture: all
                          packages are listed once, under all, which apt reads on
                          every architecture)
  --origin NAME           Origin of a new suite (default: debforge): one line of
                          printable characters, no control characters
  --label NAME            Label of a new suite (default: the Origin), the same
  --lock-wait SECONDS     how long to wait for another run on DIR (default: 600)
  --json                  print the packages, suites, dropped versions and
                          removed pool files as JSON
  -q, --quiet             print on stderr only warnings and errors, not what was
                          read, added and removed (the Release files still go to
                          stdout)
  -h, --help              show this help
`;

export const REPO_PRUNE_HELP = `Usage: debforge repo prune --out DIR --keep N [options]

Drops from the indexes of every suite of the repository in DIR (or --suite's)
the versions of each package and architecture beyond the newest N, and removes
their pool files once no index of any suite names them. Only the indexes, the
Release files (signed again) and those pool files change, staged and renamed
into place under the repository lock like a publish: the new Release first,
then the pool files it no longer names.

Options:
  --out DIR               repository folder (required)
  --keep N                versions to keep of each package and architecture
                          (required unless the project config's repo keep,
                          found from the current folder, gives it; all keeps
                          every version)
  --suite S               only this suite (default: every suite)
  --component C           component (default: main)
  --sign-key KEY          as for repo (repeatable); a signed suite is refused
                          without one, rather than left unsigned
  --lock-wait SECONDS     how long to wait for another run on DIR (default: 600)
  --json                  print the suites, dropped versions and removed pool
                          files as JSON
  -q, --quiet             print on stderr only warnings and errors, not what was
                          read, added and removed (the Release files still go to
                          stdout)
  -h, --help              show this help
`;

export const REPO_PHASE_HELP = `Usage: debforge repo phase PACKAGE VERSION|latest PERCENT --out DIR [options]

Sets Phased-Update-Percentage of PACKAGE VERSION (every architecture; latest:
the newest each suite lists) in every suite of DIR that lists it (or --suite's),
without rebuilding: only the indexes and the Release files (signed again)
change. apt 2.1.16 and later (Debian 12 and 13, Ubuntu 22.04 and later) then
upgrades an installed PACKAGE to that version on about PERCENT% of machines,
chosen by their /etc/machine-id; 100 removes the field, and every robot takes
it. Ubuntu 20.04's apt ignores the field. docs/fleet.md has the details.

Options:
  --out DIR               repository folder (required)
  --suite S               only this suite (default: every suite that lists it)
  --component C           component (default: main)
  --sign-key KEY          as for repo (repeatable); a signed suite is refused
                          without one, rather than left unsigned
  --lock-wait SECONDS     how long to wait for another run on DIR (default: 600)
  --json                  print the versions phased and the suites as JSON
  -q, --quiet             print on stderr only warnings and errors, not what was
                          read, added and removed (the Release files still go to
                          stdout)
  -h, --help              show this help
`;

export const NEW_HELP = `Usage: debforge new <name> [--kind ros|user|plain] [--profile NAME] [--dir DIR]

Scaffolds DIR/<name>/, a daemon folder that builds lintian-clean as it is, with
comments that explain the folder contract. <name> is a ROS package name (lower
case letters, digits and _). An existing folder is never overwritten.

Kinds:
  ros      (default) a system unit for the profile's ROS version. ROS 1: it
           roslaunches a launch file once the ROS master answers (Requires= and
           After= ros-watchdog.service). ROS 2: it runs \`ros2 launch\` of an XML
           launch file as part of the ROS 2 service tree (PartOf=ros.service,
           after ros-network.service and the discovery server)
  user     a user unit (etc/user/), run by every user's systemd manager
  plain    a system service without ROS

Options:
  --kind KIND             ros, user or plain
  --profile NAME          the profile the daemon is for (default: the project
                          config's first profile, else noetic); the ros kind
                          follows its ROS version
  --dir DIR               parent folder (default: daemons)
  -q, --quiet             print only the folder written (stdout), not what it
                          holds and what to do next
  -h, --help              show this help
`;
