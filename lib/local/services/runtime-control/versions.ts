/**
 * Immutable runtime versions: built from a Create/UpdateAgentRuntime input, listed by
 * ListAgentRuntimeVersions.
 */
import { AwsError } from "../../errors.js";
import type { RequestContext, Shape } from "../../service.js";
import { refusedEnvName, refusedEnvValue } from "../../runtime-env-names.js";
import { refusedAllowlist } from "../../runtime-header-names.js";
import { DEFAULT_MAX_RESULTS, findRuntime, invalidNextToken } from "./lookup.js";
import { paginate } from "../pagination.js";
import {
  DEFAULT_LIFECYCLE,
  KIND,
  versionKey,
  type RuntimeArtifact,
  type RuntimeRecord,
  type RuntimeStatus,
  type RuntimeVersionRecord,
} from "./records.js";

const MAX_VERSION = 99999; // the model's AgentRuntimeVersion is at most 5 digits

const invalid = (field: string, message: string) =>
  new AwsError("ValidationException", `${field}: ${message}`, 400, {
    reason: "FieldValidationFailed",
    fieldList: [{ name: field, message }],
  });

/** What the model cannot say about a runtime configuration: unions with exactly one member, lifecycle order. */
export function validateConfiguration(input: Shape): void {
  const artifact = input.agentRuntimeArtifact as RuntimeArtifact | undefined;
  const members = Object.entries(artifact ?? {}).filter(([, v]) => v !== undefined && v !== null);
  if (members.length !== 1) {
    throw invalid("agentRuntimeArtifact", "Set exactly one of containerConfiguration or codeConfiguration.");
  }
  const code = artifact!.codeConfiguration;
  if (code && !code.code?.s3) {
    throw invalid("agentRuntimeArtifact.codeConfiguration.code", "Set code.s3 with the bucket and the object key (prefix) of the code bundle.");
  }
  const idle = input.lifecycleConfiguration?.idleRuntimeSessionTimeout ?? DEFAULT_LIFECYCLE.idleRuntimeSessionTimeout;
  const max = input.lifecycleConfiguration?.maxLifetime ?? DEFAULT_LIFECYCLE.maxLifetime;
  if (idle > max) {
    throw invalid(
      "lifecycleConfiguration.idleRuntimeSessionTimeout",
      `The idle timeout (${idle} s) must not exceed maxLifetime (${max} s).`,
    );
  }
  const network = input.networkConfiguration;
  if (network?.networkMode === "VPC" && !network.networkModeConfig) {
    throw invalid("networkConfiguration.networkModeConfig", "VPC network mode needs networkModeConfig with securityGroups and subnets.");
  }
  validateEnvironmentVariables(input.environmentVariables as Record<string, string> | undefined);
  validateAuthorizer(input.authorizerConfiguration?.customJWTAuthorizer);
  const allowlist = input.requestHeaderConfiguration?.requestHeaderAllowlist as string[] | undefined;
  const why = allowlist && refusedAllowlist(allowlist, !!input.authorizerConfiguration?.customJWTAuthorizer);
  if (why) throw invalid("requestHeaderConfiguration.requestHeaderAllowlist", `${why}. Remove it from the allowlist and send the request again.`);
}

/**
 * The discovery URL is fetched by Local AgentCore when a bearer token arrives, so it must be an
 * http(s) URL (the model's pattern only asks for the `/.well-known/openid-configuration` suffix).
 * Only a caller allowed to create or update the runtime sets it.
 */
function validateAuthorizer(jwt: { discoveryUrl?: unknown; customClaims?: unknown[] } | undefined): void {
  if (!jwt) return;
  let url: URL | undefined;
  try {
    url = new URL(String(jwt.discoveryUrl));
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== "https:" && url.protocol !== "http:") || url.username || url.password) {
    throw invalid(
      "authorizerConfiguration.customJWTAuthorizer.discoveryUrl",
      "Set the issuer's OpenID discovery URL, an http(s) URL without credentials ending in /.well-known/openid-configuration.",
    );
  }
  for (const rule of (jwt.customClaims ?? []) as { inboundTokenClaimValueType?: string; authorizingClaimMatchValue?: { claimMatchOperator?: string; claimMatchValue?: { matchValueString?: string; matchValueStringList?: string[] } } }[]) {
    const op = rule.authorizingClaimMatchValue?.claimMatchOperator;
    const value = rule.authorizingClaimMatchValue?.claimMatchValue;
    const ok =
      rule.inboundTokenClaimValueType === "STRING"
        ? op === "EQUALS" && value?.matchValueString !== undefined
        : op === "CONTAINS"
          ? value?.matchValueString !== undefined
          : op === "CONTAINS_ANY" && value?.matchValueStringList !== undefined;
    if (!ok) {
      throw invalid(
        "authorizerConfiguration.customJWTAuthorizer.customClaims",
        "A STRING claim takes EQUALS with matchValueString; a STRING_ARRAY claim takes CONTAINS with matchValueString or CONTAINS_ANY with matchValueStringList.",
      );
    }
  }
}

/** Refuses variable names AgentCore reserves or that would run code on this machine (see runtime-env-names.ts). */
function validateEnvironmentVariables(vars: Record<string, string> | undefined): void {
  for (const [name, value] of Object.entries(vars ?? {})) {
    const why = refusedEnvName(name) ?? refusedEnvValue(value);
    if (why) throw invalid("environmentVariables", `${why}. Remove it from environmentVariables (or rename it) and send the request again.`);
  }
}

export function nextVersion(runtime: RuntimeRecord): string {
  const n = Number(runtime.latestVersion) + 1;
  if (n > MAX_VERSION) {
    throw new AwsError("ServiceQuotaExceededException", `Agent runtime ${runtime.agentRuntimeId} has reached ${MAX_VERSION} versions.`, 402);
  }
  return String(n);
}

/** A new version record from a Create/UpdateAgentRuntime input (the input replaces the whole configuration). */
export function buildVersion(
  input: Shape,
  runtime: Pick<RuntimeRecord, "agentRuntimeId" | "agentRuntimeArn" | "agentRuntimeName" | "workloadIdentityName" | "workloadIdentityArn">,
  version: string,
  status: RuntimeStatus,
  now: string,
  settleAt: string,
): RuntimeVersionRecord {
  return {
    agentRuntimeId: runtime.agentRuntimeId,
    agentRuntimeArn: runtime.agentRuntimeArn,
    agentRuntimeName: runtime.agentRuntimeName,
    agentRuntimeVersion: version,
    artifact: input.agentRuntimeArtifact as RuntimeArtifact,
    roleArn: input.roleArn as string,
    environmentVariables: (input.environmentVariables as Record<string, string> | undefined) ?? {},
    lifecycleConfiguration: {
      idleRuntimeSessionTimeout: input.lifecycleConfiguration?.idleRuntimeSessionTimeout ?? DEFAULT_LIFECYCLE.idleRuntimeSessionTimeout,
      maxLifetime: input.lifecycleConfiguration?.maxLifetime ?? DEFAULT_LIFECYCLE.maxLifetime,
    },
    protocolConfiguration: input.protocolConfiguration ?? { serverProtocol: "HTTP" },
    networkConfiguration: input.networkConfiguration ?? { networkMode: "PUBLIC" },
    workloadIdentityName: runtime.workloadIdentityName,
    workloadIdentityArn: runtime.workloadIdentityArn,
    description: input.description,
    authorizerConfiguration: input.authorizerConfiguration,
    requestHeaderConfiguration: input.requestHeaderConfiguration,
    metadataConfiguration: input.metadataConfiguration,
    filesystemConfigurations: input.filesystemConfigurations,
    capacityProviderConfiguration: input.capacityProviderConfiguration,
    platformVersion: input.platformVersion,
    status,
    createdAt: now,
    lastUpdatedAt: now,
    settleAt,
  };
}

/** The `AgentRuntime` list item (ListAgentRuntimes and ListAgentRuntimeVersions). */
export function summary(version: RuntimeVersionRecord, status: RuntimeStatus, lastUpdatedAt: string): Shape {
  return {
    agentRuntimeArn: version.agentRuntimeArn,
    agentRuntimeId: version.agentRuntimeId,
    agentRuntimeVersion: version.agentRuntimeVersion,
    agentRuntimeName: version.agentRuntimeName,
    description: version.description,
    lastUpdatedAt: new Date(lastUpdatedAt),
    status,
  };
}

export function listAgentRuntimeVersions(input: Shape, ctx: RequestContext): Shape {
  ctx.authorize("bedrock-agentcore:ListAgentRuntimeVersions", "*");
  const runtime = findRuntime(ctx, input.agentRuntimeId);
  const versions = ctx.local.store.list<RuntimeVersionRecord>(KIND.version, `${runtime.agentRuntimeId}/`);
  const page = paginate(
    versions,
    (v) => versionKey(v.agentRuntimeId, v.agentRuntimeVersion),
    { token: input.nextToken, pageSize: input.maxResults ?? DEFAULT_MAX_RESULTS, invalidToken: invalidNextToken },
  );
  return {
    agentRuntimes: page.items.map((v) =>
      summary(v, runtime.status === "DELETING" ? "DELETING" : v.status, v.lastUpdatedAt),
    ),
    nextToken: page.nextToken,
  };
}
