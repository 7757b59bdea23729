import { architecturesOf, describeElf, elfMatches } from '../debian/architectures.js';
import { printable, type ProblemList } from '../errors.js';
import { displayPath } from '../load/index.js';
import type { DaemonSource, PayloadFile } from '../load/types.js';

/**
 * The package's architecture and payload: files/ plus the chosen files-<arch>/ for a folder that
 * has files-<arch>/ folders, else files/ under the declared <architecture> (default `all`).
 */
export function selectArchitecture(source: DaemonSource, requested: string | undefined, problems: ProblemList): { architecture: string; payload: PayloadFile[] } {
  const { manifest } = source;
  const manifestFile = displayPath(source.dir, 'package.xml');
  const declared = manifest.debforge.architecture;
  const provided = source.architectures;
  const common = source.payload.filter((entry) => entry.architecture === undefined);
  const folders = provided.map((arch) => `files-${arch}/`).join(', ');
  if (provided.length === 0) {
    const architecture = declared ?? 'all';
    if (requested !== undefined && requested !== architecture) {
      problems.error(manifestFile, `has no files-<arch>/ folder, so it is built for ${architecture} only, not ${printable(requested)}: add files-${printable(requested)}/ for a package of that architecture`);
    }
    return { architecture, payload: common };
  }
  if (declared !== undefined) {
    problems.error(manifestFile, `<architecture> ${printable(declared)} and the folders ${folders} both say what to build for: remove <architecture>; each files-<arch>/ folder gives a package of its own`, manifest.debforge.architectureLine ?? manifest.debforge.line);
  }
  let architecture = requested ?? (provided.length === 1 ? provided[0]! : undefined);
  if (architecture === undefined || !provided.includes(architecture)) {
    const which = architecture === undefined ? 'no architecture was chosen' : `${printable(architecture)} is not one of them`;
    problems.error(source.dir, `has ${folders} (one package each), but ${which}: build one of ${provided.join(', ')}`);
    architecture = provided[0]!;
  }
  const commonFolders = new Set(common.filter((entry) => entry.kind === 'directory').map((entry) => entry.target));
  const own = source.payload.filter((entry) => entry.architecture === architecture && !(entry.kind === 'directory' && commonFolders.has(entry.target)));
  return { architecture, payload: [...common, ...own] };
}

/**
 * Every ELF file must be built for the package's architecture (class, byte order, machine, ARM
 * float ABI): one error per file that is not, naming what it is built for. An ELF file cannot be
 * in an `all` package.
 */
export function checkElfPayload(source: DaemonSource, payload: readonly PayloadFile[], architecture: string, problems: ProblemList): void {
  const perArchitecture = source.architectures.length > 0;
  for (const entry of payload) {
    const elf = entry.elf;
    if (elf === undefined) continue;
    const file = displayPath(source.dir, entry.file);
    if (elf.damaged !== undefined) {
      problems.error(file, `starts like an ELF binary, but ${elf.damaged}: ship the complete binary`);
      continue;
    }
    const fits = architecturesOf(elf);
    const builtFor = fits[0];
    if (architecture === 'all') {
      const where = builtFor === undefined ? 'files-<arch>/' : `files-${builtFor}/`;
      problems.error(file, `is an ELF binary, so the package cannot be Architecture: all: set <architecture> in <export><debforge>${builtFor ? ` (it is built for ${builtFor})` : ''}, or move it to ${where}`);
      continue;
    }
    if (elfMatches(elf, architecture)) continue;
    const what = `is built for ${builtFor ?? 'no Debian architecture'} (${describeElf(elf)}), not ${architecture}`;
    let advice: string;
    if (perArchitecture) advice = builtFor !== undefined && entry.architecture !== builtFor ? `move it to files-${builtFor}/, and put the ${architecture} build in files-${architecture}/` : `put the ${architecture} build in files-${architecture}/`;
    else advice = builtFor !== undefined ? `set <architecture> to ${builtFor}, or ship the ${architecture} build` : `ship the ${architecture} build`;
    problems.error(file, `${what}: ${advice}`);
  }
}
