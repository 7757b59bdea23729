import { printable, type ProblemList } from '../errors.js';
import { displayPath } from '../load/index.js';
import type { DaemonSource, HealthCheck, UnitOptions, UnitSource } from '../load/types.js';
import { supportsUserEnable, type Profile } from './profiles.js';
import type { ResolvedUnit } from './types.js';

const DEFAULT_UNIT_OPTIONS: Omit<UnitOptions, 'line'> = { enable: true, start: true, restartOnUpgrade: true, instances: [] };

/** The package's units: where each installs, what postinst acts on, and its health check. */
export function resolveUnits(source: DaemonSource, profile: Profile, defaultHealthCheck: HealthCheck | undefined, problems: ProblemList): ResolvedUnit[] {
  const manifestFile = displayPath(source.dir, 'package.xml');
  const known = new Set(source.units.map((u) => u.name));
  for (const [name, unit] of source.manifest.debforge.units) {
    if (!known.has(name)) {
      const names = [...known].join(', ') || 'none';
      problems.error(manifestFile, `<unit name="${name}"> names no unit file in etc/ or etc/user/ (units here: ${names})`, unit.line);
    }
  }
  const units: ResolvedUnit[] = [];
  for (const unit of source.units) {
    if (unit.scope === 'user' && !supportsUserEnable(profile)) {
      problems.error(displayPath(source.dir, unit.file), `profile ${profile.name} cannot enable user units (init-system-helpers ${profile.initSystemHelpers} < 1.52)`);
      continue;
    }
    const configured = source.manifest.debforge.units.get(unit.name);
    const options: UnitOptions = configured ?? { ...DEFAULT_UNIT_OPTIONS, line: 0 };
    const isTemplate = /@\.[a-z]+$/.test(unit.name);
    const actOn = isTemplate ? options.instances.map((instance) => unit.name.replace('@.', `@${instance}.`)) : [unit.name];
    for (const instance of options.instances) {
      if (!isTemplate) {
        problems.error(manifestFile, `<unit name="${unit.name}"> has instances, but only template units (name@.service) take instances`, options.line);
        break;
      }
      if (!/^[A-Za-z0-9:_.\\-]+$/.test(instance)) {
        problems.error(manifestFile, `instance "${printable(instance)}" of ${unit.name} has characters systemd does not accept`, options.line);
      }
    }
    const directory = unit.scope === 'user' ? profile.userUnitDir : profile.systemUnitDir;
    const healthCheck = unitHealthCheck(unit, options, actOn, defaultHealthCheck, manifestFile, problems);
    units.push({ source: unit, installPath: `${directory}/${unit.name}`, options, isTemplate, actOn, ...(healthCheck ? { healthCheck } : {}) });
  }
  return units;
}

/**
 * The health check postinst runs for a unit: its own `health-check`, else the default, for the
 * system units postinst starts. User units are never checked: they start in each user's manager,
 * which postinst does not wait for.
 */
function unitHealthCheck(
  unit: UnitSource,
  options: UnitOptions,
  actOn: readonly string[],
  defaultHealthCheck: HealthCheck | undefined,
  manifestFile: string,
  problems: ProblemList,
): HealthCheck | undefined {
  const own = options.healthCheck;
  if (own === false) return undefined;
  const started = unit.scope === 'system' && options.start && actOn.length > 0;
  if (own !== undefined && !started) {
    const why =
      unit.scope === 'user'
        ? 'a user unit starts in each user\'s manager, which postinst does not wait for'
        : !options.start
          ? 'it has start="false"'
          : 'a template unit is started only through its instances="..."';
    problems.error(manifestFile, `<unit name="${unit.name}"> health-check: postinst never starts this unit (${why}), so there is nothing to check`, options.line);
    return undefined;
  }
  return started ? (own ?? defaultHealthCheck) : undefined;
}
