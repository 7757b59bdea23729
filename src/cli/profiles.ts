import { runConfig } from '../pipeline/config.js';
import { UsageError } from '../errors.js';
import { DEFAULT_PROFILE, distributionCompression, dpkgReadsZstd, profileStatus, PROFILES, rosdistroData, templateVariables } from '../resolve/index.js';
import { parse } from './args.js';
import { PROFILES_HELP } from './help.js';
import type { Io } from './io.js';

export async function profilesCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, { json: { type: 'boolean' } }, 'profiles');
  if (values.help) {
    io.stdout(PROFILES_HELP);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError('profiles takes no arguments');
  // The built-in profiles, then the custom ones of the project config found from here.
  const config = await runConfig(['.']);
  const profiles = [...PROFILES, ...(config?.customProfiles ?? [])];
  const defaults = config?.profiles ?? [DEFAULT_PROFILE];
  const rosdistro = await rosdistroData(undefined);
  if (values.json) {
    const described = profiles.map((profile) => ({ ...profile, distributionCompression: distributionCompression(profile), ...profileStatus(profile, rosdistro) }));
    io.stdout(`${JSON.stringify(described, null, 2)}\n`);
    return 0;
  }
  const out: string[] = [];
  for (const profile of profiles) {
    out.push(`${profile.name}${defaults.includes(profile.name) ? ' (default)' : ''}: ${profile.summary}`);
    out.push(`  status: ${profileStatus(profile, rosdistro).detail}`);
    out.push(`  packages: ${profile.packagePrefix}<name>_<version>-<revision>${profile.revisionSuffix ?? ''}, suite ${profile.suite ?? profile.os.codename}, units in ${profile.systemUnitDir}`);
    out.push(`  distribution compression: ${distributionCompression(profile)}${dpkgReadsZstd(profile) ? '' : ' (its dpkg cannot read zstd)'}`);
    const example = templateVariables({ name: 'PKG', version: 'X.Y.Z' }, profile, `${profile.packagePrefix}PKG`);
    for (const [key, value] of example) out.push(`  @${key}@ = ${value}`);
    out.push('  @DEB_HOST_ARCH@ = the package\'s architecture (amd64, arm64, ...), not in Architecture: all packages');
    out.push('  @DEB_HOST_MULTIARCH@ = its multiarch triplet (x86_64-linux-gnu, aarch64-linux-gnu, arm-linux-gnueabihf, ...)');
    out.push('');
  }
  io.stdout(out.join('\n'));
  return 0;
}
