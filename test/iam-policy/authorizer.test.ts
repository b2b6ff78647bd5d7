/**
 * The authorizer against a real Store in a temporary folder, with IAM records written in the
 * shapes of lib/local/state/records.ts (as the IAM service writes them, generation counter included).
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { accessDeniedMessage, createAuthorizer } from "../../lib/local/auth/authorizer.js";
import type { IamAttachmentRecord, IamManagedPolicyRecord, IamRolePolicyRecord, IamRoleRecord } from "../../lib/local/state/records.js";
import type { AdminPrincipal, Authorizer, PolicyDocument, RoleSessionPrincipal } from "../../lib/local/service.js";
import { Store } from "../../lib/local/state/store.js";

const ACCT = "123456789012";
const REGION = "us-west-2";
const GET_KEY = "bedrock-agentcore:GetResourceApiKey";
const KEY_ARN = `arn:aws:bedrock-agentcore:${REGION}:${ACCT}:token-vault/default/apikeycredentialprovider/openai-apikey-provider`;
const TUTORIAL_EXTRA_POLICY = {
  Version: "2012-10-17",
  Statement: [
    {
      Effect: "Allow",
      Action: ["bedrock-agentcore:GetResourceApiKey", "bedrock-agentcore:GetWorkloadAccessToken*"],
      Resource: [`arn:aws:bedrock-agentcore:${REGION}:${ACCT}:token-vault/default*`, `arn:aws:bedrock-agentcore:${REGION}:${ACCT}:workload-identity-directory/default*`],
    },
    { Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: `arn:aws:secretsmanager:${REGION}:${ACCT}:secret:bedrock-agentcore-identity!default/apikey/*` },
  ],
};

let dir: string;
let store: Store;
let authz: Authorizer;
let generation = 0;

/** Writes records the way the IAM service does: in one transaction that bumps the generation. */
function iam(fn: () => void) {
  store.tx(() => {
    fn();
    store.setMeta("iam-generation", String(++generation));
  });
}

function createRole(name: string, tags: { Key: string; Value: string }[] = [], trust: unknown = { Version: "2012-10-17", Statement: [] }): IamRoleRecord {
  const role: IamRoleRecord = {
    RoleName: name,
    RoleId: "AROA" + (name.toUpperCase() + "X".repeat(17)).slice(0, 17).replace(/[^A-Z0-9]/g, "Z"),
    Arn: `arn:aws:iam::${ACCT}:role/${name}`,
    Path: "/",
    CreateDate: new Date().toISOString(),
    AssumeRolePolicyDocument: JSON.stringify(trust),
    MaxSessionDuration: 3600,
    Tags: tags,
  };
  iam(() => store.put("iam-role", name, role));
  return role;
}

function putRolePolicy(role: string, name: string, doc: unknown) {
  iam(() => store.put<IamRolePolicyRecord>("iam-role-policy", `${role}/${name}`, { RoleName: role, PolicyName: name, PolicyDocument: JSON.stringify(doc) }));
}

function attachManaged(role: string, name: string, doc: unknown) {
  const arn = `arn:aws:iam::${ACCT}:policy/${name}`;
  const now = new Date().toISOString();
  iam(() => {
    store.put<IamManagedPolicyRecord>("iam-policy", arn, {
      PolicyName: name,
      PolicyId: "ANPA" + "A".repeat(17),
      Arn: arn,
      Path: "/",
      DefaultVersionId: "v1",
      Document: JSON.stringify(doc),
      CreateDate: now,
      UpdateDate: now,
      Tags: [],
    });
    store.put<IamAttachmentRecord>("iam-attachment", `${role}|${arn}`, { RoleName: role, PolicyArn: arn, PolicyName: name });
  });
  return arn;
}

function sessionOf(role: IamRoleRecord, sessionName = "runtime-session"): RoleSessionPrincipal {
  return {
    kind: "role-session",
    accountId: ACCT,
    arn: `arn:aws:sts::${ACCT}:assumed-role/${role.RoleName}/${sessionName}`,
    roleArn: role.Arn,
    roleName: role.RoleName,
    roleId: role.RoleId,
    sessionName,
    accessKeyId: "ASIAEXAMPLE000000000",
    expiresAt: Date.now() + 3_600_000,
  };
}

const admin: AdminPrincipal = {
  kind: "admin",
  accountId: ACCT,
  arn: `arn:aws:iam::${ACCT}:user/agentcore-local-admin`,
  userId: "AIDAEXAMPLE",
  accessKeyId: "AKIAEXAMPLE",
};

before(() => {
  dir = mkdtempSync(join(tmpdir(), "authorizer-test-"));
  store = new Store(dir);
  authz = createAuthorizer(store);
});
after(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("authorizer", () => {
  it("allows the admin everything", () => {
    assert.equal(authz.decide(admin, "iam:DeleteRole", `arn:aws:iam::${ACCT}:role/Anything`), "Allowed");
  });

  it("the tutorial's 'add extra policies to the role' step turns a denial into an allow", () => {
    const role = createRole("AgentCoreRuntimeRole");
    const s = sessionOf(role);
    const before = authz.decide(s, GET_KEY, KEY_ARN);
    assert.equal(before, "ImplicitlyDenied");
    assert.equal(
      accessDeniedMessage(s, GET_KEY, KEY_ARN, before),
      `User: arn:aws:sts::${ACCT}:assumed-role/AgentCoreRuntimeRole/runtime-session is not authorized to perform: ${GET_KEY} on resource: ${KEY_ARN} because no identity-based policy allows the ${GET_KEY} action`,
    );
    putRolePolicy("AgentCoreRuntimeRole", "extra", TUTORIAL_EXTRA_POLICY);
    assert.equal(authz.decide(s, GET_KEY, KEY_ARN), "Allowed");
    assert.equal(authz.decide(s, "bedrock-agentcore:DeleteApiKeyCredentialProvider", KEY_ARN), "ImplicitlyDenied");
    // Removing the policy is seen at once, too.
    iam(() => store.delete("iam-role-policy", "AgentCoreRuntimeRole/extra"));
    assert.equal(authz.decide(s, GET_KEY, KEY_ARN), "ImplicitlyDenied");
  });

  it("reads attached managed policies, and an explicit deny wins with AWS's message", () => {
    const role = createRole("ManagedRole");
    const s = sessionOf(role);
    const arn = attachManaged("ManagedRole", "AllowAgentCore", { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "bedrock-agentcore:*", Resource: "*" }] });
    assert.equal(authz.decide(s, GET_KEY, KEY_ARN), "Allowed");
    putRolePolicy("ManagedRole", "deny", { Version: "2012-10-17", Statement: [{ Effect: "Deny", Action: GET_KEY, Resource: "*" }] });
    const d = authz.decide(s, GET_KEY, KEY_ARN);
    assert.equal(d, "ExplicitlyDenied");
    assert.match(accessDeniedMessage(s, GET_KEY, KEY_ARN, d), / with an explicit deny in an identity-based policy$/);
    assert.equal(authz.decide(s, "bedrock-agentcore:ListWorkloadIdentities", "*"), "Allowed");
    // A new default version of the managed policy is seen at once.
    iam(() => {
      const p = store.get<IamManagedPolicyRecord>("iam-policy", arn)!;
      store.put("iam-policy", arn, { ...p, DefaultVersionId: "v2", Document: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:*", Resource: "*" }] }) });
    });
    assert.equal(authz.decide(s, "bedrock-agentcore:ListWorkloadIdentities", "*"), "ImplicitlyDenied");
    assert.equal(authz.decide(s, "s3:GetObject", "arn:aws:s3:::b/k"), "Allowed");
  });

  it("sees changes even when records are written without bumping the generation", () => {
    const role = createRole("QuietRole");
    const s = sessionOf(role);
    const fresh = createAuthorizer(store); // no counter in use: every decision re-reads the role
    store.db.prepare("DELETE FROM meta WHERE key = 'iam-generation'").run();
    assert.equal(fresh.decide(s, "s3:GetObject", "arn:aws:s3:::b/k"), "ImplicitlyDenied");
    store.put<IamRolePolicyRecord>("iam-role-policy", "QuietRole/p", { RoleName: "QuietRole", PolicyName: "p", PolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:*", Resource: "*" }] }) });
    assert.equal(fresh.decide(s, "s3:GetObject", "arn:aws:s3:::b/k"), "Allowed");
    store.setMeta("iam-generation", String(++generation));
  });

  it("denies sessions of a deleted role, of a role re-created under the same name, and expired sessions", () => {
    const role = createRole("Ephemeral");
    putRolePolicy("Ephemeral", "all", { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] });
    const s = sessionOf(role);
    assert.equal(authz.decide(s, "s3:GetObject", "*"), "Allowed");
    assert.equal(authz.decide({ ...s, expiresAt: Date.now() - 1 }, "s3:GetObject", "*"), "ImplicitlyDenied");
    iam(() => store.delete("iam-role", "Ephemeral"));
    assert.equal(authz.decide(s, "s3:GetObject", "*"), "ImplicitlyDenied");
    iam(() => store.put("iam-role", "Ephemeral", { ...role, RoleId: "AROANEWROLEID0000000" }));
    assert.equal(authz.decide(s, "s3:GetObject", "*"), "ImplicitlyDenied");
  });

  it("fills the principal's global keys: role ARN, userid, session tags from the role, region", () => {
    const role = createRole("TaggedRole", [{ Key: "team", Value: "blue" }]);
    const s = sessionOf(role, "sess-7");
    putRolePolicy("TaggedRole", "ctx", {
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Action: "s3:GetObject",
          Resource: "arn:aws:s3:::data/${aws:PrincipalTag/team}/*",
          Condition: {
            ArnEquals: { "aws:PrincipalArn": role.Arn },
            StringLike: { "aws:userid": `${role.RoleId}:sess-*` },
            StringEquals: { "aws:PrincipalAccount": ACCT },
          },
        },
        { Effect: "Allow", Action: GET_KEY, Resource: "*", Condition: { StringEquals: { "aws:RequestedRegion": REGION } } },
      ],
    });
    assert.equal(authz.decide(s, "s3:GetObject", "arn:aws:s3:::data/blue/x"), "Allowed");
    assert.equal(authz.decide(s, "s3:GetObject", "arn:aws:s3:::data/red/x"), "ImplicitlyDenied");
    assert.equal(authz.decide(sessionOf(role, "other"), "s3:GetObject", "arn:aws:s3:::data/blue/x"), "ImplicitlyDenied");
    assert.equal(authz.decide(s, GET_KEY, KEY_ARN), "Allowed");
    assert.equal(authz.decide(s, GET_KEY, KEY_ARN.replace(REGION, "eu-west-1")), "ImplicitlyDenied");
    assert.equal(authz.decide(s, GET_KEY, "*", { "aws:RequestedRegion": REGION }), "Allowed");
  });

  it("a policy text that no longer parses grants nothing, and others still apply", () => {
    const role = createRole("BrokenRole");
    const s = sessionOf(role);
    iam(() => store.put<IamRolePolicyRecord>("iam-role-policy", "BrokenRole/bad", { RoleName: "BrokenRole", PolicyName: "bad", PolicyDocument: "{oops" }));
    putRolePolicy("BrokenRole", "good", { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "ecr:*", Resource: "*" }] });
    assert.equal(authz.decide(s, "ecr:DescribeRepositories", "*"), "Allowed");
    assert.equal(authz.decide(s, "s3:GetObject", "*"), "ImplicitlyDenied");
  });
});

describe("canAssume", () => {
  const SERVICE = "bedrock-agentcore.amazonaws.com";
  const tutorialTrust: PolicyDocument = {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Service: SERVICE },
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "aws:SourceAccount": ACCT }, ArnLike: { "aws:SourceArn": `arn:aws:bedrock-agentcore:${REGION}:${ACCT}:*` } },
      },
    ],
  };

  it("lets AgentCore assume the execution role for a runtime of this account and region only", () => {
    const roleArn = `arn:aws:iam::${ACCT}:role/Exec`;
    const ok = { "aws:SourceAccount": ACCT, "aws:SourceArn": `arn:aws:bedrock-agentcore:${REGION}:${ACCT}:runtime/agent-AbCdE12345` };
    assert.equal(authz.canAssume(tutorialTrust, roleArn, { Service: SERVICE }, ok), true);
    assert.equal(authz.canAssume(tutorialTrust, roleArn, { Service: SERVICE }, { ...ok, "aws:SourceAccount": "999999999999" }), false);
    assert.equal(authz.canAssume(tutorialTrust, roleArn, { Service: SERVICE }, { ...ok, "aws:SourceArn": ok["aws:SourceArn"].replace(REGION, "us-east-1") }), false);
    assert.equal(authz.canAssume(tutorialTrust, roleArn, { Service: "ecs-tasks.amazonaws.com" }, ok), false);
  });

  it("account principals need the caller's own sts:AssumeRole permission; the admin has it", () => {
    const target = createRole("Target");
    const accountTrust: PolicyDocument = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: "sts:AssumeRole" }] };
    assert.equal(authz.canAssume(accountTrust, target.Arn, { AWS: admin.arn }), true);
    const caller = createRole("Caller");
    const callerArn = sessionOf(caller).arn;
    assert.equal(authz.canAssume(accountTrust, target.Arn, { AWS: callerArn }), false);
    putRolePolicy("Caller", "assume", { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "sts:AssumeRole", Resource: target.Arn }] });
    assert.equal(authz.canAssume(accountTrust, target.Arn, { AWS: callerArn }), true);
    assert.equal(authz.canAssume(accountTrust, `arn:aws:iam::${ACCT}:role/SomeOther`, { AWS: callerArn }), false);
    // Naming the caller's role directly needs no identity policy.
    const direct: PolicyDocument = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCT}:role/Plain` }, Action: "sts:AssumeRole" }] };
    const plain = createRole("Plain");
    assert.equal(authz.canAssume(direct, target.Arn, { AWS: sessionOf(plain).arn }), true);
    assert.equal(authz.canAssume(direct, target.Arn, { AWS: callerArn }), false);
  });
});
