import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { ProblemList } from '../errors.js';
import { displayPath } from '../load/index.js';
import { expandBloomTemplate, type BloomName } from '../load/bloom.js';
import { MAINTAINER_SCRIPTS, type Fragment, type HealthCheck, type MaintainerScript } from '../load/types.js';
import type { PackageSpec, ResolvedUnit } from '../resolve/types.js';
import { listLines, stripHandledCalls } from './systemctl.js';

// ejs is loaded on first use, with require: an ESM import of this CommonJS package makes Node
// scan its source for exports, which costs ~15 ms at every start; require costs ~3 ms.
type Ejs = typeof import('ejs');
let ejsModule: Ejs | undefined;
const ejs = (): Ejs => (ejsModule ??= createRequire(import.meta.url)('ejs') as Ejs);

const TEMPLATE_DIR = fileURLToPath(new URL('../../../debian-templates/', import.meta.url));
const FRAGMENT_TOKEN = '#DEBFORGE#';

/** Which units each generated snippet acts on; computed once from the resolved units. */
interface UnitGroups {
  system: {
    any: boolean;
    enable: string[];
    noEnable: string[];
    restart: string[];
    startOnly: string[];
    stopBeforeUpgrade: string[];
    stop: string[];
    managed: string[];
    /**
     * Units (instances) postinst health-checks after starting them, each started on its own (so
     * deb-systemd-invoke's exit status is the unit's), after the others; `restart` and
     * `startOnly` leave them out.
     */
    healthChecks: Array<{ unit: string; restartOnUpgrade: boolean } & HealthCheck>;
  };
  user: { enable: string[]; restart: string[]; startOnly: string[]; stopBeforeUpgrade: string[]; runtime: string[] };
  systemUser?: { name: string; home: string };
  package: string;
  version: string;
}

/** Single-quotes a word for sh; names are validated earlier, this is the second line of defence. */
function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * Sorts the units into what each snippet acts on. `withInstall` holds the install paths of the
 * units whose rendered text has an [Install] section (only those can be enabled).
 */
function groupUnits(spec: PackageSpec, withInstall: ReadonlySet<string>): UnitGroups {
  const system = spec.units.filter((u) => u.source.scope === 'system');
  const user = spec.units.filter((u) => u.source.scope === 'user');
  const installable = (u: ResolvedUnit): boolean => u.actOn.length > 0 && withInstall.has(u.installPath);
  const names = (units: ResolvedUnit[]): string[] => units.flatMap((u) => u.actOn);
  const started = system.filter((u) => u.options.start && u.actOn.length > 0);
  // User units run in every user's manager once enabled globally: only enabled ones are acted on.
  const userStarted = user.filter((u) => u.options.start && u.options.enable && installable(u));
  return {
    system: {
      any: system.length > 0,
      enable: names(system.filter((u) => u.options.enable && installable(u))),
      noEnable: names(system.filter((u) => !u.options.enable && installable(u))),
      restart: names(started.filter((u) => u.options.restartOnUpgrade && !u.healthCheck)),
      startOnly: names(started.filter((u) => !u.options.restartOnUpgrade && !u.healthCheck)),
      stopBeforeUpgrade: names(system.filter((u) => !u.options.restartOnUpgrade && u.actOn.length > 0)),
      stop: names(system.filter((u) => u.actOn.length > 0)),
      managed: names(system.filter(installable)),
      healthChecks: started.flatMap((u) => (u.healthCheck ? u.actOn.map((unit) => ({ unit, restartOnUpgrade: u.options.restartOnUpgrade, ...u.healthCheck! })) : [])),
    },
    user: {
      enable: names(user.filter((u) => u.options.enable && installable(u))),
      restart: names(userStarted.filter((u) => u.options.restartOnUpgrade)),
      startOnly: names(userStarted.filter((u) => !u.options.restartOnUpgrade)),
      stopBeforeUpgrade: names(userStarted.filter((u) => !u.options.restartOnUpgrade)),
      runtime: names(userStarted),
    },
    ...(spec.systemUser ? { systemUser: { name: spec.systemUser.name, home: spec.systemUser.home ?? `/var/lib/${spec.systemUser.name}` } } : {}),
    package: spec.package,
    version: spec.version,
  };
}

/** Whether a unit file's text has an [Install] section. */
export function hasInstallSection(unitText: string): boolean {
  return /^\s*\[Install\]\s*$/m.test(unitText);
}

function renderSnippet(script: MaintainerScript, groups: UnitGroups): string {
  const wanted: Record<MaintainerScript, boolean> = {
    preinst: groups.system.stopBeforeUpgrade.length > 0 || groups.user.stopBeforeUpgrade.length > 0,
    postinst: groups.system.any || groups.user.enable.length > 0 || groups.systemUser !== undefined,
    prerm: groups.system.stop.length > 0 || groups.user.runtime.length > 0,
    postrm: groups.system.any || groups.user.enable.length > 0,
  };
  if (!wanted[script]) return '';
  const data = { systemUser: undefined, ...groups, q: shellQuote };
  const body = ejs().render(readFileSync(`${TEMPLATE_DIR}${script}.ejs`, 'utf8'), data);
  const helpers = ['user-managers', 'health-check'].filter((name) => body.includes(`debforge_${name.replace('-', '_')} `));
  const helper = helpers.map((name) => ejs().render(readFileSync(`${TEMPLATE_DIR}${name}.ejs`, 'utf8'), data)).join('');
  return `${helper}# Generated by debforge for ${groups.package}: systemd handling (debhelper semantics).\n${body}# End of generated section.\n`;
}

const SHEBANG = /^#!\s*(\/bin\/sh|\/bin\/bash|\/usr\/bin\/env (sh|bash))\b.*$/;

/**
 * Merges the generated snippet with the team's fragment: at a `#DEBFORGE#` line, else after the
 * fragment (preinst, postinst) or before it (prerm, postrm). A fragment without the token runs in
 * a subshell so that an `exit 0` at its end cannot skip the generated part; it keeps "$@".
 */
function mergeScript(
  script: MaintainerScript,
  snippet: string,
  fragment: Fragment | undefined,
  fragmentFile: string,
  problems: ProblemList,
  ownUnits: ReadonlySet<string> = new Set(),
): string | undefined {
  if (!fragment) return snippet === '' ? undefined : `#!/bin/sh\nset -e\n\n${snippet}\nexit 0\n`;
  const lines = fragment.content.replace(/\r\n/g, '\n').split('\n');
  // Lines taken off the top (shebang, set -e), so problems still point at the fragment's own lines.
  let removed = 0;
  let shebang = '#!/bin/sh';
  if (lines[0]?.startsWith('#!')) {
    const match = SHEBANG.exec(lines[0]);
    if (!match) {
      problems.error(fragmentFile, `maintainer-script fragments must be sh or bash scripts, found "${lines[0]}"`, 1);
      return undefined;
    }
    shebang = match[1]!.endsWith('bash') || match[2] === 'bash' ? '#!/bin/bash' : '#!/bin/sh';
    lines.shift();
    removed++;
  }
  // The merged script sets -e itself, right after the shebang.
  if (lines[0]?.trim() === 'set -e') {
    lines.shift();
    removed++;
  }
  if (ownUnits.size > 0) {
    const stripped = stripHandledCalls(lines, ownUnits, removed + 1);
    if (stripped.removed.length > 0) {
      lines.splice(0, lines.length, ...stripped.lines);
      const which = stripped.removed.length === 1 ? 'line' : 'lines';
      problems.note(
        fragmentFile,
        `${which} ${listLines(stripped.removed)} (systemctl ${stripped.actions.join(', ')}) left out: the generated section does this for the package's units, keeping an admin's disable and never failing where systemd is not running`,
      );
    }
  }
  const tokenLines = lines.flatMap((line, index) => (line.trim() === FRAGMENT_TOKEN ? [index] : []));
  if (tokenLines.length > 1) {
    problems.error(fragmentFile, `${FRAGMENT_TOKEN} appears more than once: keep one`, tokenLines[1]! + removed + 1);
    return undefined;
  }
  let body: string;
  if (tokenLines.length === 1) {
    lines[tokenLines[0]!] = snippet.trimEnd();
    body = lines.join('\n');
  } else {
    const wrapped = `# The team's ${script} fragment (${fragment.file}), run with dpkg's arguments.\n(\n${lines.join('\n').trim()}\n)\n`;
    body = script === 'preinst' || script === 'postinst' ? `${wrapped}\n${snippet}` : `${snippet}\n${wrapped}`;
  }
  return `${shebang}\nset -e\n\n${body.trimEnd()}\n`;
}

/** The names a fragment may use for the package's system units (a template's instances included). */
export function ownSystemUnits(spec: PackageSpec): Set<string> {
  return new Set(spec.units.filter((u) => u.source.scope === 'system').flatMap((u) => [u.source.name, ...u.actOn]));
}

/** What bloom substitutes in its templates, for this profile. */
function bloomValues(spec: PackageSpec): Record<BloomName, string> {
  return { Name: spec.source.manifest.name, Package: spec.package, Version: spec.upstreamVersion, InstallationPrefix: spec.profile.installPrefix };
}

export function renderScripts(spec: PackageSpec, withInstall: ReadonlySet<string>, problems: ProblemList): Map<MaintainerScript, string> {
  const groups = groupUnits(spec, withInstall);
  const scripts = new Map<MaintainerScript, string>();
  const ownUnits = ownSystemUnits(spec);
  for (const script of MAINTAINER_SCRIPTS) {
    const found = spec.source.fragments.find((f) => f.script === script);
    const fragment = found?.bloom ? { ...found, content: expandBloomTemplate(found.content, bloomValues(spec)) } : found;
    const file = displayPath(spec.source.dir, fragment?.file ?? `debian/${script}`);
    const merged = mergeScript(script, renderSnippet(script, groups), fragment, file, problems, ownUnits);
    if (merged !== undefined) scripts.set(script, merged);
  }
  return scripts;
}

