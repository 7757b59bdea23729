import path from 'node:path';
import type { BuildEvent, BuildTask } from '../pipeline/all.js';
import { formatProblem, type Problem } from '../errors.js';
import type { Io } from './io.js';

/** How `build` reports on stderr: redrawn progress on a terminal, else one line per package. */
interface ReportStyle {
  /** Columns of the terminal stderr is, or undefined when it is not one (a pipe, a file, CI). */
  terminalColumns: number | undefined;
  /** SGR colours on the terminal (not when NO_COLOR is set). */
  color: boolean;
  /** --quiet: problems only, no progress and no per-package lines. */
  quiet: boolean;
}

/** Colour unless NO_COLOR is set to anything but the empty string (https://no-color.org). */
export function colorWanted(env: NodeJS.ProcessEnv): boolean {
  return (env['NO_COLOR'] ?? '') === '';
}

/** Redraws at most this often: a terminal needs no more, and every redraw is a write. */
const REDRAW_MS = 100;

interface Active {
  label: string;
  bytes: number;
  total: number;
  /** When compression began, and the bytes then: the rate counts from there, not from loading. */
  since?: { at: number; bytes: number };
}

const SEVERITY_COLOR: Readonly<Record<Problem['severity'], string>> = { error: '31', warning: '33', note: '36' };

/**
 * The stderr side of `build`: each problem and each package written as one line (`debforge:
 * built <path> (<size>, <profile>)`); on a terminal, beneath them, one line per package being
 * compressed (bytes of its data.tar taken of the total, rate, time left), redrawn in place.
 */
export function buildReporter(io: Io, style: ReportStyle, now: () => number = Date.now): { onEvent: (event: BuildEvent) => void; finish: () => void } {
  const active = new Map<number, Active>();
  let tasks = 0;
  let done = 0;
  let drawn = 0;
  let lastDraw = 0;
  // Colour only on the terminal: a pipe or a file gets the plain lines.
  const paint = (code: string, text: string): string => (style.color && style.terminalColumns !== undefined ? `\x1b[${code}m${text}\x1b[0m` : text);
  const clear = (): void => {
    if (drawn > 0) io.stderr(`\x1b[${drawn}A\r\x1b[J`);
    drawn = 0;
  };
  const draw = (): void => {
    if (style.terminalColumns === undefined || style.quiet) return;
    clear();
    lastDraw = now();
    const lines = [...active.values()].map((one) => fit(progressLine(one, lastDraw), style.terminalColumns!));
    if (lines.length === 0) return;
    if (tasks > 1) lines.push(fit(`${done} of ${tasks} packages built`, style.terminalColumns));
    io.stderr(lines.map((line) => `${paint('2', line)}\n`).join(''));
    drawn = lines.length;
  };
  /** A line that stays: printed above the progress lines, which are drawn again beneath it. */
  const say = (line: string): void => {
    clear();
    io.stderr(`debforge: ${line}\n`);
    draw();
  };
  const onEvent = (event: BuildEvent): void => {
    switch (event.kind) {
      case 'problem':
        say(severityColored(formatProblem(event.problem), event.problem.severity, paint));
        return;
      case 'plan':
        tasks = event.tasks.length;
        return;
      case 'start':
        active.set(event.index, { label: taskLabel(event.task), bytes: 0, total: 0 });
        return;
      case 'progress': {
        const one = active.get(event.index);
        if (one === undefined) return;
        one.since ??= { at: now(), bytes: event.bytes };
        one.bytes = event.bytes;
        one.total = event.total;
        if (now() - lastDraw >= REDRAW_MS) draw();
        return;
      }
      case 'failed':
        active.delete(event.index);
        draw();
        return;
      case 'built':
        active.delete(event.index);
        done++;
        if (style.quiet) return;
        say(`built ${event.result.path} (${formatSize(event.result.size)}, ${event.result.profile})`);
    }
  };
  return { onEvent, finish: clear };
}

function taskLabel(task: BuildTask): string {
  return `${path.basename(task.dir)} (${task.profile.name}${task.architecture !== undefined ? `, ${task.architecture}` : ''})`;
}

/** `name (profile): 12.0 MiB of 40.0 MiB compressed, 30%, 5.1 MiB/s, 0:05 left`. */
function progressLine(one: Active, at: number): string {
  if (one.since === undefined) return `${one.label}: preparing`;
  const seconds = (at - one.since.at) / 1000;
  const done = `${one.label}: ${formatSize(one.bytes)} of ${formatSize(one.total)} compressed, ${Math.floor((100 * one.bytes) / one.total)}%`;
  // A rate needs a second of compression behind it to mean anything.
  if (seconds < 1) return done;
  const rate = (one.bytes - one.since.bytes) / seconds;
  return `${done}, ${formatSize(rate)}/s${rate > 0 ? `, ${duration((one.total - one.bytes) / rate)} left` : ''}`;
}

/** A line cut to the terminal's width, so that it never wraps (the redraw counts lines). */
function fit(line: string, columns: number): string {
  return line.length < columns ? line : `${line.slice(0, Math.max(0, columns - 2))}…`;
}

function severityColored(line: string, severity: Problem['severity'], paint: (code: string, text: string) => string): string {
  const word = `${severity}:`;
  const at = line.indexOf(` ${word} `);
  return at < 0 ? line : `${line.slice(0, at + 1)}${paint(SEVERITY_COLOR[severity], word)}${line.slice(at + 1 + word.length)}`;
}

function duration(seconds: number): string {
  const whole = Math.ceil(seconds);
  const minutes = Math.floor(whole / 60);
  return `${minutes}:${String(whole % 60).padStart(2, '0')}`;
}

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${Math.round(bytes)} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
