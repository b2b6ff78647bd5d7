/**
 * The agent's Dockerfile, .dockerignore and package.json, rendered from `assets/templates/`
 * (`{{name}}` placeholders; an unknown placeholder is an error, not an empty string).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_DIR } from "../../project-dir.js";

export const TEMPLATES_DIR = join(PROJECT_DIR, "assets", "templates");

/** AgentCore Runtime runs arm64 (Graviton). */
export const AGENTCORE_PLATFORM = "linux/arm64";

/** Node 22 from ECR Public's Docker official images mirror (no Docker Hub rate limit). */
export const DEFAULT_BASE_IMAGE = "public.ecr.aws/docker/library/node:22-slim";

export function renderTemplate(name: string, vars: Record<string, string>): string {
  const text = readFileSync(join(TEMPLATES_DIR, name), "utf8");
  return text.replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
    const value = vars[key];
    if (value === undefined) throw new Error(`Template ${name} uses {{${key}}}, which was not given`);
    return value;
  });
}

export interface DockerfileOptions {
  agentName: string;
  /** The entry's base name, without extension (`strands_agents_openai`). */
  entry: string;
  platform?: string;
  baseImage?: string;
  /** Baked into the image (AWS_REGION and the like); never secrets. */
  env?: Record<string, string>;
}

/** `ENV` continuation lines for extra variables (values JSON-quoted, so spaces and quotes survive). */
function envLines(env: Record<string, string> = {}): string {
  return Object.entries(env)
    .filter(([k]) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(k))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => ` \\\n    ${k}=${JSON.stringify(v)}`)
    .join("");
}

export function renderDockerfile(o: DockerfileOptions): string {
  return renderTemplate("Dockerfile.node", {
    agentName: o.agentName,
    entry: o.entry,
    platform: o.platform ?? AGENTCORE_PLATFORM,
    baseImage: o.baseImage ?? DEFAULT_BASE_IMAGE,
    envLines: envLines(o.env),
  });
}

export function renderDockerignore(): string {
  return renderTemplate("dockerignore", {});
}

/** The agent's package.json: ESM, with exactly the dependencies its code imports. */
export function renderAgentPackageJson(o: { agentName: string; entry: string; dependencies: Record<string, string> }): string {
  const base = JSON.parse(
    renderTemplate("agent-package.json", {
      agentName: o.agentName,
      entry: o.entry,
      packageName: o.agentName.toLowerCase().replace(/[^a-z0-9._-]/g, "-"),
    }),
  ) as Record<string, unknown>;
  const sorted = Object.fromEntries(Object.entries(o.dependencies).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return JSON.stringify({ ...base, dependencies: sorted }, null, 2) + "\n";
}
