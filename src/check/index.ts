import path from 'node:path';
import { ProblemList, type Problem } from '../errors.js';
import { displayPath } from '../load/index.js';
import type { UnitScope } from '../load/types.js';
import type { RenderedPackage } from '../render/index.js';
import { ownSystemUnits } from '../render/scripts.js';
import { listLines, stripHandledCalls } from '../render/systemctl.js';
import type { PackageSpec, ResolvedUnit } from '../resolve/types.js';
import { parseUnitFile, valuesOf, type ParsedUnit } from './unit-file.js';
import { checkSharedLibraries } from './shared-libraries.js';

export { findCollisions } from './collisions.js';

/**
 * `debforge check`'s warnings: what builds but will hurt on a robot. A pure function of the whole
 * checked set (every daemon given to one `check`), because whether a unit is pulled in or an
 * EnvironmentFile= is shipped depends on the other packages too.
 */
export function checkPackages(packages: readonly RenderedPackage[], options: { complete?: boolean } = {}): Problem[] {
  // When a daemon of the set failed to load, what it ships and pulls in is unknown: the warnings
  // that depend on the other packages would be guesses, so only the per-package ones are given.
  const complete = options.complete ?? true;
  const problems = new ProblemList();
  const units = packages.flatMap((rendered) => renderedUnits(rendered));
  const shipped = shippedPaths(packages);
  const pulledIn = pulledInUnits(units);
  for (const rendered of packages) checkFragments(rendered.spec, problems);
  for (const unit of units) {
    checkExec(unit, problems);
    if (!complete) continue;
    checkEnvironmentFiles(unit, shipped, problems);
    checkInstall(unit, pulledIn, problems);
  }
  for (const rendered of packages) checkEtc(rendered.spec, problems);
  // Whether another package of the set ships a library is known only when the set is complete.
  if (complete) problems.items.push(...checkSharedLibraries(packages));
  // In file order, then line order, as a person fixes them.
  return problems.items.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : (a.line ?? 0) - (b.line ?? 0)));
}

interface CheckedUnit {
  resolved: ResolvedUnit;
  name: string;
  scope: UnitScope;
  /** The source file as messages name it (`daemons/x/etc/x.service.in`). */
  file: string;
  parsed: ParsedUnit;
}

/** The units as installed (templates substituted): substitution keeps lines, so lines are the source's. */
function renderedUnits(rendered: RenderedPackage): CheckedUnit[] {
  const { spec } = rendered;
  return spec.units.map((resolved) => {
    const content = rendered.files.find((f) => f.path === resolved.installPath)?.content.toString('utf8') ?? '';
    return {
      resolved,
      name: resolved.source.name,
      scope: resolved.source.scope,
      file: displayPath(spec.source.dir, resolved.source.file),
      parsed: parseUnitFile(content),
    };
  });
}

/** Every file and symlink path the checked set installs. */
function shippedPaths(packages: readonly RenderedPackage[]): Set<string> {
  const paths = new Set<string>();
  for (const { spec, files } of packages) {
    for (const entry of spec.payload) if (entry.kind !== 'directory') paths.add(entry.target);
    for (const file of files) paths.add(file.path);
  }
  return paths;
}

const SYSTEMCTL_ACTIONS = [
  'enable', 'disable', 'reenable', 'preset', 'mask', 'unmask', 'start', 'stop', 'restart', 'try-restart',
  'reload', 'reload-or-restart', 'try-reload-or-restart', 'isolate', 'kill',
];
const SYSTEMCTL_CALL = new RegExp(
  `(?:^|[\\s;&|(\`])(?:/usr)?(?:/s?bin/)?systemctl(?:\\s+-{1,2}[A-Za-z][\\w-]*(?:=\\S+)?)*\\s+(${SYSTEMCTL_ACTIONS.join('|')})(?=$|[\\s;&|)\`])`,
);

/**
 * A team fragment that enables, starts or stops units itself fights the generated handling. The
 * calls build leaves out (render notes them) are not repeated here; the others get one warning
 * per fragment.
 */
function checkFragments(spec: PackageSpec, problems: ProblemList): void {
  const ownUnits = ownSystemUnits(spec);
  for (const fragment of spec.source.fragments) {
    const file = displayPath(spec.source.dir, fragment.file);
    const lines = fragment.content.replace(/\r\n/g, '\n').split('\n');
    const leftOut = new Set(ownUnits.size > 0 ? stripHandledCalls(lines, ownUnits, 1).removed : []);
    const calls: { line: number; action: string }[] = [];
    lines.forEach((text, index) => {
      const call = SYSTEMCTL_CALL.exec(text.replace(/(^|\s)#.*$/, ''));
      if (call && !leftOut.has(index + 1)) calls.push({ line: index + 1, action: call[1]! });
    });
    if (calls.length === 0) continue;
    const actions = [...new Set(calls.map((c) => c.action))].join(', ');
    problems.warn(
      file,
      `${calls.length === 1 ? 'line' : 'lines'} ${listLines(calls.map((c) => c.line))} ${calls.length === 1 ? 'calls' : 'call'} systemctl ${actions} on units the package does not ship, or in a form debforge cannot leave out: they fail where systemd is not running and can undo an admin's disable; let a unit pull the other in (Wants=), or use deb-systemd-invoke ... || true`,
      calls[0]!.line,
    );
  }
}

const EXEC_KEYS = ['ExecStart', 'ExecStartPre', 'ExecStartPost', 'ExecCondition', 'ExecReload', 'ExecStop', 'ExecStopPost'];

/** The program of an Exec*= line: its special prefixes (@ - : + ! |) and quotes removed. */
export function execProgram(value: string): string | undefined {
  const rest = value.replace(/^[@\-:+!|]+/, '');
  if (rest === '') return undefined;
  const quote = rest[0];
  if (quote === '"' || quote === "'") {
    const end = rest.indexOf(quote, 1);
    return end < 0 ? rest.slice(1) : rest.slice(1, end);
  }
  return rest.split(/\s/)[0];
}

function checkExec(unit: CheckedUnit, problems: ProblemList): void {
  for (const entry of unit.parsed.entries) {
    if (!EXEC_KEYS.includes(entry.key)) continue;
    const program = execProgram(entry.value);
    // Absolute, or a specifier (%h/bin/x) systemd expands to one.
    if (program === undefined || program.startsWith('/') || program.startsWith('%')) continue;
    const why = program.includes('/')
      ? 'a relative path, which systemd refuses'
      : 'not an absolute path: systemd looks it up only in its fixed search path (/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin), never in the ROS prefix or $PATH, and systemd before 239 refuses it';
    problems.warn(unit.file, `${entry.key}= runs "${program}", ${why}; write the absolute path of the program`, entry.line);
  }
}

/** EnvironmentFile= without `-` makes the unit fail to start while the file is missing. */
function checkEnvironmentFiles(unit: CheckedUnit, shipped: ReadonlySet<string>, problems: ProblemList): void {
  for (const entry of unit.parsed.entries) {
    if (entry.key !== 'EnvironmentFile') continue;
    const value = entry.value;
    // Optional (-), reset (empty), or a specifier or glob that only the robot can expand.
    if (value === '' || value.startsWith('-') || !value.startsWith('/') || /[%*?[]/.test(value)) continue;
    if (shipped.has(path.posix.normalize(value))) continue;
    problems.warn(
      unit.file,
      `EnvironmentFile=${value} is shipped by no package in the checked set, and systemd refuses to start ${unit.name} while it is missing: ship it (files${value}, in this package or one checked with it), or write EnvironmentFile=-${value} if it is optional`,
      entry.line,
    );
  }
}

/** Unit settings through which one unit pulls in (or groups) another. */
const PULLING_KEYS: Record<string, readonly string[]> = {
  Unit: ['Wants', 'Requires', 'Requisite', 'BindsTo', 'PartOf', 'Upholds', 'OnFailure', 'OnSuccess'],
  Install: ['WantedBy', 'RequiredBy', 'UpheldBy', 'Also'],
};

/** The units each scope's units pull in, by dependency or activation; a unit never counts for itself. */
function pulledInUnits(units: readonly CheckedUnit[]): Map<string, Set<string>> {
  const pulled = new Map<string, Set<string>>();
  for (const unit of units) {
    const names = new Set<string>();
    for (const [section, keys] of Object.entries(PULLING_KEYS)) {
      for (const key of keys) for (const entry of valuesOf(unit.parsed, section, key)) for (const name of entry.value.split(/\s+/)) names.add(name);
    }
    const dot = unit.name.lastIndexOf('.');
    const stem = unit.name.slice(0, dot);
    const suffix = unit.name.slice(dot + 1);
    // Activation: foo.socket starts foo.service (foo@.service with Accept=yes), timers and paths Unit=.
    if (suffix === 'socket') {
      const service = valuesOf(unit.parsed, 'Socket', 'Service').at(-1)?.value;
      const accept = /^(yes|true|on|1)$/i.test(valuesOf(unit.parsed, 'Socket', 'Accept').at(-1)?.value ?? '');
      names.add(service ?? (accept ? `${stem}@.service` : `${stem}.service`));
    } else if (suffix === 'timer' || suffix === 'path') {
      const section = suffix === 'timer' ? 'Timer' : 'Path';
      names.add(valuesOf(unit.parsed, section, 'Unit').at(-1)?.value ?? `${stem}.service`);
    }
    names.delete(unit.name);
    const key = unit.scope;
    const set = pulled.get(key) ?? new Set<string>();
    for (const name of names) {
      if (name === '') continue;
      set.add(name);
      // An instance (x@a.service) pulls in its template's unit file (x@.service).
      const instance = /^([^@]+)@[^.]*\.([a-z]+)$/.exec(name);
      if (instance) set.add(`${instance[1]}@.${instance[2]}`);
    }
    pulled.set(key, set);
  }
  return pulled;
}

/**
 * A unit without [Install] is never enabled; unless another unit pulls it in, it never starts.
 * Templates are instantiated by name (by hand, by udev, by other units) and are left alone, except
 * when package.xml names instances to enable: those need [Install] too.
 */
function checkInstall(unit: CheckedUnit, pulledIn: ReadonlyMap<string, ReadonlySet<string>>, problems: ProblemList): void {
  if (unit.parsed.sections.has('Install')) return;
  const { resolved } = unit;
  if (resolved.isTemplate) {
    if (resolved.actOn.length === 0) return;
    problems.warn(
      unit.file,
      `package.xml names instances of ${unit.name} (${resolved.actOn.join(', ')}), but it has no [Install] section, so they are never enabled: add [Install] with WantedBy=${unit.scope === 'user' ? 'default.target' : 'multi-user.target'}`,
    );
    return;
  }
  if (pulledIn.get(unit.scope)?.has(unit.name)) return;
  problems.warn(
    unit.file,
    `${unit.name} has no [Install] section and no unit in the checked set pulls it in (Wants=, Requires=, WantedBy=, PartOf=, a socket, timer or path unit): the package installs it, but nothing ever starts it; add [Install] with WantedBy=${unit.scope === 'user' ? 'default.target' : 'multi-user.target'}`,
  );
}

/** dpkg keeps only regular files as conffiles: anything else under /etc is silently replaced or removed. */
function checkEtc(spec: PackageSpec, problems: ProblemList): void {
  for (const entry of spec.payload) {
    if (!entry.target.startsWith('/etc/')) continue;
    const file = displayPath(spec.source.dir, entry.file);
    if (entry.kind === 'symlink') {
      problems.warn(
        file,
        `${entry.target} is a symlink, not a regular file, so dpkg cannot keep it as a conffile: an admin's change to it is replaced on upgrade without a prompt; ship a regular file, or put the link outside /etc`,
      );
    } else if (entry.kind === 'directory' && !spec.payload.some((other) => other.target.startsWith(`${entry.target}/`))) {
      problems.warn(
        file,
        `${entry.target}/ is an empty folder, not a conffile: dpkg keeps only regular files as conffiles, so nothing here is protected across upgrades and the folder goes with the package; ship the configuration file itself, or create the folder at run time (e.g. ConfigurationDirectory= in the unit)`,
      );
    }
  }
}
