import { ProblemList } from '../errors.js';

const VARIABLE = /@([A-Za-z_][A-Za-z0-9_]*)@/g;

/**
 * CMake `configure_file(... @ONLY)` substitution, but strict: an unknown `@NAME@` is an error at
 * file:line instead of silently becoming empty. `${NAME}` and systemd's `%i` pass through.
 */
export function substitute(text: string, variables: ReadonlyMap<string, string>, file: string, problems: ProblemList): string {
  const lines = text.split('\n');
  return lines
    .map((line, index) =>
      line.replace(VARIABLE, (match, name: string) => {
        const value = variables.get(name);
        if (value === undefined) {
          problems.error(file, `unknown template variable @${name}@: define it with --define ${name}=VALUE or see \`debforge profiles\``, index + 1);
          return match;
        }
        return value;
      }),
    )
    .join('\n');
}
