import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ProblemList } from '../errors.js';
import type { MachineRosdep } from './depends.js';
import type { Profile } from './profiles.js';
import { loadRosdepFile } from './rosdep.js';

/** Where rosdep keeps its list of sources; DEBFORGE_ROSDEP_SOURCES names another folder. */
const ROSDEP_SOURCES_DIR = '/etc/ros/rosdep/sources.list.d';

function rosdepSourcesDir(): string {
  const configured = process.env['DEBFORGE_ROSDEP_SOURCES'];
  return configured !== undefined && configured !== '' ? configured : ROSDEP_SOURCES_DIR;
}

/**
 * The local rosdep YAML files the machine's rosdep lists (`yaml file:///path [tags]` lines in
 * `<dir>/*.list`, in file name order, as rosdep reads them), read for `profile`. Remote sources are
 * rosdep's own rules, which debforge ships; a line whose tags do not all name the profile's OS,
 * release or ROS distribution does not apply, as in rosdep.
 */
export async function machineRosdep(profile: Profile, problems: ProblemList, dir = rosdepSourcesDir()): Promise<MachineRosdep[]> {
  let entries: string[];
  try {
    entries = (await fs.readdir(dir)).filter((name) => name.endsWith('.list')).sort();
  } catch {
    return [];
  }
  const tags = new Set([profile.os.id, profile.os.codename, ...(profile.ros ? [profile.ros.distro] : [])]);
  const sources: MachineRosdep[] = [];
  for (const entry of entries) {
    const listFile = path.join(dir, entry);
    const text = await fs.readFile(listFile, 'utf8').catch(() => '');
    for (const line of text.split('\n')) {
      const [type, url, ...lineTags] = line.replace(/#.*/, '').trim().split(/\s+/);
      if (type !== 'yaml' || url === undefined || !url.startsWith('file://')) continue;
      if (!lineTags.every((tag) => tags.has(tag))) continue;
      let file: string;
      try {
        file = fileURLToPath(url);
      } catch {
        continue;
      }
      const table = await loadCached(file, profile, problems);
      if (table) sources.push({ file, table });
    }
  }
  return sources;
}

const cache = new Map<string, Promise<MachineRosdep['table'] | undefined>>();

function loadCached(file: string, profile: Profile, problems: ProblemList): Promise<MachineRosdep['table'] | undefined> {
  const key = `${profile.name}\0${file}`;
  let table = cache.get(key);
  if (table === undefined) {
    table = loadRosdepFile(file, file, profile);
    cache.set(key, table);
  }
  return table.catch((error: unknown) => {
    problems.capture(() => {
      throw error;
    });
    return undefined;
  });
}
