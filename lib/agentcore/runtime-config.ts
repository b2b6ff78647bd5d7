/**
 * `.agentcore.json`, next to the entrypoint: the counterpart of the toolkit's `.bedrock_agentcore.yaml`.
 * What `configure()` decided, and per target what `launch()` deployed (so a re-run updates the same
 * runtime and `invoke()` reuses the same session id).
 */
import { randomUUID } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Target } from "../session.js";
import type { AuthorizerConfiguration } from "@aws-sdk/client-bedrock-agentcore-control";

export const CONFIG_FILE = ".agentcore.json";

export type DeploymentType = "code" | "container";

export interface Deployment {
  agentRuntimeId?: string;
  agentRuntimeArn?: string;
  agentRuntimeVersion?: string;
  roleArn?: string;
  /** code: where the bundle is. */
  codeLocation?: { bucket: string; key: string };
  /** container: the image pushed. */
  containerUri?: string;
  /** Reused by invoke() until a new one is asked for. */
  agentSessionId?: string;
  launchedAt?: string;
}

export interface AgentConfig {
  name: string;
  /** Relative to the config file's folder. */
  entrypoint: string;
  deploymentType: DeploymentType;
  runtime: "NODE_22";
  platform: string;
  region?: string;
  executionRole?: string;
  executionRoleAutoCreate: boolean;
  ecrRepository?: string;
  ecrAutoCreate: boolean;
  containerRuntime?: "docker" | "podman";
  baseImage?: string;
  envVars: Record<string, string>;
  /** The runtime's inbound JWT authorizer, as CreateAgentRuntime takes it. */
  authorizerConfiguration?: AuthorizerConfiguration;
  requestHeaderAllowlist?: string[];
  /** Where node_modules comes from (absolute), when not the entry's nearest ancestor with one. */
  projectDir?: string;
  /** false: ship the agent's packages in node_modules/ instead of bundling them (see code-bundle.ts). */
  bundleDependencies?: boolean;
  deployments: Partial<Record<Target, Deployment>>;
}

export interface ConfigFile {
  defaultAgent?: string;
  agents: Record<string, AgentConfig>;
}

export const configPathFor = (entrypointPath: string): string => join(dirname(entrypointPath), CONFIG_FILE);

export function readConfig(path: string): ConfigFile {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return { agents: {} };
    throw e;
  }
  try {
    const parsed = JSON.parse(text) as ConfigFile;
    return { ...parsed, agents: parsed.agents ?? {} };
  } catch (e) {
    throw new Error(`${path} is not valid JSON (${(e as Error).message}). Fix it, or delete it and run configure() again.`);
  }
}

export function writeConfig(path: string, config: ConfigFile): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${randomUUID().slice(0, 8)}.tmp`;
  writeFileSync(tmp, JSON.stringify(config, null, 2) + "\n");
  renameSync(tmp, path);
}

/** Reads, changes one agent's entry, writes back atomically. */
export function updateAgentConfig(path: string, name: string, change: (agent: AgentConfig) => AgentConfig): AgentConfig {
  const config = readConfig(path);
  const current = config.agents[name];
  if (!current) throw new Error(`${path} has no agent ${name}: run configure() first.`);
  const next = change(current);
  writeConfig(path, { ...config, agents: { ...config.agents, [name]: next } });
  return next;
}
