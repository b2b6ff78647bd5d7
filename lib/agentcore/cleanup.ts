/**
 * Deletes what the ledger lists, in dependency order: runtimes → images → repositories → role
 * policies → roles → credential providers (API key, OAuth2) → identity provider clients and users
 * → Cognito users, app clients, user pools → S3 objects → buckets. Already gone is fine; each step
 * is reported; the ledger ends empty (failures stay, to be retried). Entries of another target,
 * account or region are left for a session of that target. A resource that cannot be shown to be
 * the one this ledger created (a role without our tag, a runtime intent without an id) is kept.
 */
import { DeleteAgentRuntimeCommand, GetAgentRuntimeCommand, ListAgentRuntimesCommand } from "@aws-sdk/client-bedrock-agentcore-control";
import { DeleteApiKeyCredentialProviderCommand, DeleteOauth2CredentialProviderCommand, GetApiKeyCredentialProviderCommand } from "@aws-sdk/client-bedrock-agentcore-control";
import { DeleteRoleCommand, DeleteRolePolicyCommand, DetachRolePolicyCommand, ListAttachedRolePoliciesCommand, ListRolePoliciesCommand } from "@aws-sdk/client-iam";
import { session as defaultSession, type Session } from "../session.js";
import { Ledger, scopeOf, type LedgerEntry } from "./ledger.js";
import { adoptProvider, type LibOptions } from "./identity.js";
import { adoptOauth2Provider, oauth2ProviderExists } from "./oauth2.js";
import { deleteIdpClientEntry } from "./idp-client.js";
import { deleteIdpUserEntry } from "./idp-user.js";
import { deleteCognitoUserEntry, deleteUserPoolClientEntry, deleteUserPoolEntry } from "./cognito.js";
import { localIdp, type LocalIdp } from "../local/client/idp.js";
import { getRole, isOurRole, LEDGER_TAG, taggedFor } from "./ownership.js";
import { errorName, isNotFound } from "./aws-errors.js";
import { deleteImages, deleteRepository } from "./ecr.js";
import { deleteBucket, deleteObject } from "./s3.js";
import { pollUntil } from "./wait.js";
import { enginesOnPath } from "./build/container.js";
import { shownPath } from "./console-view.js";

export type StepOutcome = "deleted" | "already gone" | "kept" | "failed" | "skipped" | "would delete";

export interface CleanupStep {
  kind: LedgerEntry["kind"];
  resource: string;
  outcome: StepOutcome;
  detail?: string;
}

export interface CleanupReport {
  steps: CleanupStep[];
  /** Entries of another target/account/region, left in the ledger. */
  otherScopes: number;
  ok: boolean;
}

const ORDER: LedgerEntry["kind"][] = [
  "agent-runtime",
  "ecr-image",
  "ecr-repository",
  "iam-role-policy",
  "iam-role",
  "credential-provider",
  "oauth2-credential-provider",
  "idp-client",
  "idp-user",
  "cognito-user",
  "cognito-user-pool-client",
  "cognito-user-pool",
  "s3-object",
  "s3-bucket",
];

export function describeEntry(e: LedgerEntry): string {
  switch (e.kind) {
    case "agent-runtime":
      return e.agentRuntimeId ?? e.agentRuntimeName;
    case "ecr-image":
      return `${e.repositoryName}:${e.imageTag}`;
    case "ecr-repository":
      return e.repositoryName;
    case "iam-role-policy":
      return `${e.roleName}/${e.policyName}`;
    case "iam-role":
      return e.roleName;
    case "credential-provider":
    case "oauth2-credential-provider":
      return e.name;
    case "idp-client":
      return `${e.clientId} (identity provider client)`;
    case "idp-user":
      return `${e.username} (identity provider user)`;
    case "cognito-user":
      return `${e.username} (Cognito user in ${e.userPoolId})`;
    case "cognito-user-pool-client":
      return `${e.clientId ?? e.clientName} (Cognito app client in ${e.userPoolId})`;
    case "cognito-user-pool":
      return `${e.userPoolId ?? e.poolName} (Cognito user pool ${e.poolName})`;
    case "s3-object":
      return `s3://${e.bucket}/${e.key}`;
    case "s3-bucket":
      return `s3://${e.bucket}`;
  }
}

export interface CleanupOptions extends LibOptions {
  /** Only entries for which this is true (destroy() uses it for one agent's resources). */
  filter?: (e: LedgerEntry) => boolean;
  /** How long to wait for a runtime deletion to finish (default 2 min local, 10 min aws). */
  runtimeDeleteTimeoutMs?: number;
  /** List what would be deleted; delete nothing and leave the ledger as it is. */
  dryRun?: boolean;
  /** The identity provider of `idp-client` and `idp-user` entries (default: this project's Local AgentCore's). */
  idp?: LocalIdp;
}

export async function cleanup(opts: CleanupOptions = {}): Promise<CleanupReport> {
  const s = opts.session ?? (await defaultSession());
  const ledger = opts.ledger ?? new Ledger();
  const log = opts.log ?? console.log;
  const scope = await scopeOf(s);
  const mine = ledger.entriesFor(scope).filter((e) => opts.filter?.(e) ?? true);
  const otherScopes = opts.filter ? 0 : ledger.entries().length - ledger.entriesFor(scope).length;
  const steps: CleanupStep[] = [];
  if (mine.length === 0) log(`Nothing to clean up in ${shownPath(ledger.file)} for ${s.target} ${scope.accountId}/${s.region}.`);

  const byKind = [...mine].sort((a, b) => ORDER.indexOf(a.kind) - ORDER.indexOf(b.kind));
  for (const entry of byKind) {
    if (opts.dryRun) {
      const step: CleanupStep = { kind: entry.kind, resource: describeEntry(entry), outcome: "would delete", ...(entry.state === "intent" ? { detail: "if it exists and is this entry's" } : {}) };
      steps.push(step);
      log(`– ${entry.kind} ${step.resource}: ${step.outcome}${step.detail ? ` (${step.detail})` : ""}`);
      continue;
    }
    let step: CleanupStep;
    try {
      step = await deleteEntry(s, entry, opts);
    } catch (e) {
      step = { kind: entry.kind, resource: describeEntry(entry), outcome: "failed", detail: `${errorName(e)}: ${(e as Error).message}` };
    }
    steps.push(step);
    if (step.outcome !== "failed") ledger.remove(entry.id);
    const mark = step.outcome === "deleted" ? "✓" : step.outcome === "failed" ? "✗" : "–";
    log(`${mark} ${entry.kind} ${step.resource}: ${step.outcome}${step.detail ? ` (${step.detail})` : ""}`);
  }
  if (otherScopes > 0) log(`${otherScopes} ledger entr${otherScopes === 1 ? "y" : "ies"} belong to another target, account or region; run cleanup there.`);
  return { steps, otherScopes, ok: steps.every((x) => x.outcome !== "failed") };
}

async function deleteEntry(s: Session, e: LedgerEntry, opts: CleanupOptions): Promise<CleanupStep> {
  const base = { kind: e.kind, resource: describeEntry(e) };
  const gone = (ok: boolean): CleanupStep => ({ ...base, outcome: ok ? "deleted" : "already gone" });
  const quiet = { session: s, log: () => {} };
  switch (e.kind) {
    case "agent-runtime": {
      const found = await findRuntime(s, e);
      if (found === "unverified") {
        return { ...base, outcome: "kept", detail: "the create was never confirmed and the runtime of that name cannot be shown to be this one's (no id recorded, no tag readable); delete it yourself if it is yours" };
      }
      if (!found) return gone(false);
      return gone(await deleteRuntime(s, found, opts.runtimeDeleteTimeoutMs ?? (s.target === "local" ? 120_000 : 600_000)));
    }
    case "ecr-image": {
      const deleted = (await deleteImages(e.repositoryName, [e.imageTag], quiet)) > 0;
      // Local ECR only records the image; the image itself is in the local engine.
      if (s.target === "local") await removeLocalImage(`${e.accountId}.dkr.ecr.${e.region}.amazonaws.com/${e.repositoryName}:${e.imageTag}`);
      return gone(deleted);
    }
    case "ecr-repository":
      return gone(await deleteRepository(e.repositoryName, quiet));
    case "iam-role-policy":
      try {
        await s.clients.iam.send(new DeleteRolePolicyCommand({ RoleName: e.roleName, PolicyName: e.policyName }));
        return gone(true);
      } catch (err) {
        if (isNotFound(err)) return gone(false);
        throw err;
      }
    case "iam-role": {
      const role = await getRole(s, e.roleName);
      if (!role) return gone(false);
      if (!isOurRole(role, e)) {
        return { ...base, outcome: "kept", detail: `it does not carry this ledger entry's tag ${LEDGER_TAG}: someone else's role of that name` };
      }
      return gone(await deleteRole(s, e.roleName));
    }
    case "credential-provider":
      // An intent may name a provider someone else created after this create failed: check first.
      if (e.state === "intent" && !(await adoptProvider(s, e))) {
        const exists = await providerExists(s, e.name);
        if (!exists) return gone(false);
        return { ...base, outcome: "kept", detail: "the create was never confirmed and the provider of that name cannot be shown to be this one's" };
      }
      try {
        await s.clients.control.send(new DeleteApiKeyCredentialProviderCommand({ name: e.name }));
        return gone(true);
      } catch (err) {
        if (isNotFound(err)) return gone(false);
        throw err;
      }
    case "oauth2-credential-provider":
      if (e.state === "intent" && !(await adoptOauth2Provider(s, e))) {
        if (!(await oauth2ProviderExists(s, e.name))) return gone(false);
        return { ...base, outcome: "kept", detail: "the create was never confirmed and the provider of that name cannot be shown to be this one's" };
      }
      try {
        await s.clients.control.send(new DeleteOauth2CredentialProviderCommand({ name: e.name }));
        return gone(true);
      } catch (err) {
        if (isNotFound(err)) return gone(false);
        throw err;
      }
    case "idp-client": {
      const outcome = await deleteIdpClientEntry(opts.idp ?? localIdp(), e);
      return outcome === "kept" ? { ...base, outcome, detail: "the create was never confirmed and the client of that id is older than it: someone else's" } : { ...base, outcome };
    }
    case "idp-user": {
      const outcome = await deleteIdpUserEntry(opts.idp ?? localIdp(), e);
      return outcome === "kept" ? { ...base, outcome, detail: "the create was never confirmed and the user of that name is older than it: someone else's" } : { ...base, outcome };
    }
    case "cognito-user":
      return { ...base, ...(await deleteCognitoUserEntry(s, e)) };
    case "cognito-user-pool-client":
      return { ...base, ...(await deleteUserPoolClientEntry(s, e)) };
    case "cognito-user-pool":
      return { ...base, ...(await deleteUserPoolEntry(s, e)) };
    case "s3-object":
      return gone(await deleteObject(e.bucket, e.key, quiet));
    case "s3-bucket":
      try {
        return gone(await deleteBucket(e.bucket, quiet));
      } catch (err) {
        if (errorName(err) === "BucketNotEmpty") {
          return { ...base, outcome: "kept", detail: "it holds objects this ledger did not create; empty it yourself to delete it" };
        }
        throw err;
      }
  }
}

/** Best effort: `<engine> rmi` in whichever engine has the image. */
async function removeLocalImage(image: string): Promise<void> {
  const { $ } = await import("zx");
  for (const engine of enginesOnPath()) {
    await $({ nothrow: true, quiet: true, timeout: "60s" })`${engine} rmi ${image}`;
  }
}

/**
 * The runtime's id: recorded; or, for an intent whose create may have happened, the runtime of that
 * name when its tags show it is this entry's. Never by name alone: someone else may have made it.
 */
async function findRuntime(s: Session, e: Extract<LedgerEntry, { kind: "agent-runtime" }>): Promise<string | undefined | "unverified"> {
  if (e.agentRuntimeId) return e.agentRuntimeId;
  let nextToken: string | undefined;
  do {
    const page = await s.clients.control.send(new ListAgentRuntimesCommand({ nextToken }));
    const hit = page.agentRuntimes?.find((r) => r.agentRuntimeName === e.agentRuntimeName);
    if (hit) return (await taggedFor(s, hit.agentRuntimeArn!, e)) ? hit.agentRuntimeId : "unverified";
    nextToken = page.nextToken;
  } while (nextToken);
  return undefined;
}

async function providerExists(s: Session, name: string): Promise<boolean> {
  try {
    await s.clients.control.send(new GetApiKeyCredentialProviderCommand({ name }));
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

/** Deletes the runtime (its endpoints go with it) and waits until it is gone, so its role can go next. */
async function deleteRuntime(s: Session, id: string, timeoutMs: number): Promise<boolean> {
  try {
    await s.clients.control.send(new DeleteAgentRuntimeCommand({ agentRuntimeId: id }));
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
  await pollUntil({
    read: async () => {
      try {
        return (await s.clients.control.send(new GetAgentRuntimeCommand({ agentRuntimeId: id }))).status ?? "DELETING";
      } catch (err) {
        if (isNotFound(err)) return "DELETED";
        throw err;
      }
    },
    statusOf: (x) => x,
    isDone: (x) => x === "DELETED" || x === "DELETE_FAILED",
    timeoutMs,
    timeoutMessage: (x) => `runtime ${id} still ${x} after ${Math.round(timeoutMs / 1000)}s; run cleanup again later`,
  }).then((x) => {
    if (x === "DELETE_FAILED") throw new Error(`runtime ${id} DELETE_FAILED`);
  });
  return true;
}

/** A role this ledger created: its inline policies and attachments are removed with it. */
async function deleteRole(s: Session, roleName: string): Promise<boolean> {
  try {
    const inline = await s.clients.iam.send(new ListRolePoliciesCommand({ RoleName: roleName }));
    for (const policyName of inline.PolicyNames ?? []) {
      await s.clients.iam.send(new DeleteRolePolicyCommand({ RoleName: roleName, PolicyName: policyName }));
    }
    const attached = await s.clients.iam.send(new ListAttachedRolePoliciesCommand({ RoleName: roleName }));
    for (const p of attached.AttachedPolicies ?? []) {
      await s.clients.iam.send(new DetachRolePolicyCommand({ RoleName: roleName, PolicyArn: p.PolicyArn! }));
    }
    await s.clients.iam.send(new DeleteRoleCommand({ RoleName: roleName }));
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}
