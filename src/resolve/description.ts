import { printable, type ProblemList } from '../errors.js';
import { wrapDescriptionLine } from '../debian/control.js';

/**
 * A ROS `<description>` made into a Debian synopsis and extended description that lintian accepts,
 * whatever the manifest says: the synopsis under 80 characters (cut at a clause or word boundary,
 * never refused), not starting with an article or the package name, no final period, more than
 * one word and not the package name; the extended description never repeating it. An explicit
 * `<synopsis>` is used as written where lintian accepts it, else adjusted by the same rules with a
 * warning.
 */

/** Lintian warns above 80 characters; Debian's tools show the synopsis on one 80-column line. */
const SYNOPSIS_MAX = 79;

interface DescribeInput {
  /** The text of `<description>` (markup removed, block elements as blank lines). */
  description: string;
  /** `<export><debforge><synopsis>`, used as written where lintian accepts it. */
  synopsisOverride?: string;
  /** The line of `<synopsis>`, where warnings about it point. */
  synopsisLine?: number;
  /** The ROS package name (`<name>`), as written. */
  rosName: string;
  /** The Debian package name. */
  packageName: string;
  /** What the synopsis says when the description says nothing useful (e.g. "ROS package"). */
  kind: string;
  /** Where warnings point. */
  file: string;
  line: number;
}

interface Description {
  synopsis: string;
  paragraphs: string[];
}

const ARTICLE = /^(a|an|the)\s+/i;
/** Abbreviations whose period does not end a sentence. */
const ABBREVIATION = /(?:^|\s)(?:e\.g|i\.e|etc|vs|cf|approx|incl|resp|al|Dr|Mr|Ms|Inc|Ltd|Corp|No|Fig|ca)\.$/i;
/** Words a phrase does not end on: a cut before one leaves a complete phrase. */
const FUNCTION_WORDS = new Set([
  'a', 'an', 'the', 'and', 'or', 'nor', 'but', 'of', 'to', 'for', 'with', 'without', 'in', 'into', 'on', 'onto', 'at', 'by',
  'from', 'as', 'via', 'that', 'which', 'who', 'whose', 'where', 'when', 'while', 'using', 'including', 'such', 'so', 'than',
  'then', 'if', 'is', 'are', 'be', 'its', 'their', 'this', 'these', 'those', 'over', 'under', 'between', 'through', 'per',
]);
/** What a generated or forgotten description says (catkin_create_pkg, ros2 pkg create, editors). */
const PLACEHOLDER = /^(?:todo|tbd|fixme|xxx|none|n\/?a|description|package description|insert description here)\b|^(?:(?:the|a)\s+)?\S+\s+(?:ros\s+)?package$/i;

/** Splits `<description>` into normalised paragraphs (blank lines separate them). */
function paragraphsOf(description: string): string[] {
  return description
    .split(/\n[^\S\n]*\n/)
    .map((p) => p.replace(/\s+/g, ' ').trim())
    .filter((p) => p !== '');
}

/** The first sentence of a paragraph: up to a . ! or ? followed by a space or the end. */
function firstSentence(paragraph: string): string {
  const pattern = /[.!?](?=\s|$)/g;
  for (let match = pattern.exec(paragraph); match; match = pattern.exec(paragraph)) {
    const candidate = paragraph.slice(0, match.index + 1);
    if (match[0] === '.' && ABBREVIATION.test(candidate)) continue;
    return candidate;
  }
  return paragraph;
}

export function describe(input: DescribeInput, problems: ProblemList): Description {
  const paragraphs = paragraphsOf(input.description);
  if (input.synopsisOverride !== undefined) {
    const given = explicitSynopsis(input.synopsisOverride, paragraphs, input, problems);
    if (given !== undefined) return given;
  }
  const first = paragraphs[0] ?? '';
  const sentence = firstSentence(first);
  const whole = paragraphs.join(' ');
  const fallback = `${input.kind} ${input.rosName}`;

  if (isPlaceholder(whole, input)) {
    problems.warn(
      input.file,
      `<description> "${printable(whole)}" says nothing about the package: its synopsis is "${fallback}"; write a sentence saying what the daemon does, or set <synopsis> in <export><debforge>`,
      input.line,
    );
    return { synopsis: fallback, paragraphs: withFallback([], input) };
  }

  let synopsis = tidy(sentence, input);
  if (synopsis.split(' ').length < 2 || sameWords(synopsis, input.rosName) || sameWords(synopsis, input.packageName)) {
    problems.warn(
      input.file,
      `<description> starts with "${printable(sentence)}", too short for a synopsis: it is "${fallback}"; start <description> with a sentence saying what the daemon does, or set <synopsis>`,
      input.line,
    );
    return { synopsis: fallback, paragraphs: withFallback(paragraphs, input) };
  }
  const cut = synopsis.length > SYNOPSIS_MAX;
  if (cut) synopsis = shorten(synopsis, firstWrappedLine(first));

  // The first sentence became the synopsis; lintian flags an extended text that only repeats it.
  // A shortened or reworded synopsis leaves the whole sentence in the extended description.
  const extended = [...paragraphs];
  const unchanged = !cut && sameWords(synopsis, sentence.replace(ARTICLE, ''));
  if (unchanged && extended[0] !== undefined) {
    const rest = extended[0].slice(sentence.length).trim();
    if (rest === '') extended.shift();
    else extended[0] = rest;
  }
  if (extended[0] !== undefined && sameWords(firstWrappedLine(extended[0]), synopsis)) {
    synopsis = dropLastWord(synopsis);
  }
  return { synopsis, paragraphs: withFallback(extended, input) };
}

/**
 * An explicit `<synopsis>`, as written unless lintian refuses or warns about it: then without a
 * leading article or package name, cut under 80 characters (the whole text then opening the
 * extended description), never the first line of the extended description, with a warning saying
 * what it became and why. Undefined (the synopsis comes from
 * `<description>`) when it is one word or the package name, which no adjustment can mend.
 */
function explicitSynopsis(text: string, paragraphs: string[], input: DescribeInput, problems: ProblemList): Description | undefined {
  const given = text.replace(/\s+/g, ' ').trim();
  const line = input.synopsisLine ?? input.line;
  const reasons: string[] = [];
  let synopsis = given;
  if (ARTICLE.test(synopsis)) {
    synopsis = synopsis.replace(ARTICLE, '');
    reasons.push('it starts with an article (lintian: description-synopsis-starts-with-article)');
  }
  const withoutName = synopsis.replace(leadingPackageName(input.packageName), '');
  if (withoutName !== synopsis) {
    synopsis = withoutName;
    reasons.push(`it starts with the package name ${input.packageName} (lintian: description-starts-with-package-name)`);
  }
  if (reasons.length > 0) synopsis = capitalise(synopsis, input.rosName);
  if (synopsis.split(' ').length < 2 || sameWords(synopsis, input.rosName) || sameWords(synopsis, input.packageName)) {
    problems.warn(input.file, `<synopsis> "${printable(given)}" is one word or the package name, which lintian refuses (description-too-short): the synopsis comes from <description> instead; say in a few words what the daemon does`, line);
    return undefined;
  }
  let extended = withFallback(paragraphs, input);
  if (synopsis.length > SYNOPSIS_MAX) {
    reasons.push(`it is ${synopsis.length} characters, over the 79 a synopsis may have (lintian: synopsis-too-long)`);
    // Nothing written is lost: the whole text opens the extended description.
    extended = [given, ...paragraphs];
    synopsis = shorten(synopsis, firstWrappedLine(given));
  } else if (sameWords(synopsis, firstWrappedLine(extended[0] ?? ''))) {
    reasons.push('it repeats the first line of the extended description (lintian: description-synopsis-is-duplicated)');
    synopsis = dropLastWord(synopsis);
  }
  if (reasons.length > 0) {
    problems.warn(input.file, `<synopsis> "${printable(given)}" becomes "${printable(synopsis)}": ${reasons.join('; ')}; shorten or reword <synopsis> to choose the words yourself`, line);
  }
  return { synopsis, paragraphs: extended };
}

function withFallback(paragraphs: string[], input: DescribeInput): string[] {
  return paragraphs.length > 0 ? paragraphs : [`This package installs the ${input.rosName} daemon and its systemd units.`];
}

function isPlaceholder(text: string, input: DescribeInput): boolean {
  const normalised = text.replace(/[.!]+$/, '').trim();
  if (PLACEHOLDER.test(normalised)) return true;
  // The name alone, or the name as words ("teleop key" for teleop_key).
  return sameWords(normalised, input.rosName) || sameWords(normalised, input.packageName);
}

/** Lower case, letters and digits only: how lintian compares a synopsis with names and lines. */
function sameWords(a: string, b: string): boolean {
  const key = (s: string): string => s.toLowerCase().replace(/[^a-z0-9]+/g, '');
  return key(a) === key(b);
}

/** The sentence as a synopsis: no final period, no leading article, not starting with the package name. */
function tidy(sentence: string, input: DescribeInput): string {
  let text = sentence.replace(/[\s.]+$/, '').trim();
  text = text.replace(ARTICLE, '');
  text = text.replace(leadingPackageName(input.packageName), '');
  return capitalise(text, input.rosName);
}

/**
 * Lintian refuses a synopsis that starts with the Debian package name (as a whole word, any
 * case): this matches "<name> [package] [is a]" there. Elsewhere a leading identifier stays as written.
 */
function leadingPackageName(packageName: string): RegExp {
  const escaped = packageName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${escaped}\\b(?:\\s+(?:ros\\s+)?(?:package|node|library|driver|daemon|stack|metapackage))?(?:\\s+(?:is|are)(?:\\s+(?:a|an|the))?)?\\s*[:,\\u2013\\u2014-]?\\s*`, 'i');
}

/** An English first word gets its capital; an identifier (`move_base`, `ros2`, `iRobot`) stays as written. */
function capitalise(text: string, rosName: string): string {
  const word = /^[a-z]+(?=\s|$)/.exec(text);
  return word && word[0] !== rosName ? text.charAt(0).toUpperCase() + text.slice(1) : text;
}

/**
 * Cuts a synopsis to at most SYNOPSIS_MAX characters: at the last clause boundary (, ; : dash or
 * an opening parenthesis) that keeps at least three words, else before the last function word
 * ("and", "for", "with"...) that fits, else at the last word that fits. Never a dangling
 * function word, punctuation or unclosed parenthesis at the end, and never the very line the
 * extended description starts with (`avoid`), which lintian calls a duplicate.
 */
function shorten(text: string, avoid = ''): string {
  const words = text.split(' ');
  const prefixes: { text: string; boundary: 'clause' | 'function' | 'word' }[] = [];
  for (let count = 1; count < words.length; count++) {
    const prefix = words.slice(0, count).join(' ');
    if (prefix.length > SYNOPSIS_MAX + 1) break;
    const next = words[count]!;
    const boundary = /[,;:]$/.test(prefix) || /^[(\u2013\u2014-]/.test(next) ? 'clause' : FUNCTION_WORDS.has(next.toLowerCase()) ? 'function' : 'word';
    prefixes.push({ text: prefix, boundary });
  }
  const usable = (candidate: string): string | undefined => {
    const cleaned = cleanEnd(candidate);
    if (cleaned.length > SYNOPSIS_MAX || cleaned.split(' ').length < 3 || sameWords(cleaned, avoid)) return undefined;
    return cleaned;
  };
  for (const kind of ['clause', 'function', 'word'] as const) {
    for (let i = prefixes.length - 1; i >= 0; i--) {
      if (prefixes[i]!.boundary !== kind && kind !== 'word') continue;
      const found = usable(prefixes[i]!.text);
      if (found) return found;
    }
  }
  // One enormous word (a URL, a path): cut inside it.
  return `${text.slice(0, SYNOPSIS_MAX - 3).trimEnd()}...`;
}

function cleanEnd(text: string): string {
  let words = text.split(' ');
  for (;;) {
    const last = words.at(-1) ?? '';
    const bare = last.replace(/[,;:(\u2013\u2014-]+$/, '');
    if (words.length > 1 && (bare === '' || FUNCTION_WORDS.has(bare.toLowerCase()))) {
      words = words.slice(0, -1);
      continue;
    }
    words[words.length - 1] = bare;
    break;
  }
  let result = words.join(' ');
  // An opening parenthesis left unclosed: cut before it.
  const open = result.lastIndexOf('(');
  if (open > 0 && result.indexOf(')', open) < 0) result = cleanEnd(result.slice(0, open).trimEnd());
  return result.replace(/[.]+$/, '');
}

function dropLastWord(text: string): string {
  const words = text.split(' ');
  return words.length > 2 ? cleanEnd(words.slice(0, -1).join(' ')) : text;
}

function firstWrappedLine(paragraph: string): string {
  return wrapDescriptionLine(paragraph)[0] ?? '';
}
