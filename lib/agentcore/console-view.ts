/**
 * What a result looks like when a cell prints it (`console.log(result)`, in Jupyter and in the
 * runner alike): only the fields a learner needs, paths relative to the notebook, nothing
 * `undefined`. The object itself keeps every field for code that uses it.
 */
import { relative } from "node:path";
import { inspect } from "node:util";

/** `file` relative to the working directory (the notebook's folder) when it is inside it. */
export function shownPath(file: string, cwd = process.cwd()): string {
  const rel = relative(cwd, file);
  return rel && !rel.startsWith("..") ? rel : file;
}

/** `fields` without the ones that are undefined. */
export function definedFields(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
}

/** Gives `value` a console view (util.inspect's custom hook, not enumerable: JSON and spreads are unchanged). */
export function withConsoleView<T extends object>(value: T, view: (v: T) => Record<string, unknown>): T {
  Object.defineProperty(value, inspect.custom, {
    enumerable: false,
    value: (_depth: number, options: object) => inspect(definedFields(view(value)), options),
  });
  return value;
}
