import { debianRos } from './debian-ros.js';
import { PROFILES, type Profile } from './profiles.js';
import { rosdistroFromCheckout, shippedRosdistro, type RosdistroData } from './rosdistro.js';

/**
 * Where a profile's ROS stands. A ROS distribution's status is rosdistro's `distribution_status`
 * (active, end-of-life, rolling). Debian's own ROS is not in rosdistro: it is maintained as part
 * of its Debian release, for as long as that release is ("debian"). `plain` has no ROS ("no-ros").
 */
interface ProfileStatus {
  status: string;
  /** One line saying what the status means for this profile. */
  detail: string;
}

/** The rosdistro data keys are resolved against: a checkout the user names, else the shipped index. */
export async function rosdistroData(checkout: string | undefined): Promise<RosdistroData> {
  const configured = checkout ?? process.env['DEBFORGE_ROSDISTRO'];
  if (configured === undefined || configured === '') return shippedRosdistro();
  return rosdistroFromCheckout(configured, PROFILES);
}

export function profileStatus(profile: Profile, rosdistro: RosdistroData): ProfileStatus {
  if (profile.ros === undefined) return { status: 'no-ros', detail: 'no ROS distribution: the support of the OS release applies' };
  const debian = debianRos(profile);
  if (debian !== undefined || profile.ros.distro === 'debian') {
    const release = debian ? `Debian ${debian.release} ${profile.os.codename}` : `Debian ${profile.os.codename}`;
    return { status: 'debian', detail: `Debian's own ROS ${profile.ros.version}, maintained with ${release} for as long as the release is (not tracked by rosdistro)` };
  }
  const status = rosdistro.distribution(profile.ros.distro)?.status;
  if (status === undefined) return { status: 'unknown', detail: `ROS ${profile.ros.distro} is not in the rosdistro data` };
  const meaning = status === 'end-of-life' ? 'no more releases or fixes' : status === 'rolling' ? 'the development distribution, its packages change without notice' : 'supported';
  return { status, detail: `${status} (rosdistro): ${meaning}` };
}

/**
 * The note a build for an end-of-life ROS distribution carries, the same line for every package of
 * a profile (so a run prints it once per profile); undefined for any other profile.
 */
export function endOfLifeNote(profile: Profile, rosdistro: RosdistroData): { file: string; message: string } | undefined {
  if (profileStatus(profile, rosdistro).status !== 'end-of-life') return undefined;
  return {
    file: `profile ${profile.name}`,
    message: `ROS ${profile.ros!.version} ${profile.ros!.distro} is at end of life (rosdistro: end-of-life): its packages get no more releases or fixes; debforge still builds for it, and \`debforge profiles\` lists the distributions in support`,
  };
}
