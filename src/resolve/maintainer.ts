import { printable } from '../errors.js';
import { EMAIL } from '../load/ros-syntax.js';
import type { Person } from '../load/types.js';

/**
 * Who the package's Maintainer (and its changelog's signature) is: package.xml's first
 * <maintainer>, unless it is a placeholder that lintian refuses (catkin_create_pkg's
 * `user@todo.todo`, `root`, `root@localhost`), which needs a way out without editing package.xml:
 * `--maintainer "Name <email>"` (always wins), or DEBFULLNAME / DEBEMAIL as dch reads them (used
 * only in place of a placeholder, so a machine's settings never change a good manifest's output).
 */

/**
 * Top-level names that are no mail host: catkin's `todo`, and the names RFC 2606 / RFC 6761 and
 * common practice keep for local networks. Lintian (bogus-mail-host) refuses them.
 */
const PLACEHOLDER_TLDS = new Set(['todo', 'tbd', 'fixme', 'local', 'localhost', 'localdomain', 'lan', 'home', 'internal', 'intranet', 'invalid', 'test', 'example', 'domain', 'none', 'corp', 'private']);

interface MaintainerChoice {
  /** `Name <email>` for the control file and the changelog. */
  maintainer?: string;
  /** Why package.xml's maintainer cannot be used, when no override replaced it. */
  problem?: string;
  /** Where the maintainer came from, for messages. */
  source: 'package.xml' | 'override' | 'environment';
}

/** Why a maintainer would be refused (by lintian or by dpkg), or undefined when it is usable. */
export function maintainerProblem(person: Person): string | undefined {
  const email = person.email;
  if (email === undefined || email === '') return `<maintainer> "${printable(person.name)}" has no email`;
  if (email.split('@')[0] === 'root' || email === 'root' || person.name === 'root') {
    return `<maintainer> "${printable(person.name)} <${printable(email)}>" is the root account, not a person (lintian: root-in-contact)`;
  }
  if (!EMAIL.test(email)) return `<maintainer> email "${printable(email)}" is not a valid address (name@domain.tld)`;
  const host = email.slice(email.indexOf('@') + 1);
  const tld = host.slice(host.lastIndexOf('.') + 1).toLowerCase();
  if (PLACEHOLDER_TLDS.has(tld) || !/^(?:[a-z]{2,}|xn--[a-z0-9-]+)$/.test(tld)) {
    return `<maintainer> email "${printable(email)}" is a placeholder, not a mail host anyone reaches (lintian: bogus-mail-host)`;
  }
  return undefined;
}

/** Parses `Name <email>`; undefined if it is not exactly that, with a usable name and address. */
export function parseMaintainer(text: string): { name: string; email: string } | undefined {
  const match = /^\s*([^<>\n\r]*?)\s*<([^<>\s]+)>\s*$/.exec(text);
  if (!match || match[1] === '' || /[\u0000-\u001f\u007f,]/.test(match[1]!)) return undefined;
  return { name: match[1]!, email: match[2]! };
}

/** Checks an override (`--maintainer`, the environment); returns why it cannot be used. */
export function overrideProblem(text: string): string | undefined {
  const parsed = parseMaintainer(text);
  if (!parsed) return `"${printable(text)}" is not "Full Name <email@domain.tld>"`;
  const problem = maintainerProblem({ name: parsed.name, email: parsed.email, line: 0 });
  return problem?.replace(/^<maintainer> /, '');
}

/**
 * The maintainer dch would sign with, from the environment: the name from DEBFULLNAME, else NAME,
 * else the name part of DEBEMAIL or EMAIL ("Name <email>"); the address from DEBEMAIL, else EMAIL.
 * Returns `Name <email>`, or what is missing.
 */
export function maintainerFromEnvironment(env: NodeJS.ProcessEnv): { maintainer?: string; missing?: string } {
  const nonEmpty = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const split = (value: string | undefined): { name?: string; email?: string } => {
    if (value === undefined) return {};
    const parsed = parseMaintainer(value);
    return parsed ?? { email: value };
  };
  const debemail = split(nonEmpty('DEBEMAIL'));
  const email = split(nonEmpty('EMAIL'));
  const name = nonEmpty('DEBFULLNAME') ?? nonEmpty('NAME') ?? debemail.name ?? email.name;
  const address = debemail.email ?? email.email;
  if (name === undefined && address === undefined) return {};
  if (name === undefined) return { missing: 'DEBEMAIL gives an address but no name: set DEBFULLNAME too' };
  if (address === undefined) return { missing: 'DEBFULLNAME gives a name but no address: set DEBEMAIL too' };
  return { maintainer: `${name} <${address}>` };
}

/** The way out, as every maintainer error says it. */
export const MAINTAINER_WAY_OUT = 'give the real maintainer with --maintainer "Full Name <email>" (or DEBFULLNAME and DEBEMAIL), or fix package.xml';

export function chooseMaintainer(person: Person | undefined, override: string | undefined, fallback: string | undefined): MaintainerChoice {
  if (override !== undefined) return { maintainer: override, source: 'override' };
  const problem = person ? maintainerProblem(person) : 'no <maintainer>';
  if (problem === undefined) return { maintainer: `${person!.name} <${person!.email!}>`, source: 'package.xml' };
  if (fallback !== undefined) return { maintainer: fallback, source: 'environment' };
  return { problem, source: 'package.xml' };
}
