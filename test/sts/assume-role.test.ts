import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { CreateRoleCommand, DeleteRolePolicyCommand, ListRolesCommand, PutRolePolicyCommand, type IAMClient } from "@aws-sdk/client-iam";
import { AssumeRoleCommand, GetCallerIdentityCommand, type STSClient } from "@aws-sdk/client-sts";
import { AwsError } from "../../lib/local/errors.js";
import { assumeRoleAsService } from "../../lib/local/services/sts/index.js";
import { startTestLocal, type TestCredentials, type TestLocal } from "../helpers/local.js";
import { rejects } from "../iam/expect-error.js";

const trustFor = (principal: object, condition?: object) =>
  JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: principal, Action: "sts:AssumeRole", ...(condition ? { Condition: condition } : {}) }],
  });
const policy = (effect: "Allow" | "Deny", action: string, resource = "*") =>
  JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: effect, Action: action, Resource: resource }] });

describe("STS", () => {
  let t: TestLocal;
  let iam: IAMClient;
  let sts: STSClient;
  let roleArn: string;
  let roleId: string;

  const credentialsOf = (out: { Credentials?: { AccessKeyId?: string; SecretAccessKey?: string; SessionToken?: string } }): TestCredentials => ({
    accessKeyId: out.Credentials!.AccessKeyId!,
    secretAccessKey: out.Credentials!.SecretAccessKey!,
    sessionToken: out.Credentials!.SessionToken!,
  });

  before(async () => {
    t = await startTestLocal();
    iam = t.clients.iam;
    sts = t.clients.sts;
    const role = (
      await iam.send(
        new CreateRoleCommand({ RoleName: "worker", AssumeRolePolicyDocument: trustFor({ AWS: `arn:aws:iam::${t.accountId}:root` }) }),
      )
    ).Role!;
    roleArn = role.Arn!;
    roleId = role.RoleId!;
  });
  after(async () => t?.stop());

  it("GetCallerIdentity names the admin user", async () => {
    const me = await sts.send(new GetCallerIdentityCommand({}));
    assert.equal(me.Account, t.accountId);
    assert.equal(me.Arn, `arn:aws:iam::${t.accountId}:user/agentcore-local-admin`);
    assert.match(me.UserId!, /^AIDA[A-Z0-9]+$/);
  });

  it("AssumeRole, allowed by a trust policy naming the account, returns working session credentials", async () => {
    const out = await sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: "nb-session", DurationSeconds: 900 }));
    assert.match(out.Credentials!.AccessKeyId!, /^ASIA/);
    assert.ok(out.Credentials!.SessionToken);
    assert.ok(out.Credentials!.Expiration instanceof Date);
    const lifetime = out.Credentials!.Expiration!.getTime() - Date.now();
    assert.ok(lifetime > 0 && lifetime <= 900_000 + 5_000, String(lifetime));
    assert.equal(out.AssumedRoleUser!.AssumedRoleId, `${roleId}:nb-session`);
    assert.equal(out.AssumedRoleUser!.Arn, `arn:aws:sts::${t.accountId}:assumed-role/worker/nb-session`);

    // The session's credentials sign requests; GetCallerIdentity needs no permission.
    const session = t.clientsFor(credentialsOf(out));
    const me = await session.sts.send(new GetCallerIdentityCommand({}));
    assert.equal(me.UserId, `${roleId}:nb-session`);
    assert.equal(me.Account, t.accountId);
    assert.equal(me.Arn, out.AssumedRoleUser!.Arn);
  });

  it("AssumeRole is denied (403 AccessDenied) by a trust policy naming another account", async () => {
    const other = (
      await iam.send(
        new CreateRoleCommand({ RoleName: "foreign-trust", AssumeRolePolicyDocument: trustFor({ AWS: "arn:aws:iam::111122223333:root" }) }),
      )
    ).Role!;
    const err = await rejects(
      () => sts.send(new AssumeRoleCommand({ RoleArn: other.Arn, RoleSessionName: "s1" })),
      "AccessDenied",
      403,
    );
    assert.equal(
      err.message,
      `User: arn:aws:iam::${t.accountId}:user/agentcore-local-admin is not authorized to perform: sts:AssumeRole on resource: ${other.Arn}`,
    );
  });

  it("AssumeRole of a role that does not exist is AccessDenied, as in AWS", async () => {
    const ghost = `arn:aws:iam::${t.accountId}:role/ghost`;
    const err = await rejects(() => sts.send(new AssumeRoleCommand({ RoleArn: ghost, RoleSessionName: "s1" })), "AccessDenied", 403);
    assert.match(err.message, /is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::\d{12}:role\/ghost$/);
    await rejects(
      () => sts.send(new AssumeRoleCommand({ RoleArn: "arn:aws:iam::111122223333:role/worker", RoleSessionName: "s1" })),
      "AccessDenied",
      403,
    );
  });

  it("AssumeRole validates the session name and the duration against the role's MaxSessionDuration", async () => {
    await rejects(() => sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: "has space" })), "ValidationError", 400);
    await rejects(() => sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: "x" })), "ValidationError", 400);
    await rejects(
      () => sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: "ok", DurationSeconds: 899 })),
      "ValidationError",
      400,
    );
    const err = await rejects(
      () => sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: "ok", DurationSeconds: 3601 })),
      "ValidationError",
      400,
    );
    assert.equal(err.message, "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.");
    await sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: "ok", DurationSeconds: 3600 }));
    // Session policies would narrow the session; refusing them is safer than ignoring them.
    const sessionPolicy = await rejects(
      () => sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: "ok", Policy: policy("Allow", "s3:GetObject") })),
      "ValidationError",
      400,
    );
    assert.match(sessionPolicy.message, /does not support the AssumeRole parameter Policy/);
  });

  it("a role session is denied iam:ListRoles until a policy allows it, and again after an explicit Deny", async () => {
    const out = await sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: "lister" }));
    const session = t.clientsFor(credentialsOf(out));
    const sessionArn = `arn:aws:sts::${t.accountId}:assumed-role/worker/lister`;

    const denied = await rejects(() => session.iam.send(new ListRolesCommand({})), "AccessDenied", 403);
    assert.equal(
      denied.message,
      `User: ${sessionArn} is not authorized to perform: iam:ListRoles on resource: * because no identity-based policy allows the iam:ListRoles action`,
    );

    await iam.send(new PutRolePolicyCommand({ RoleName: "worker", PolicyName: "list", PolicyDocument: policy("Allow", "iam:List*") }));
    const listed = await session.iam.send(new ListRolesCommand({}));
    assert.ok(listed.Roles!.some((r) => r.RoleName === "worker"));

    await iam.send(new PutRolePolicyCommand({ RoleName: "worker", PolicyName: "deny", PolicyDocument: policy("Deny", "iam:ListRoles") }));
    const again = await rejects(() => session.iam.send(new ListRolesCommand({})), "AccessDenied", 403);
    assert.match(again.message, /with an explicit deny in an identity-based policy$/);

    await iam.send(new DeleteRolePolicyCommand({ RoleName: "worker", PolicyName: "deny" }));
    await session.iam.send(new ListRolesCommand({}));
    await iam.send(new DeleteRolePolicyCommand({ RoleName: "worker", PolicyName: "list" }));
    // Still able to say who it is without any policy.
    assert.equal((await session.sts.send(new GetCallerIdentityCommand({}))).Arn, sessionArn);
  });

  it("a role session needs sts:AssumeRole in its own policy to chain into another role, for at most an hour", async () => {
    const target = (
      await iam.send(
        new CreateRoleCommand({
          RoleName: "target",
          MaxSessionDuration: 7200,
          AssumeRolePolicyDocument: trustFor({ AWS: `arn:aws:iam::${t.accountId}:root` }),
        }),
      )
    ).Role!;
    const out = await sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: "chainer" }));
    const session = t.clientsFor(credentialsOf(out));
    const denied = await rejects(
      () => session.sts.send(new AssumeRoleCommand({ RoleArn: target.Arn, RoleSessionName: "hop" })),
      "AccessDenied",
      403,
    );
    assert.equal(
      denied.message,
      `User: arn:aws:sts::${t.accountId}:assumed-role/worker/chainer is not authorized to perform: sts:AssumeRole on resource: ${target.Arn}`,
    );

    await iam.send(new PutRolePolicyCommand({ RoleName: "worker", PolicyName: "hop", PolicyDocument: policy("Allow", "sts:AssumeRole", target.Arn) }));
    const chained = await session.sts.send(new AssumeRoleCommand({ RoleArn: target.Arn, RoleSessionName: "hop" }));
    assert.equal(chained.AssumedRoleUser!.Arn, `arn:aws:sts::${t.accountId}:assumed-role/target/hop`);
    const tooLong = await rejects(
      () => session.sts.send(new AssumeRoleCommand({ RoleArn: target.Arn, RoleSessionName: "hop", DurationSeconds: 7200 })),
      "ValidationError",
    );
    assert.match(tooLong.message, /1 hour session limit for roles assumed by role chaining/);
    // The admin may ask for the role's full MaxSessionDuration.
    await sts.send(new AssumeRoleCommand({ RoleArn: target.Arn, RoleSessionName: "long", DurationSeconds: 7200 }));
    await iam.send(new DeleteRolePolicyCommand({ RoleName: "worker", PolicyName: "hop" }));
  });

  it("a trust policy naming the session's role lets that role's sessions in without an identity policy, unless one denies", async () => {
    const onlyWorker = (
      await iam.send(new CreateRoleCommand({ RoleName: "only-worker", AssumeRolePolicyDocument: trustFor({ AWS: roleArn }) }))
    ).Role!;
    const session = t.clientsFor(credentialsOf(await sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: "wk" }))));
    // Named directly by the trust policy: AWS needs no identity policy for that (same account).
    await session.sts.send(new AssumeRoleCommand({ RoleArn: onlyWorker.Arn, RoleSessionName: "in" }));
    // The admin user is not that role.
    await rejects(() => sts.send(new AssumeRoleCommand({ RoleArn: onlyWorker.Arn, RoleSessionName: "in" })), "AccessDenied", 403);
    // An explicit Deny in the session's own policies wins over the trust policy.
    await iam.send(
      new PutRolePolicyCommand({ RoleName: "worker", PolicyName: "no-hop", PolicyDocument: policy("Deny", "sts:AssumeRole", onlyWorker.Arn) }),
    );
    const denied = await rejects(
      () => session.sts.send(new AssumeRoleCommand({ RoleArn: onlyWorker.Arn, RoleSessionName: "in" })),
      "AccessDenied",
      403,
    );
    assert.equal(
      denied.message,
      `User: arn:aws:sts::${t.accountId}:assumed-role/worker/wk is not authorized to perform: sts:AssumeRole on resource: ${onlyWorker.Arn}`,
    );
    await iam.send(new DeleteRolePolicyCommand({ RoleName: "worker", PolicyName: "no-hop" }));
  });

  it("assumeRoleAsService assumes an execution role as bedrock-agentcore.amazonaws.com, honouring source conditions", async () => {
    const runtimeArn = `arn:aws:bedrock-agentcore:us-east-1:${t.accountId}:runtime/agent-abcdefghij`;
    const exec = (
      await iam.send(
        new CreateRoleCommand({
          RoleName: "agent-exec",
          AssumeRolePolicyDocument: trustFor(
            { Service: "bedrock-agentcore.amazonaws.com" },
            {
              StringEquals: { "aws:SourceAccount": t.accountId },
              ArnLike: { "aws:SourceArn": `arn:aws:bedrock-agentcore:us-east-1:${t.accountId}:*` },
            },
          ),
        }),
      )
    ).Role!;
    const local = t.server.services;
    const creds = assumeRoleAsService(local, {
      roleArn: exec.Arn!,
      sessionName: "runtime-session",
      sourceAccount: t.accountId,
      sourceArn: runtimeArn,
      durationSeconds: 900,
    });
    assert.match(creds.accessKeyId, /^ASIA/);
    const me = await t.clientsFor(creds).sts.send(new GetCallerIdentityCommand({}));
    assert.equal(me.Arn, `arn:aws:sts::${t.accountId}:assumed-role/agent-exec/runtime-session`);

    const refused = (req: Partial<Parameters<typeof assumeRoleAsService>[1]>) => {
      try {
        assumeRoleAsService(local, {
          roleArn: exec.Arn!,
          sessionName: "runtime-session",
          sourceAccount: t.accountId,
          sourceArn: runtimeArn,
          ...req,
        });
      } catch (e) {
        assert.ok(e instanceof AwsError);
        assert.equal(e.code, "AccessDenied");
        return e.message;
      }
      assert.fail("expected assumeRoleAsService to refuse");
    };
    assert.match(refused({ sourceAccount: "111122223333" }), /trust policy does not allow/);
    assert.match(refused({ sourceArn: "arn:aws:bedrock-agentcore:us-east-1:111122223333:runtime/x" }), /trust policy does not allow/);
    // A role trusting only this account's principals does not trust the service.
    assert.match(refused({ roleArn }), /trust policy does not allow/);
    assert.match(refused({ roleArn: `arn:aws:iam::${t.accountId}:role/missing` }), /does not exist/);
  });
});
