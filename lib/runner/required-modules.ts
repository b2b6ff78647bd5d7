/**
 * `--require <module>` (the convention of `node -r` and `mocha --require`): modules loaded in the
 * process that runs the cells, once per process, before its first cell: a kernel's startup code.
 * A path (./x, ../x, /abs) is resolved from the current directory, anything else as a package
 * from there; TypeScript loads when the process runs with tsx (the runner's child does). They load
 * with the cells' working directory as the current one, so a module that reads process.cwd() sees
 * the notebook's folder, as in a kernel Jupyter starts there.
 */
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { NotebookFormatError } from "./notebook-file.js";

/** A module that cannot be found or throws while loading: a setup error (exit 2, no cell runs), as an unusable notebook is. */
export class RequireError extends NotebookFormatError {
  override name = "RequireError";
}

const looksLikePath = (spec: string) => /^\.\.?([\\/]|$)/.test(spec) || path.isAbsolute(spec);

/** The file `spec` names, from `fromDir`; throws RequireError when there is none. */
export function resolveRequired(spec: string, fromDir: string): string {
  // A parent named .ts lets tsx (when loaded) map ./x.js to x.ts as TypeScript's own imports do.
  const req = createRequire(path.join(fromDir, "[require].ts"));
  try {
    return req.resolve(looksLikePath(spec) ? path.resolve(fromDir, spec) : spec);
  } catch (e) {
    const kind = looksLikePath(spec) ? "no such file" : "no such package";
    throw new RequireError(`--require ${spec}: cannot find it (${kind} from ${fromDir}): ${firstLine(e)}`);
  }
}

const firstLine = (e: unknown) => String((e as Error)?.message ?? e).split("\n")[0];

/** Files loaded in this process so far: a module is loaded once, whatever runs next. */
const loaded = new Set<string>();

/**
 * Loads each module not loaded yet in this process, in order, with `cwd` as the current directory
 * meanwhile; throws RequireError naming the module when one cannot be found or throws.
 */
export async function loadRequired(specs: readonly string[], cwd: string): Promise<void> {
  for (const spec of specs) {
    const file = resolveRequired(spec, process.cwd());
    if (loaded.has(file)) continue;
    const here = process.cwd();
    process.chdir(cwd);
    try {
      await import(pathToFileURL(file).href);
    } catch (e) {
      throw new RequireError(`--require ${shown(spec, here)}: loading it threw ${whereItThrew(e)}`);
    } finally {
      process.chdir(here);
    }
    loaded.add(file);
  }
}

/** A path as the user would write it (the CLI passes absolute ones). */
const shown = (spec: string, cwd: string) => (path.isAbsolute(spec) && spec.startsWith(cwd + path.sep) ? path.relative(cwd, spec) : spec);

/** The error and the module's own stack frames (not Node's loader, tsx's or this file's). */
function whereItThrew(e: unknown): string {
  const stack = (e as Error)?.stack;
  if (typeof stack !== "string") return String(e);
  return stack
    .split("\n")
    .filter((line) => !/^\s+at .*(node:internal|[\\/]node_modules[\\/]tsx[\\/]|required-modules\.[jt]s)/.test(line))
    .join("\n");
}

/** Whether a resolved module is TypeScript (the child then needs tsx). */
export const isTypeScript = (file: string) => /\.[cm]?tsx?$/.test(file);
