import { ProblemList } from '../errors.js';
import { displayPath } from '../load/index.js';
import type { MaintainerScript } from '../load/types.js';
import type { PackageSpec } from '../resolve/types.js';
import { gzipMember } from '../gzip/member.js';
import { renderChangelog } from './changelog.js';
import { formatDescription, type ControlField } from '../debian/control.js';
import { renderCopyright } from './copyright.js';
import { checkOverlaps } from './overlap.js';
import { hasInstallSection, renderScripts } from './scripts.js';
import { substitute } from './substitute.js';

export { formatControl } from '../debian/control.js';

/** A file whose content debforge produced (a rendered unit or template, docs). */
interface GeneratedFile {
  path: string;
  content: Buffer;
  mode: number;
}

export interface RenderedPackage {
  spec: PackageSpec;
  /** Control fields without Installed-Size, which layout computes from the final tree. */
  controlFields: ControlField[];
  files: GeneratedFile[];
  scripts: Map<MaintainerScript, string>;
}

/** render: PackageSpec + templates -> rendered units, docs, control fields and maintainer scripts. */
export async function renderPackage(spec: PackageSpec, problems = new ProblemList(), options: { partial?: boolean } = {}): Promise<RenderedPackage | undefined> {
  const before = problems.errors.length;
  const files: GeneratedFile[] = [];
  const withInstall = new Set<string>();
  for (const unit of spec.units) {
    const text = loadedText(spec, unit.source.file, problems);
    if (text === undefined) continue;
    const content = unit.source.template ? substitute(text, spec.variables, displayPath(spec.source.dir, unit.source.file), problems) : text;
    files.push({ path: unit.installPath, content: Buffer.from(content, 'utf8'), mode: 0o644 });
    if (hasInstallSection(content)) withInstall.add(unit.installPath);
  }
  for (const entry of spec.payload) {
    if (entry.kind !== 'file' || (!entry.template && entry.pythonShebang === undefined)) continue;
    const text = loadedText(spec, entry.file, problems);
    if (text === undefined) continue;
    const substituted = entry.template ? substitute(text, spec.variables, displayPath(spec.source.dir, entry.file), problems) : text;
    // catkin_install_python points `#!/usr/bin/env python` at the target's Python, which has no `python`.
    const content = entry.pythonShebang === undefined ? substituted : substituted.replace(/^#![ \t]*\/[^\r\n]+\/env[ \t]+python(?=\r?\n)/, `#!${entry.pythonShebang}`);
    files.push({ path: entry.target, content: Buffer.from(content, 'utf8'), mode: entry.executable ? 0o755 : 0o644 });
  }
  files.push(...rosIndexFiles(spec));
  const docDir = `/usr/share/doc/${spec.package}`;
  const website = spec.homepage;
  files.push({
    path: `${docDir}/copyright`,
    content: Buffer.from(
      renderCopyright({
        upstreamName: spec.source.manifest.name,
        ...(website ? { source: website } : {}),
        holders: spec.copyrightHolders,
        licenses: spec.licenses,
        year: new Date(spec.sourceDateEpoch * 1000).getUTCFullYear(),
      }),
    ),
    mode: 0o644,
  });
  files.push({
    path: `${docDir}/changelog.Debian.gz`,
    // As `gzip -9n` writes it: no name, mtime 0, one deflate stream (src/gzip).
    content: gzipMember(
      Buffer.from(
        renderChangelog({
          package: spec.package,
          version: spec.version,
          distribution: spec.profile.suite ?? spec.profile.os.codename,
          maintainer: spec.maintainer,
          upstreamVersion: spec.upstreamVersion,
          epoch: spec.sourceDateEpoch,
        }),
      ),
      9,
    ),
    mode: 0o644,
  });
  files.push({ path: `/usr/share/lintian/overrides/${spec.package}`, content: Buffer.from(lintianOverrides(spec.package, spec)), mode: 0o644 });

  checkOverlaps(
    spec,
    [
      ...spec.units.map((unit) => ({ path: unit.installPath, what: `unit ${unit.source.name} (from ${unit.source.file})` })),
      { path: `${docDir}/copyright`, what: 'copyright file' },
      { path: `${docDir}/changelog.Debian.gz`, what: 'changelog' },
      { path: `/usr/share/lintian/overrides/${spec.package}`, what: 'lintian overrides' },
    ],
    problems,
  );
  const scripts = renderScripts(spec, withInstall, problems);
  if (problems.errors.length > before && !options.partial) return undefined;
  return { spec, controlFields: controlFields(spec), files, scripts };
}

/**
 * What makes an installed package a ROS package: rospack, rospkg and roslaunch find
 * `<prefix>/share/<name>/package.xml` (catkin installs it there); ROS 2's ament index lists
 * `<prefix>/share/ament_index/resource_index/packages/<name>` (an empty marker), which
 * `ros2 launch` and `ros2 pkg` look up. A payload that ships either path itself keeps its own.
 */
function rosIndexFiles(spec: PackageSpec): GeneratedFile[] {
  const ros = spec.profile.ros;
  if (!ros) return [];
  const name = spec.source.manifest.name;
  const prefix = spec.profile.installPrefix;
  const shipped = new Set(spec.payload.map((p) => p.target));
  const files: GeneratedFile[] = [];
  const manifestPath = `${prefix}/share/${name}/package.xml`;
  if (!shipped.has(manifestPath)) {
    files.push({ path: manifestPath, content: spec.source.manifestBytes, mode: 0o644 });
  }
  const marker = `${prefix}/share/ament_index/resource_index/packages/${name}`;
  if (ros.version === 2 && !shipped.has(marker)) files.push({ path: marker, content: Buffer.alloc(0), mode: 0o644 });
  return files;
}

/**
 * The text load read for `file` (render reads nothing of the daemon folder); undefined, with the
 * reason reported unless load reported it, when load could not read it.
 */
function loadedText(spec: PackageSpec, file: string, problems: ProblemList): string | undefined {
  const loaded = spec.source.texts.get(file);
  if (loaded !== undefined && 'text' in loaded) return loaded.text;
  const display = displayPath(spec.source.dir, file);
  if (loaded === undefined) problems.error(display, 'is rendered, but was not read with the daemon folder: a debforge bug, please report it');
  else if (!loaded.reported) problems.error(display, loaded.unreadable);
  return undefined;
}

function controlFields(spec: PackageSpec): ControlField[] {
  const fields: ControlField[] = [
    ['Package', spec.package],
    ['Version', spec.version],
    ['Architecture', spec.architecture],
    ['Maintainer', spec.maintainer],
  ];
  const relationNames: Record<string, string> = {
    'pre-depends': 'Pre-Depends',
    depends: 'Depends',
    recommends: 'Recommends',
    suggests: 'Suggests',
    conflicts: 'Conflicts',
    breaks: 'Breaks',
    replaces: 'Replaces',
    provides: 'Provides',
  };
  const relations = { ...spec.relations };
  if (spec.systemUser) relations.depends = [...(relations.depends ?? []), 'adduser'];
  for (const [field, values] of Object.entries(relations)) {
    if (values && values.length > 0) fields.push([relationNames[field]!, values.join(', ')]);
  }
  fields.push(['Section', spec.section], ['Priority', spec.priority]);
  if (spec.homepage) fields.push(['Homepage', spec.homepage]);
  fields.push(['Description', formatDescription(spec.synopsis, spec.paragraphs)]);
  return fields;
}

/**
 * Lintian overrides debforge ships, each with the reason beside it, as lintian's documentation
 * asks. Every package gets the changelog one; user units with a runtime action get the second.
 */
function lintianOverrides(packageName: string, spec: PackageSpec): string {
  const lines = [
    '# The changelog is generated from package.xml, not from a Debian upload: there is no Debian',
    '# bug report for a first release of a robot daemon to close.',
    `${packageName}: initial-upload-closes-no-bugs`,
  ];
  const userRuntime = spec.units.some((u) => u.source.scope === 'user' && u.options.start && u.options.enable && u.actOn.length > 0);
  if (userRuntime) {
    lines.push(
      '# deb-systemd-invoke --user exists only from init-system-helpers 1.66 on; on older releases the',
      '# maintainer scripts start, restart and stop user units in running user managers with',
      '# `systemctl --user --machine=USER@`, which is what deb-systemd-invoke --user does itself.',
      `${packageName}: maintainer-script-calls-systemctl`,
    );
  }
  const prefix = spec.profile.installPrefix;
  if (prefix.startsWith('/opt/') && (spec.profile.ros !== undefined || spec.payload.some((p) => p.target.startsWith(`${prefix}/`)))) {
    lines.push(
      `# ROS binary distributions install every package under ${prefix}, the prefix catkin's`,
      '# install rules are relative to, as all of that distribution\'s packages do; ROS tools find',
      '# the package by the package.xml installed there.',
      `${packageName}: dir-or-file-in-opt [${prefix.slice(1).split('/')[0]}/*]`,
    );
  }
  for (const program of programsWithoutManPage(spec)) {
    lines.push(
      `# ${program} is a daemon program started by its systemd unit, not a command people run;`,
      '# its --help and the unit file document it.',
      `${packageName}: no-manual-page [${program.slice(1)}]`,
    );
  }
  if (spec.source.lintianOverrides) lines.push("# The daemon folder's own overrides (debian/lintian-overrides):", spec.source.lintianOverrides.trimEnd());
  return `${lines.join('\n')}\n`;
}

/** Programs in bin/sbin folders whose package ships no man page for them. */
function programsWithoutManPage(spec: PackageSpec): string[] {
  const targets = spec.payload.map((p) => p.target);
  return spec.payload
    .filter((p) => p.kind !== 'directory' && /^\/usr\/s?bin\/[^/]+$|^\/s?bin\/[^/]+$/.test(p.target))
    .map((p) => p.target)
    .filter((program) => {
      const name = program.slice(program.lastIndexOf('/') + 1);
      return !targets.some((t) => new RegExp(`^/usr/share/man/man[18]/${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.[18](\\.gz)?$`).test(t));
    });
}
