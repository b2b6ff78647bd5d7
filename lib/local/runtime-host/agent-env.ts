/**
 * The environment an agent instance starts with, built from nothing rather than copied from Local
 * AgentCore's own (which may hold AWS keys or other secrets): region, endpoints pointing back here,
 * the execution role through the container-credentials endpoint, the runtime's own
 * `environmentVariables` (without the names runtime-env-names.ts refuses), `DOCKER_CONTAINER=1`
 * and `PORT`.
 */
import { join } from "node:path";
import { ROLE_CREDENTIALS_PATH } from "../local-routes.js";
import { allowedEnv } from "../runtime-env-names.js";

export interface AgentEnvInput {
  region: string;
  /** Local AgentCore, `http://127.0.0.1:<port>`. */
  endpoint: string;
  instanceId: string;
  authorizationToken: string;
  port: number;
  environmentVariables: Record<string, string>;
  /** The agent's working directory (its shared AWS config files point inside it, where there are none). */
  workDir: string;
}

/** Harmless variables a Node process expects, taken from the parent. */
const PASSED_THROUGH = ["PATH", "LANG", "LC_ALL", "TZ", "TMPDIR", "SYSTEMROOT"];

export function agentEnvironment(input: AgentEnvInput, parent: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const k of PASSED_THROUGH) if (parent[k] !== undefined) env[k] = parent[k]!;
  Object.assign(env, {
    AWS_REGION: input.region,
    AWS_DEFAULT_REGION: input.region,
    AWS_ENDPOINT_URL: input.endpoint,
    AWS_ENDPOINT_URL_BEDROCK_AGENTCORE: input.endpoint,
    // No IMDS on a laptop (probing it would only add a timeout), and no ~/.aws files: the
    // execution role is the agent's only identity, as in AgentCore Runtime.
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_SHARED_CREDENTIALS_FILE: join(input.workDir, ".aws-none", "credentials"),
    AWS_CONFIG_FILE: join(input.workDir, ".aws-none", "config"),
  });
  // The control plane refuses loader/shell/AWS names; a record written before that rule still must not pass them.
  Object.assign(env, allowedEnv(input.environmentVariables));
  // What the host needs to reach and identify the instance wins over the runtime's variables.
  Object.assign(env, {
    AWS_CONTAINER_CREDENTIALS_FULL_URI: `${input.endpoint}${ROLE_CREDENTIALS_PATH}/${input.instanceId}`,
    AWS_CONTAINER_AUTHORIZATION_TOKEN: input.authorizationToken,
    DOCKER_CONTAINER: "1",
    PORT: String(input.port),
  });
  return env;
}
