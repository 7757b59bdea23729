/**
 * Phased updates: `Phased-Update-Percentage: N` on a package in the index, as Ubuntu's archive
 * sets it. apt (since 2.1.16, on Debian and Ubuntu alike) then upgrades an installed package to
 * that version on about N% of machines, chosen by a hash of the source package, its version and
 * the machine's /etc/machine-id; docs/fleet.md says which apt versions do and the exceptions.
 */
import type { Stanza } from '../debian/deb822.js';
import { orderPackagesFields } from '../debian/deb822.js';

const PHASE_FIELD = 'Phased-Update-Percentage';

/** The stanza with its phasing set to `percent` (100 drops the field: every machine takes it). */
export function withPhase(stanza: Stanza, percent: number): Stanza {
  const others = stanza.filter(([name]) => name.toLowerCase() !== PHASE_FIELD.toLowerCase());
  return percent >= 100 ? others : orderPackagesFields([...others, [PHASE_FIELD, String(percent)]]);
}

/** The stanza's phasing percentage, 100 when it has none. */
export function phaseOf(stanza: Stanza): number {
  const value = stanza.find(([name]) => name.toLowerCase() === PHASE_FIELD.toLowerCase())?.[1];
  return value !== undefined && /^[0-9]{1,3}$/.test(value) && Number(value) <= 100 ? Number(value) : 100;
}

/** `--phase`'s percentage: a whole number from 0 to 100; undefined for anything else. */
export function parsePercent(value: string): number | undefined {
  return /^(?:100|[1-9]?[0-9])$/.test(value) ? Number(value) : undefined;
}
