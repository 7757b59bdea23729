import { ProblemList, printable } from '../errors.js';
import { DEBIAN_VERSION } from '../debian/version.js';
import { parseDebforgeOptions } from './debforge-options.js';
import { DEPENDENCY_KEY, EMAIL } from './ros-syntax.js';
import { decodeXml, parseXml, type XmlElement } from './xml.js';
import type {
  Dependency,
  DependencyKind,
  Manifest,
  Person,
  Url,
  VersionConstraint,
} from './types.js';

/** Dependency elements by manifest format (REP 127, REP 140, REP 149). */
const DEPENDENCY_KINDS: Record<1 | 2 | 3, readonly DependencyKind[]> = {
  1: ['build_depend', 'buildtool_depend', 'run_depend', 'test_depend', 'conflict', 'replace'],
  2: [
    'depend', 'build_depend', 'build_export_depend', 'buildtool_depend', 'buildtool_export_depend',
    'exec_depend', 'test_depend', 'doc_depend', 'conflict', 'replace',
  ],
  3: [
    'depend', 'build_depend', 'build_export_depend', 'buildtool_depend', 'buildtool_export_depend',
    'exec_depend', 'test_depend', 'doc_depend', 'conflict', 'replace', 'group_depend', 'member_of_group',
  ],
};

const OTHER_ELEMENTS = new Set(['name', 'version', 'description', 'maintainer', 'license', 'url', 'author', 'export']);

const VERSION_ATTRIBUTES: Record<string, VersionConstraint['operator']> = {
  version_lt: '<<',
  version_lte: '<=',
  version_eq: '=',
  version_gte: '>=',
  version_gt: '>>',
};

/** A URL for Homepage and the copyright file's Source: one word, no spaces or control characters. */
const URL_PATTERN = /^[a-z][a-z0-9+.-]*:\/\/[^\s<>"'\\]+$/i;
const VERSION = /^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$/;

/**
 * Reads a catkin `package.xml` (formats 1, 2 and 3). Every problem is collected into `problems`
 * with its line; the returned manifest is only meaningful when no error was collected.
 */
export function parseManifest(xml: Buffer | string, file: string, problems: ProblemList): Manifest | undefined {
  const root = problems.capture(() => parseXml(typeof xml === 'string' ? xml : decodeXml(xml, file), file));
  if (!root) return undefined;
  if (root.name !== 'package') {
    problems.error(file, `root element is <${root.name}>, expected <package>`, root.line);
    return undefined;
  }
  const formatText = root.attributes['format'] ?? '1';
  if (formatText !== '1' && formatText !== '2' && formatText !== '3') {
    problems.error(file, `unsupported manifest format "${formatText}": use format 1, 2 or 3`, root.line);
    return undefined;
  }
  const format = Number(formatText) as 1 | 2 | 3;
  const kinds = new Set<string>(DEPENDENCY_KINDS[format]);

  for (const child of root.children) {
    if (!OTHER_ELEMENTS.has(child.name) && !kinds.has(child.name)) {
      problems.error(file, `<${child.name}> is not an element of a format ${format} package.xml`, child.line);
    }
  }

  const name = requiredText(root, 'name', file, problems);
  const versionElement = requiredElement(root, 'version', file, problems);
  const version = versionElement ? versionElement.text.trim() : '';
  if (versionElement && version !== '' && !VERSION.test(version)) {
    problems.error(file, `<version> "${printable(version)}" must be X.Y.Z (three integers)`, versionElement.line);
  } else if (versionElement && version === '') {
    problems.error(file, '<version> is empty: give the version as X.Y.Z', versionElement.line);
  }
  const descriptionElement = requiredElement(root, 'description', file, problems);
  // ROS descriptions may hold HTML markup: its text counts, in document order.
  const description = descriptionElement ? descriptionElement.innerText : '';
  if (descriptionElement && description.trim() === '') {
    problems.error(file, '<description> is empty: describe what the daemon does', descriptionElement.line);
  }

  const maintainers = people(root, 'maintainer', file, problems, true);
  if (maintainers.length === 0) {
    problems.error(file, 'no <maintainer>: add <maintainer email="you@example.org">Your Name</maintainer>', root.line);
  }
  const authors = people(root, 'author', file, problems, false);
  const licenseElements = root.children
    .filter((e) => e.name === 'license')
    .map((e) => {
      // The copyright file has one License: line per licence; whitespace collapses to one space.
      const text = e.text.trim().replace(/\s+/g, ' ');
      if (text === '') problems.error(file, '<license> is empty: name the license, e.g. Apache-2.0', e.line);
      return { text, line: e.line };
    })
    .filter((license) => license.text !== '');
  const licenses = licenseElements.map((license) => license.text);
  if (!root.children.some((e) => e.name === 'license')) {
    problems.error(file, 'no <license>: add e.g. <license>Apache-2.0</license>', root.line);
  }
  const urls: Url[] = root.children
    .filter((e) => e.name === 'url')
    .map((e) => {
      const url = e.text.trim();
      if (url !== '' && !URL_PATTERN.test(url)) {
        problems.error(file, `<url> "${printable(url)}" is not one URL (scheme://..., no spaces or line breaks)`, e.line);
      }
      return { type: e.attributes['type'] ?? 'website', url };
    });

  const dependencies: Dependency[] = [];
  for (const element of root.children) {
    if (!kinds.has(element.name)) continue;
    const key = element.text.trim();
    if (key === '') {
      problems.error(file, `<${element.name}> is empty: name the package it depends on`, element.line);
      continue;
    }
    if (!DEPENDENCY_KEY.test(key)) {
      problems.error(file, `<${element.name}> "${printable(key)}" is not a ROS package name or rosdep key: one name per element (letters, digits, _ - . +); put alternatives or raw relations in <export><debforge><depends>`, element.line);
      continue;
    }
    const constraints: VersionConstraint[] = [];
    for (const [attribute, value] of Object.entries(element.attributes)) {
      const operator = VERSION_ATTRIBUTES[attribute];
      if (operator && !DEBIAN_VERSION.test(value)) {
        problems.error(file, `<${element.name}> ${attribute}="${printable(value)}" is not a version (e.g. 1.2.3): digits first, then letters, digits and . + ~ -`, element.line);
      } else if (operator) constraints.push({ operator, version: value });
      else if (attribute === 'condition' && format === 3) continue;
      else problems.error(file, `<${element.name}> has unknown attribute "${attribute}"`, element.line);
    }
    const condition = element.attributes['condition'];
    dependencies.push({
      kind: element.name as DependencyKind,
      key,
      constraints,
      line: element.line,
      ...(condition !== undefined && format === 3 ? { condition } : {}),
    });
  }

  const debforge = parseDebforgeOptions(root, file, problems);

  return {
    file,
    format,
    name,
    nameLine: root.children.find((e) => e.name === 'name')?.line ?? root.line,
    version,
    versionLine: versionElement?.line ?? root.line,
    description,
    descriptionLine: descriptionElement?.line ?? root.line,
    maintainers,
    authors,
    licenses,
    licenseLines: licenseElements.map((license) => license.line),
    urls,
    dependencies,
    debforge,
  };
}

function requiredElement(root: XmlElement, name: string, file: string, problems: ProblemList): XmlElement | undefined {
  const found = root.children.filter((e) => e.name === name);
  if (found.length === 0) {
    problems.error(file, `missing required element <${name}>`, root.line);
    return undefined;
  }
  if (found.length > 1) problems.error(file, `<${name}> appears more than once`, found[1]!.line);
  return found[0];
}

function requiredText(root: XmlElement, name: string, file: string, problems: ProblemList): string {
  const element = requiredElement(root, name, file, problems);
  if (!element) return '';
  const text = element.text.trim();
  if (text === '') problems.error(file, `<${name}> is empty`, element.line);
  return text;
}

function people(root: XmlElement, tag: string, file: string, problems: ProblemList, emailRequired: boolean): Person[] {
  return root.children
    .filter((e) => e.name === tag)
    .map((e) => {
      const name = e.text.trim().replace(/\s+/g, ' ');
      const email = e.attributes['email']?.trim();
      if (name === '') problems.error(file, `<${tag}> has no name`, e.line);
      if (/[<>\n]/.test(name)) problems.error(file, `<${tag}> name "${name}" must not contain < or >`, e.line);
      // A maintainer's email is judged in resolve, where --maintainer or DEBEMAIL may replace it.
      if (emailRequired) return { name, line: e.line, ...(email ? { email } : {}) };
      if (email !== undefined && email !== '' && !EMAIL.test(email)) {
        problems.error(file, `<${tag}> email "${printable(email)}" is not a valid address (name@domain.tld)`, e.line);
      }
      return { name, line: e.line, ...(email ? { email } : {}) };
    });
}
