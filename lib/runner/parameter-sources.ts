/**
 * Where parameter values come from, papermill's way: `-f params.yaml`, `-y '<yaml>'` and
 * `-p name value` / `-p name=value`. Later sources win in that order (file, yaml, -p), whatever
 * the order on the command line, as in papermill.
 */
import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { ParameterError, parseParameterArg, type ParameterValue, type Parameters } from "./parameters.js";

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * Rewrites papermill's two-token form `-p name value` into `--param name=value`, so that
 * node's parseArgs (one value per option) sees one token. `-p name=value` stays as it is.
 * `valueOptions` are the other options that take a value, whose value must not be read as a flag:
 * they are glued to it (`--out=-p`, `-y- a`).
 */
export function joinParameterPairs(argv: string[], valueOptions: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      out.push(...argv.slice(i));
      break;
    }
    if (arg === "-p" || arg === "--param" || arg === "--parameters") {
      const first = argv[i + 1];
      if (first === undefined) {
        out.push(arg); // parseArgs reports the missing value
        continue;
      }
      const eq = first.indexOf("=");
      if (eq > 0 && IDENTIFIER.test(first.slice(0, eq))) {
        out.push("--param", first);
        i += 1;
      } else if (IDENTIFIER.test(first) && argv[i + 2] !== undefined) {
        out.push("--param", `${first}=${argv[i + 2]}`);
        i += 2;
      } else {
        out.push("--param", first); // parseParameterArg explains what is wrong with it
        i += 1;
      }
      continue;
    }
    // Glue an option to its value, so parseArgs takes a value starting with "-" (a YAML list) as the value.
    if (valueOptions.has(arg) && i + 1 < argv.length) out.push(arg.startsWith("--") ? `${arg}=${argv[++i]}` : `${arg}${argv[++i]}`);
    else out.push(arg);
  }
  return out;
}

/** Values must survive JSON (they are injected as TypeScript literals). */
function checkValue(name: string, value: unknown, origin: string): ParameterValue {
  const bad = (why: string) => new ParameterError(`${origin}: parameter "${name}" ${why}`);
  const walk = (v: unknown): void => {
    if (v === null || typeof v === "string" || typeof v === "boolean") return;
    if (typeof v === "number") {
      if (!Number.isFinite(v)) throw bad(`is ${v}, which JSON cannot hold; use a finite number or a string`);
      return;
    }
    if (Array.isArray(v)) return v.forEach(walk);
    if (typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) return Object.values(v as object).forEach(walk);
    throw bad(`has a value of an unsupported kind (${v instanceof Date ? "a date; quote it to pass a string" : typeof v}); use strings, numbers, booleans, null, lists or maps`);
  };
  walk(value);
  return value;
}

/** A YAML (or JSON) mapping of parameter names to values. `origin` names the source in errors. */
export function parametersFromYaml(text: string, origin: string): Parameters {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new ParameterError(`${origin} is not valid YAML: ${(e as Error).message.split("\n")[0]}`);
  }
  if (doc === null || doc === undefined) return new Map();
  if (typeof doc !== "object" || Array.isArray(doc)) {
    throw new ParameterError(`${origin} must be a mapping of parameter names to values (name: value), got ${Array.isArray(doc) ? "a list" : `a ${typeof doc}`}`);
  }
  const parameters: Parameters = new Map();
  for (const [name, value] of Object.entries(doc as Record<string, unknown>)) {
    if (!IDENTIFIER.test(name)) throw new ParameterError(`${origin}: "${name}" is not a valid TypeScript identifier`);
    parameters.set(name, checkValue(name, value, origin));
  }
  return parameters;
}

export function parametersFromYamlFile(file: string, shownAs: string): Parameters {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new ParameterError(`-f ${shownAs}: cannot read the parameters file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return parametersFromYaml(text, `-f ${shownAs}`);
}

export interface ParameterSources {
  files: { path: string; shownAs: string }[];
  yaml: string[];
  pairs: string[];
}

/** All sources merged: files, then -y, then -p (each later one overrides a name set before). */
export function collectParameters(sources: ParameterSources): Parameters {
  const merged: Parameters = new Map();
  const add = (p: Parameters) => p.forEach((v, k) => merged.set(k, v));
  for (const f of sources.files) add(parametersFromYamlFile(f.path, f.shownAs));
  for (const y of sources.yaml) add(parametersFromYaml(y, `-y '${y.length > 40 ? `${y.slice(0, 39)}…` : y}'`));
  for (const pair of sources.pairs) {
    const [name, value] = parseParameterArg(pair);
    merged.set(name, value);
  }
  return merged;
}
