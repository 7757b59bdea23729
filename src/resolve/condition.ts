import type { Profile } from './profiles.js';

/**
 * Evaluates a package.xml format 3 `condition` attribute (REP 149): `$VAR` references, literals,
 * `==` `!=` `>=` `>` `<=` `<`, `and`, `or` and parentheses. Unknown variables are empty strings,
 * as catkin_pkg treats them.
 */
export function evaluateCondition(expression: string, variables: ReadonlyMap<string, string>): boolean {
  const tokens = tokenize(expression);
  let position = 0;
  const peek = (): string | undefined => tokens[position];
  const next = (): string => {
    const token = tokens[position++];
    if (token === undefined) throw new ConditionError(`unexpected end of condition "${expression}"`);
    return token;
  };

  /** `operand (word operand)*`: every operand is parsed, whatever the value so far, so every token is read. */
  const chain = (word: 'and' | 'or', operand: () => boolean): boolean => {
    let value = operand();
    while (peek() === word) {
      next();
      const right = operand();
      value = word === 'and' ? value && right : value || right;
    }
    return value;
  };
  const parseOr = (): boolean => chain('or', parseAnd);
  const parseAnd = (): boolean => chain('and', parseComparison);
  const parseComparison = (): boolean => {
    if (peek() === '(') {
      next();
      const value = parseOr();
      if (next() !== ')') throw new ConditionError(`missing ")" in condition "${expression}"`);
      return value;
    }
    const left = parseValue();
    const operator = next();
    const right = parseValue();
    switch (operator) {
      case '==': return left === right;
      case '!=': return left !== right;
      case '>=': return compareValues(left, right) >= 0;
      case '>': return compareValues(left, right) > 0;
      case '<=': return compareValues(left, right) <= 0;
      case '<': return compareValues(left, right) < 0;
      default: throw new ConditionError(`unknown operator "${operator}" in condition "${expression}"`);
    }
  };
  const parseValue = (): string => {
    const token = next();
    if (token.startsWith('$')) return variables.get(token.slice(1)) ?? '';
    if (/^["'].*["']$/.test(token)) return token.slice(1, -1);
    if (['(', ')', 'and', 'or', '==', '!=', '>=', '>', '<=', '<'].includes(token)) {
      throw new ConditionError(`expected a value, found "${token}" in condition "${expression}"`);
    }
    return token;
  };

  const result = parseOr();
  if (position !== tokens.length) throw new ConditionError(`unexpected "${tokens[position]}" in condition "${expression}"`);
  return result;
}

export class ConditionError extends Error {}

function compareValues(left: string, right: string): number {
  const a = Number(left);
  const b = Number(right);
  if (left !== '' && right !== '' && !Number.isNaN(a) && !Number.isNaN(b)) return a - b;
  return left < right ? -1 : left > right ? 1 : 0;
}

function tokenize(expression: string): string[] {
  const pattern = /\s*(\(|\)|==|!=|>=|<=|>|<|"[^"]*"|'[^']*'|\$?[A-Za-z0-9_.\-]+)\s*/y;
  const tokens: string[] = [];
  let index = 0;
  while (index < expression.length) {
    if (/^\s*$/.test(expression.slice(index))) break;
    pattern.lastIndex = index;
    const match = pattern.exec(expression);
    if (!match) throw new ConditionError(`cannot parse condition "${expression}" at "${expression.slice(index)}"`);
    tokens.push(match[1]!);
    index = pattern.lastIndex;
  }
  return tokens;
}

/** The variables a format 3 condition reads for a profile (REP 149: ROS_VERSION, ROS_DISTRO, ROS_PYTHON_VERSION). */
export function conditionVariables(profile: Profile): Map<string, string> {
  return new Map([
    ['ROS_VERSION', profile.ros ? String(profile.ros.version) : ''],
    ['ROS_DISTRO', profile.ros?.distro ?? ''],
    ['ROS_PYTHON_VERSION', profile.ros ? String(profile.ros.pythonVersion) : '3'],
  ]);
}
