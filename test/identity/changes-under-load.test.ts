/**
 * GetResourceApiKey under concurrent load while IAM and Identity change: every call that starts
 * after a change has been answered sees it — an inline policy deleted, put back, replaced by an
 * explicit deny, managed policies attached and detached, the credential provider deleted and
 * re-created with another key, the key rotated in place, a policy removed by another process
 * writing the state folder, the workload identity deleted. The per-request caches (derived SigV4
 * keys, compiled policies and decisions, the token's verified signature, role sessions, the
 * store's shared reads of records and encrypted vault rows) must never answer from before a change.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { GetResourceApiKeyCommand, GetWorkloadAccessTokenForUserIdCommand } from "@aws-sdk/client-bedrock-agentcore";
import {
  CreateApiKeyCredentialProviderCommand,
  CreateWorkloadIdentityCommand,
  DeleteApiKeyCredentialProviderCommand,
  DeleteWorkloadIdentityCommand,
  UpdateApiKeyCredentialProviderCommand,
} from "@aws-sdk/client-bedrock-agentcore-control";
import { AttachRolePolicyCommand, CreatePolicyCommand, CreateRoleCommand, DeleteRolePolicyCommand, DetachRolePolicyCommand, PutRolePolicyCommand } from "@aws-sdk/client-iam";
import { AssumeRoleCommand } from "@aws-sdk/client-sts";
import { startTestLocal, type TestClients, type TestLocal } from "../helpers/local.js";
import { Store } from "../../lib/local/state/store.js";
import { bumpIamGeneration } from "../../lib/local/services/iam/generation.js";

const ALLOW = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["bedrock-agentcore:GetResourceApiKey", "secretsmanager:GetSecretValue"], Resource: "*" }] };
const DENY = { Version: "2012-10-17", Statement: [{ Effect: "Deny", Action: "bedrock-agentcore:GetResourceApiKey", Resource: "*" }] };
const NOTHING = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "sts:GetCallerIdentity", Resource: "*" }] };

interface Outcome {
  startedAt: number;
  result: string;
}

describe("GetResourceApiKey sees every change on the next call, under concurrent load", () => {
  let local: TestLocal;
  let agent: TestClients;
  let token: string;
  const outcomes: Outcome[] = [];
  let running = true;
  let load: Promise<void>;

  const call = async (): Promise<string> => {
    try {
      const out = await agent.data.send(new GetResourceApiKeyCommand({ workloadIdentityToken: token, resourceCredentialProviderName: "openai" }));
      return `key:${out.apiKey}`;
    } catch (e) {
      return (e as Error).name;
    }
  };

  /** Waits until `change` has been answered, then checks the outcome of every call started after it. */
  const afterChange = async (change: () => Promise<unknown>, expected: string) => {
    await change();
    const changedAt = performance.now();
    assert.equal(await call(), expected, "the very next call");
    // Let the load run on for a while with the change in place.
    await new Promise((r) => setTimeout(r, 150));
    const later = outcomes.filter((o) => o.startedAt > changedAt);
    assert.ok(later.length > 5, `the load kept running (${later.length} calls)`);
    const wrong = later.filter((o) => o.result !== expected);
    assert.deepEqual(wrong.slice(0, 3), [], `${wrong.length} of ${later.length} calls started after the change answered otherwise`);
  };

  before(async () => {
    local = await startTestLocal();
    const { control, data, iam, sts } = local.clients;
    await control.send(new CreateApiKeyCredentialProviderCommand({ name: "openai", apiKey: "sk-first-key-0123456789" }));
    await control.send(new CreateWorkloadIdentityCommand({ name: "agent" }));
    const trust = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${local.accountId}:root` }, Action: "sts:AssumeRole" }] };
    const role = await iam.send(new CreateRoleCommand({ RoleName: "agent-role", AssumeRolePolicyDocument: JSON.stringify(trust) }));
    await iam.send(new PutRolePolicyCommand({ RoleName: "agent-role", PolicyName: "inline", PolicyDocument: JSON.stringify(ALLOW) }));
    const c = (await sts.send(new AssumeRoleCommand({ RoleArn: role.Role!.Arn!, RoleSessionName: "agent", DurationSeconds: 3600 }))).Credentials!;
    agent = local.clientsFor({ accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! });
    token = (await data.send(new GetWorkloadAccessTokenForUserIdCommand({ workloadName: "agent", userId: "user-1" }))).workloadAccessToken!;
    assert.equal(await call(), "key:sk-first-key-0123456789");
    const worker = async () => {
      while (running) {
        const startedAt = performance.now();
        outcomes.push({ startedAt, result: await call() });
      }
    };
    load = Promise.all(Array.from({ length: 6 }, worker)).then(() => undefined);
  });

  after(async () => {
    running = false;
    await load;
    await local?.stop();
  });

  it("the inline policy deleted: AccessDeniedException; put back: the key", async () => {
    const { iam } = local.clients;
    await afterChange(() => iam.send(new DeleteRolePolicyCommand({ RoleName: "agent-role", PolicyName: "inline" })), "AccessDeniedException");
    await afterChange(() => iam.send(new PutRolePolicyCommand({ RoleName: "agent-role", PolicyName: "inline", PolicyDocument: JSON.stringify(ALLOW) })), "key:sk-first-key-0123456789");
  });

  it("the inline policy replaced by one that allows something else, then an explicit deny next to the allow", async () => {
    const { iam } = local.clients;
    await afterChange(() => iam.send(new PutRolePolicyCommand({ RoleName: "agent-role", PolicyName: "inline", PolicyDocument: JSON.stringify(NOTHING) })), "AccessDeniedException");
    await afterChange(() => iam.send(new PutRolePolicyCommand({ RoleName: "agent-role", PolicyName: "inline", PolicyDocument: JSON.stringify(ALLOW) })), "key:sk-first-key-0123456789");
    await afterChange(() => iam.send(new PutRolePolicyCommand({ RoleName: "agent-role", PolicyName: "deny", PolicyDocument: JSON.stringify(DENY) })), "AccessDeniedException");
    await afterChange(() => iam.send(new DeleteRolePolicyCommand({ RoleName: "agent-role", PolicyName: "deny" })), "key:sk-first-key-0123456789");
  });

  it("a managed policy attached and detached: a deny, then the only allow", async () => {
    const { iam } = local.clients;
    const deny = await iam.send(new CreatePolicyCommand({ PolicyName: "managed-deny", PolicyDocument: JSON.stringify(DENY) }));
    await afterChange(() => iam.send(new AttachRolePolicyCommand({ RoleName: "agent-role", PolicyArn: deny.Policy!.Arn! })), "AccessDeniedException");
    await afterChange(() => iam.send(new DetachRolePolicyCommand({ RoleName: "agent-role", PolicyArn: deny.Policy!.Arn! })), "key:sk-first-key-0123456789");
    const allow = await iam.send(new CreatePolicyCommand({ PolicyName: "managed-allow", PolicyDocument: JSON.stringify(ALLOW) }));
    await iam.send(new AttachRolePolicyCommand({ RoleName: "agent-role", PolicyArn: allow.Policy!.Arn! }));
    await afterChange(() => iam.send(new DeleteRolePolicyCommand({ RoleName: "agent-role", PolicyName: "inline" })), "key:sk-first-key-0123456789");
    await afterChange(() => iam.send(new DetachRolePolicyCommand({ RoleName: "agent-role", PolicyArn: allow.Policy!.Arn! })), "AccessDeniedException");
    await afterChange(() => iam.send(new PutRolePolicyCommand({ RoleName: "agent-role", PolicyName: "inline", PolicyDocument: JSON.stringify(ALLOW) })), "key:sk-first-key-0123456789");
  });

  it("the credential provider deleted: ResourceNotFoundException; re-created with another key: that key", async () => {
    const { control } = local.clients;
    await afterChange(() => control.send(new DeleteApiKeyCredentialProviderCommand({ name: "openai" })), "ResourceNotFoundException");
    await afterChange(() => control.send(new CreateApiKeyCredentialProviderCommand({ name: "openai", apiKey: "sk-second-key-9876543210" })), "key:sk-second-key-9876543210");
  });

  it("the key rotated in place (UpdateApiKeyCredentialProvider): the new key, never the old one", async () => {
    const { control } = local.clients;
    await afterChange(() => control.send(new UpdateApiKeyCredentialProviderCommand({ name: "openai", apiKey: "sk-third-key-5555555555" })), "key:sk-third-key-5555555555");
  });

  it("a policy removed by another process writing the state folder: AccessDeniedException; put back: the key", async () => {
    const { iam } = local.clients;
    // As another process would (the CLI, a notebook's helper): its own connection to state.db.
    const other = new Store(local.stateDir);
    try {
      await afterChange(async () => {
        other.tx(() => {
          assert.ok(other.delete("iam-role-policy", "agent-role/inline"));
          bumpIamGeneration(other);
        });
      }, "AccessDeniedException");
    } finally {
      other.close();
    }
    await afterChange(() => iam.send(new PutRolePolicyCommand({ RoleName: "agent-role", PolicyName: "inline", PolicyDocument: JSON.stringify(ALLOW) })), "key:sk-third-key-5555555555");
  });

  it("the workload identity deleted: UnauthorizedException for its token", async () => {
    const { control } = local.clients;
    await afterChange(() => control.send(new DeleteWorkloadIdentityCommand({ name: "agent" })), "UnauthorizedException");
  });
});
