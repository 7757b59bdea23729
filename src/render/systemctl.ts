/**
 * Hand-written `systemctl` calls in a team's fragment that do what the generated section already
 * does for the package's own units (daemon-reload, enable, disable, start, stop, restart). Left in,
 * they fail the script where systemd is not running (a chroot, an image build), run `disable` on
 * every upgrade (undoing an admin's choice) and enable units an admin disabled. Each such line is
 * replaced by a `:` no-op carrying the original as a comment, so that an `if` or a function whose
 * only command it was stays valid sh, and line numbers stay those of the fragment.
 */
const HANDLED_ACTIONS = ['daemon-reload', 'enable', 'disable', 'start', 'stop', 'restart'] as const;

/** Options that change how, not what: the generated code does the same with or without them. */
const NEUTRAL_OPTION = /^(--now|--no-block|--system|--quiet|-q|--no-reload|--no-ask-password|--force)$/;

interface StrippedFragment {
  lines: string[];
  /** 1-based lines of the fragment that were left out. */
  removed: number[];
  /** The actions left out, in order of first appearance. */
  actions: string[];
}

/**
 * A line that is nothing but `systemctl ACTION [options] UNITS...` (optionally with sudo, a path,
 * a trailing `|| true`, `;` or comment) acting only on `units`; returns its action.
 */
export function handledSystemctlCall(line: string, units: ReadonlySet<string>): string | undefined {
  const code = line.replace(/(^|\s)#.*$/, '').trim().replace(/\s*;$/, '').replace(/\s*\|\|\s*(true|:)$/, '');
  if (code === '' || /[|&;<>`$(){}]/.test(code.replace(/\s*>\s*\/dev\/null(\s+2>&1)?$/, ''))) return undefined;
  const words = code.replace(/\s*>\s*\/dev\/null(\s+2>&1)?$/, '').split(/\s+/);
  if (words[0] === 'sudo') words.shift();
  if (!/^(\/usr)?(\/s?bin\/)?systemctl$/.test(words.shift() ?? '')) return undefined;
  let action: string | undefined;
  const named: string[] = [];
  for (const word of words) {
    if (word.startsWith('-')) {
      if (!NEUTRAL_OPTION.test(word)) return undefined;
    } else if (action === undefined) {
      action = word;
    } else {
      named.push(word);
    }
  }
  if (action === undefined || !(HANDLED_ACTIONS as readonly string[]).includes(action)) return undefined;
  if (action === 'daemon-reload') return named.length === 0 ? action : undefined;
  if (named.length === 0) return undefined;
  // `systemctl start ros` means ros.service.
  return named.every((name) => units.has(name) || units.has(`${name}.service`)) ? action : undefined;
}

/** The fragment's lines with the handled calls replaced by no-ops; a line continued with `\` is never touched. */
export function stripHandledCalls(lines: readonly string[], units: ReadonlySet<string>, firstLine: number): StrippedFragment {
  const out: string[] = [];
  const removed: number[] = [];
  const actions: string[] = [];
  let continued = false;
  // Lines of a here-document are data, not commands.
  let hereEnd: string | undefined;
  lines.forEach((line, index) => {
    if (hereEnd !== undefined) {
      if (line.replace(/^\t+/, '') === hereEnd) hereEnd = undefined;
      out.push(line);
      return;
    }
    const action = continued ? undefined : handledSystemctlCall(line, units);
    continued = /\\$/.test(line);
    const here = /<<-?\s*(['"]?)([A-Za-z_][A-Za-z0-9_]*)\1/.exec(line.replace(/(^|\s)#.*$/, ''));
    if (here) hereEnd = here[2];
    if (action === undefined) {
      out.push(line);
      return;
    }
    removed.push(firstLine + index);
    if (!actions.includes(action)) actions.push(action);
    const indent = /^\s*/.exec(line)![0];
    out.push(`${indent}: # left out by debforge, the generated section does it: ${line.trim()}`);
  });
  return { lines: out, removed, actions };
}

/** "5, 6 and 9" */
export function listLines(lines: readonly number[]): string {
  if (lines.length <= 1) return lines.join('');
  return `${lines.slice(0, -1).join(', ')} and ${lines.at(-1)}`;
}
