/**
 * The ledger and cleanup: intents written before creates return, atomic writes, a run killed
 * half-way (intents whose creates did or did not happen) cleaned up by the next cleanup, entries of
 * another target left alone, and nothing outside the ledger touched.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateApiKeyCredentialProviderCommand, ListApiKeyCredentialProvidersCommand } from "@aws-sdk/client-bedrock-agentcore-control";
import { CreateRoleCommand, ListRolesCommand, PutRolePolicyCommand } from "@aws-sdk/client-iam";
import { CreateBucketCommand, ListBucketsCommand, PutObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { CreateRepositoryCommand, DescribeRepositoriesCommand } from "@aws-sdk/client-ecr";
import { startTestLocal, type TestLocal } from "../helpers/local.js";
import { session, type Session } from "../../lib/session.js";
import { Ledger, LEDGER_FILE, LedgerUnreadableError, type LedgerScope } from "../../lib/agentcore/ledger.js";
import { iamLedgerTags, ledgerTags } from "../../lib/agentcore/ownership.js";
import { cleanup } from "../../lib/agentcore/cleanup.js";
import { agentCoreTrustPolicy, createExecutionRole } from "../../lib/agentcore/iam.js";
import { createApiKeyCredentialProvider } from "../../lib/agentcore/identity.js";

let local: TestLocal;
let s: Session;
let scope: LedgerScope;
const quiet = () => {};

before(async () => {
  local = await startTestLocal();
  s = await session({ target: "local", endpoint: local.endpoint, credentials: local.admin, region: local.region, maxAttempts: 1 });
  scope = { target: "local", region: local.region, accountId: local.accountId };
});
after(async () => {
  s?.close();
  await local?.stop();
});

const tempDir = () => mkdtempSync(join(tmpdir(), "agentcore-ledger-test-"));

describe("ledger", () => {
  test("intent, confirm, remove; written atomically with no temp files left", () => {
    const dir = tempDir();
    try {
      const ledger = new Ledger(dir);
      const e = ledger.intend(scope, { kind: "iam-role", roleName: "r1" });
      assert.equal(e.state, "intent");
      assert.equal(ledger.intend(scope, { kind: "iam-role", roleName: "r1" }).id, e.id, "the same resource is recorded once");
      ledger.confirm(e.id);
      assert.equal(new Ledger(dir).entries()[0]!.state, "created");
      ledger.remove(e.id);
      assert.deepEqual(ledger.entries(), []);
      assert.deepEqual(readdirSync(dir), [LEDGER_FILE]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("the intent is on disk while the create call is in flight", async () => {
    const dir = tempDir();
    try {
      const ledger = new Ledger(dir);
      let seen = "";
      await ledger.record(scope, { kind: "credential-provider", name: "p" }, async () => {
        seen = readFileSync(join(dir, LEDGER_FILE), "utf8");
        return {};
      });
      assert.match(seen, /"state": "intent"/);
      assert.equal(ledger.entries()[0]!.state, "created");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a create the service refused leaves no entry; other failures keep the intent", async () => {
    const dir = tempDir();
    try {
      const ledger = new Ledger(dir);
      const refused = Object.assign(new Error("exists"), { name: "ConflictException", $metadata: { httpStatusCode: 409 } });
      await assert.rejects(ledger.record(scope, { kind: "iam-role", roleName: "a" }, () => Promise.reject(refused)));
      assert.deepEqual(ledger.entries(), []);
      await assert.rejects(ledger.record(scope, { kind: "iam-role", roleName: "b" }, () => Promise.reject(new Error("socket hang up"))));
      assert.deepEqual(ledger.entries().map((e) => [e.kind, e.state]), [["iam-role", "intent"]]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a corrupt ledger is an error naming the file, and is kept (moved aside, never deleted)", () => {
    const dir = tempDir();
    try {
      writeFileSync(join(dir, LEDGER_FILE), "{ not json");
      let keptAs = "";
      assert.throws(() => new Ledger(dir).entries(), (e: LedgerUnreadableError) => {
        assert.equal(e.name, "LedgerUnreadableError");
        assert.match(e.message, /could not be read.*moved to .*and kept/);
        keptAs = e.keptAs;
        return true;
      });
      assert.equal(readFileSync(keptAs, "utf8"), "{ not json", "the unreadable ledger is kept byte for byte");
      assert.deepEqual(new Ledger(dir).entries(), [], "a new ledger is started");
      assert.ok(readdirSync(dir).some((f) => f.startsWith(`${LEDGER_FILE}.unreadable-`)));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("cleanup", () => {
  test("after a run killed half-way: what exists is removed, intents that never happened are fine, others' resources stay", async () => {
    const dir = tempDir();
    const c = s.clients;
    try {
      const ledger = new Ledger(dir);
      // Created, and recorded as intents only (the process died before confirming).
      const provider = ledger.intend(scope, { kind: "credential-provider", name: "crashed-provider" });
      await c.control.send(new CreateApiKeyCredentialProviderCommand({ name: "crashed-provider", apiKey: "sk-crash-1234", tags: ledgerTags(provider) }));
      const role = ledger.intend(scope, { kind: "iam-role", roleName: "crashed-role" });
      await c.iam.send(new CreateRoleCommand({ RoleName: "crashed-role", AssumeRolePolicyDocument: JSON.stringify(agentCoreTrustPolicy(local.accountId, local.region)), Tags: iamLedgerTags(role) }));
      // The role got a policy outside the ledger (the tutorial's raw boto3 cell): it goes with the role.
      await c.iam.send(new PutRolePolicyCommand({ RoleName: "crashed-role", PolicyName: "extra", PolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }] }) }));
      await c.s3.send(new CreateBucketCommand({ Bucket: "crashed-bucket" }));
      ledger.intend(scope, { kind: "s3-bucket", bucket: "crashed-bucket" });
      await c.s3.send(new PutObjectCommand({ Bucket: "crashed-bucket", Key: "agent/a.zip", Body: "zip" }));
      ledger.intend(scope, { kind: "s3-object", bucket: "crashed-bucket", key: "agent/a.zip" });
      await c.ecr.send(new CreateRepositoryCommand({ repositoryName: "crashed-repo" }));
      ledger.intend(scope, { kind: "ecr-repository", repositoryName: "crashed-repo" });
      // Intents whose creates never happened.
      ledger.intend(scope, { kind: "agent-runtime", agentRuntimeName: "never_created" });
      ledger.intend(scope, { kind: "iam-role-policy", roleName: "never-role", policyName: "p" });
      ledger.intend(scope, { kind: "ecr-image", repositoryName: "crashed-repo", imageTag: "20250101-000000-000" });
      // Someone else's: same kinds, not in the ledger.
      await c.control.send(new CreateApiKeyCredentialProviderCommand({ name: "someone-elses", apiKey: "sk-other-9999" }));
      await c.iam.send(new CreateRoleCommand({ RoleName: "someone-elses-role", AssumeRolePolicyDocument: JSON.stringify(agentCoreTrustPolicy(local.accountId, local.region)) }));
      await c.s3.send(new CreateBucketCommand({ Bucket: "someone-elses-bucket" }));
      // An entry of another target is left for a session of that target.
      ledger.intend({ target: "aws", region: "us-west-2", accountId: "111122223333" }, { kind: "iam-role", roleName: "aws-role" });

      const lines: string[] = [];
      const report = await cleanup({ session: s, ledger, log: (l) => lines.push(l) });
      assert.ok(report.ok, JSON.stringify(report.steps));
      const outcome = Object.fromEntries(report.steps.map((x) => [`${x.kind} ${x.resource}`, x.outcome]));
      assert.deepEqual(outcome, {
        "agent-runtime never_created": "already gone",
        "ecr-image crashed-repo:20250101-000000-000": "already gone",
        "ecr-repository crashed-repo": "deleted",
        "iam-role-policy never-role/p": "already gone",
        "iam-role crashed-role": "deleted",
        "credential-provider crashed-provider": "deleted",
        "s3-object s3://crashed-bucket/agent/a.zip": "deleted",
        "s3-bucket s3://crashed-bucket": "deleted",
      });
      assert.equal(report.otherScopes, 1);
      assert.equal(lines.length, 9, "one line per step, one for the other target");
      assert.deepEqual(ledger.entries().map((e) => e.target), ["aws"], "only the other target's entry is left");

      const providers = await c.control.send(new ListApiKeyCredentialProvidersCommand({}));
      assert.deepEqual(providers.credentialProviders?.map((p) => p.name), ["someone-elses"]);
      const roles = await c.iam.send(new ListRolesCommand({}));
      assert.deepEqual(roles.Roles?.map((r) => r.RoleName), ["someone-elses-role"]);
      const buckets = await c.s3.send(new ListBucketsCommand({}));
      assert.deepEqual(buckets.Buckets?.map((b) => b.Name), ["someone-elses-bucket"]);
      const repos = await c.ecr.send(new DescribeRepositoriesCommand({}));
      assert.deepEqual(repos.repositories ?? [], []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a bucket holding objects the ledger did not create is kept and reported", async () => {
    const dir = tempDir();
    const c = s.clients;
    try {
      const ledger = new Ledger(dir);
      await c.s3.send(new CreateBucketCommand({ Bucket: "shared-bucket" }));
      ledger.intend(scope, { kind: "s3-bucket", bucket: "shared-bucket" });
      await c.s3.send(new PutObjectCommand({ Bucket: "shared-bucket", Key: "not-mine.txt", Body: "x" }));
      const report = await cleanup({ session: s, ledger, log: quiet });
      assert.equal(report.steps[0]!.outcome, "kept");
      assert.match(report.steps[0]!.detail!, /did not create/);
      const left = await c.s3.send(new ListObjectsV2Command({ Bucket: "shared-bucket" }));
      assert.deepEqual(left.Contents?.map((o) => o.Key), ["not-mine.txt"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a role named by the caller is reused as it is and a foreign provider refused; neither is recorded", async () => {
    const dir = tempDir();
    const c = s.clients;
    try {
      const ledger = new Ledger(dir);
      await c.control.send(new CreateApiKeyCredentialProviderCommand({ name: "pre-existing", apiKey: "sk-pre-0000" }));
      await assert.rejects(createApiKeyCredentialProvider({ name: "pre-existing", apiKey: "sk-new-1111" }, { session: s, ledger, log: quiet }), /replaceExisting/);
      await c.iam.send(new CreateRoleCommand({ RoleName: "pre-role", AssumeRolePolicyDocument: JSON.stringify(agentCoreTrustPolicy(local.accountId, local.region)) }));
      const r = await createExecutionRole({ agentName: "pre", roleName: "pre-role" }, { session: s, ledger, log: quiet });
      assert.equal(r.action, "existing");
      assert.deepEqual(ledger.entries(), []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
