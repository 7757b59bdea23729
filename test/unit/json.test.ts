// --json on every command that reports gives the shape docs/json.md documents. The validator is
// made from the document itself (its "top level" line per command and its field tables), so the
// document and the test cannot drift apart; the outputs come from real runs of the CLI: a build,
// a check with an error and a warning, inspect of the package built, the profiles, and a
// repository publish, prune and phase.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { FIXTURES, REPO_ROOT, debforge, tempDir, type Run } from '../support/tools.js';

const ENV = { ...process.env, SOURCE_DATE_EPOCH: '1700000000' };
const WATCHDOG = path.join(REPO_ROOT, 'daemons', 'ros_watchdog');
/** A daemon whose build gives warnings of its own (what it read differently from catkin). */
const CATKIN = path.join(FIXTURES, 'system', 'svc_demo_catkin');

interface Field {
  name: string;
  optional: boolean;
  type: string;
}

interface JsonDoc {
  /** Command (`build`, `repo`, ...) -> its top-level type. */
  topLevel: Map<string, string>;
  /** Object type name -> its fields. */
  shapes: Map<string, Field[]>;
}

/** Cells of a Markdown table row; `\|` is a pipe inside a cell. */
function cells(row: string): string[] {
  return row
    .trim()
    .replace(/^\||\|$/g, '')
    .split(/(?<!\\)\|/)
    .map((cell) => cell.trim().replace(/\\\|/g, '|'));
}

async function readJsonDoc(): Promise<JsonDoc> {
  const text = await fs.readFile(path.join(REPO_ROOT, 'docs', 'json.md'), 'utf8');
  const topLevel = new Map<string, string>();
  const shapes = new Map<string, Field[]>();
  let command: string | undefined;
  let shape: string | undefined;
  for (const line of text.split('\n')) {
    const heading = /^(#{2,3}) (\S+)$/.exec(line);
    if (heading) {
      if (heading[1] === '##') [command, shape] = [heading[2], undefined];
      else shape = heading[2];
      continue;
    }
    const top = /top level `([^`]+)`/.exec(line);
    if (top && command !== undefined && shape === undefined) topLevel.set(command, top[1]!);
    if (shape === undefined || !line.startsWith('|')) continue;
    const [name, type] = cells(line);
    if (name === undefined || type === undefined || name === 'field' || /^-+$/.test(name)) continue;
    const fields = shapes.get(shape) ?? [];
    fields.push({ name: name.replace(/\?$/, ''), optional: name.endsWith('?'), type });
    shapes.set(shape, fields);
  }
  return { topLevel, shapes };
}

/** Every way `value` differs from the documented `type`, as `where: what` lines. */
function mismatches(value: unknown, type: string, doc: JsonDoc, where: string): string[] {
  if (type.endsWith('[]')) {
    if (!Array.isArray(value)) return [`${where}: expected an array (${type})`];
    return value.flatMap((item, index) => mismatches(item, type.slice(0, -2), doc, `${where}[${index}]`));
  }
  if (type.startsWith('map of ')) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return [`${where}: expected an object (${type})`];
    return Object.entries(value).flatMap(([key, item]) => mismatches(item, type.slice('map of '.length), doc, `${where}.${key}`));
  }
  if (type.includes('"')) {
    const allowed = type.split('|').map((choice) => JSON.parse(choice.trim()) as string);
    return allowed.includes(value as string) ? [] : [`${where}: ${JSON.stringify(value)} is not one of ${type}`];
  }
  if (type === 'string' || type === 'number' || type === 'boolean') {
    if (typeof value !== type) return [`${where}: expected ${type}, got ${JSON.stringify(value)}`];
    return type === 'number' && !Number.isFinite(value) ? [`${where}: not a finite number`] : [];
  }
  const fields = doc.shapes.get(type);
  if (fields === undefined) return [`${where}: docs/json.md names type ${type} but has no table for it`];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [`${where}: expected a ${type} object`];
  const record = value as Record<string, unknown>;
  const found: string[] = [];
  for (const field of fields) {
    if (!(field.name in record)) {
      if (!field.optional) found.push(`${where}.${field.name}: missing (${type})`);
      continue;
    }
    found.push(...mismatches(record[field.name], field.type, doc, `${where}.${field.name}`));
  }
  const documented = new Set(fields.map((field) => field.name));
  for (const key of Object.keys(record)) if (!documented.has(key)) found.push(`${where}.${key}: not a field of ${type} in docs/json.md`);
  return found;
}

function assertDocumented(doc: JsonDoc, command: string, run: Run): unknown {
  const type = doc.topLevel.get(command);
  assert.ok(type, `docs/json.md gives the top level of ${command}`);
  let value: unknown;
  try {
    value = JSON.parse(run.stdout);
  } catch (error) {
    assert.fail(`${command} --json printed something that is not JSON (${(error as Error).message}):\n${run.stdout}\n${run.stderr}`);
  }
  assert.deepEqual(mismatches(value, type, doc, command), [], `${command} --json against docs/json.md`);
  return value;
}

describe('--json: every reporting command prints the shape docs/json.md documents', function () {
  this.timeout(300_000);
  let doc: JsonDoc;

  before(async () => {
    doc = await readJsonDoc();
  });

  it('the document gives a top level for every reporting command and a table for every type it names', () => {
    assert.deepEqual([...doc.topLevel.keys()].sort(), ['build', 'check', 'inspect', 'profiles', 'repo']);
    const named = [...doc.topLevel.values(), ...[...doc.shapes.values()].flat().map((field) => field.type)]
      .map((type) => type.replace(/\[\]$/, '').replace(/^map of /, ''))
      .filter((type) => !['string', 'number', 'boolean'].includes(type) && !type.includes('"'));
    for (const type of named) assert.ok(doc.shapes.has(type), `a table for ${type}`);
    assert.ok(mismatches({ file: 'x', message: 'y', severity: 'fatal' }, 'Problem', doc, 'p').length > 0, 'the validator refuses what the table does not allow');
    assert.ok(mismatches({ file: 'x', message: 'y', severity: 'note', extra: 1 }, 'Problem', doc, 'p').length > 0, 'and an undocumented field');
  });

  it('build, check, inspect, profiles and repo (publish, prune, phase)', async () => {
    const work = await tempDir('debforge-json-');
    const out = path.join(work, 'dist');
    const built = debforge(['build', WATCHDOG, CATKIN, '--out', out, '--json'], { env: ENV });
    assert.equal(built.code, 0, built.stderr);
    const results = assertDocumented(doc, 'build', built) as { path: string; package: string; warnings: unknown[] }[];
    assert.equal(results.length, 2);
    assert.ok(results[1]!.warnings.length > 0, 'the catkin fixture has warnings, so a Problem is checked');

    const checked = debforge(['check', WATCHDOG, '--tag', 'v9.9.9', '--json'], { env: ENV });
    assert.equal(checked.code, 1, 'a tag mismatch is an error');
    const report = assertDocumented(doc, 'check', checked) as { errors: number; warnings: number; problems: { line?: number }[] };
    assert.ok(report.errors >= 1 && report.warnings >= 1, checked.stdout);
    assert.ok(report.problems.some((problem) => problem.line !== undefined), 'a problem with a line');
    const clean = debforge(['check', path.join(REPO_ROOT, 'daemons'), '--json'], { env: ENV });
    assert.equal(clean.code, 0, clean.stderr);
    assertDocumented(doc, 'check', clean);

    assertDocumented(doc, 'inspect', debforge(['inspect', results[0]!.path, '--json']));
    assertDocumented(doc, 'profiles', debforge(['profiles', '--json']));
    // With a project config, its custom profiles follow the built-in ones, in the same shape.
    const acme = path.join(work, 'acme');
    await fs.cp(path.join(FIXTURES, 'config', 'acme'), acme, { recursive: true });
    await fs.mkdir(path.join(acme, '.git'));
    const custom = assertDocumented(doc, 'profiles', debforge(['profiles', '--json'], { cwd: acme })) as { name: string; base?: string }[];
    assert.deepEqual(custom.filter((profile) => profile.base !== undefined).map((profile) => profile.name), ['acme']);

    const repo = path.join(work, 'apt');
    for (const args of [[out, '--out', repo], ['prune', '--out', repo, '--keep', '1'], ['phase', results[0]!.package, 'latest', '50', '--out', repo]]) {
      const run = debforge(['repo', ...args, '--json'], { env: ENV });
      assert.equal(run.code, 0, `repo ${args.join(' ')}: ${run.stderr}`);
      assertDocumented(doc, 'repo', run);
    }
  });

  it('check without problems says what it checked; an unknown option is one line naming what the command takes', async () => {
    const daemons = (await fs.readdir(path.join(REPO_ROOT, 'daemons'))).length;
    const clean = debforge(['check', path.join(REPO_ROOT, 'daemons'), '--profile', 'noetic', '--profile', 'debian-bookworm'], { env: ENV });
    assert.equal(clean.code, 0, clean.stderr);
    // The one note of noetic's end of life, and the three folders of the ROS 2 tree left out of
    // both ROS 1 profiles, with a note each.
    assert.equal(clean.stdout, `checked ${daemons} daemon folders for 2 profiles (noetic, debian-bookworm): no errors, 7 notes\n`);
    for (const command of [['check'], ['build'], ['inspect'], ['profiles'], ['repo'], ['repo', 'prune'], ['new']]) {
      const run = debforge([...command, '--frob', 'x']);
      assert.equal(run.code, 2, `${command.join(' ')}: ${run.stderr}`);
      assert.equal(run.stdout, '');
      assert.match(run.stderr, new RegExp(`^debforge: Unknown option '--frob': \`debforge ${command.join(' ')}\` takes (--[a-z-]+, )*--help \\(see \`debforge ${command.join(' ')} --help\`\\)\\n$`));
    }
  });
});
