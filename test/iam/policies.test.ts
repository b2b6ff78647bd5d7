import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  AttachRolePolicyCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  DeletePolicyCommand,
  DeleteRolePolicyCommand,
  DetachRolePolicyCommand,
  GetPolicyCommand,
  GetRolePolicyCommand,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
  PutRolePolicyCommand,
  type IAMClient,
} from "@aws-sdk/client-iam";
import { startTestLocal, type TestLocal } from "../helpers/local.js";
import { rejects } from "./expect-error.js";

const allow = (action: string, resource = "*") =>
  JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: action, Resource: resource }] });

describe("IAM inline and managed policies", () => {
  let t: TestLocal;
  let iam: IAMClient;

  before(async () => {
    t = await startTestLocal();
    iam = t.clients.iam;
    const trust = JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { Service: "bedrock-agentcore.amazonaws.com" }, Action: "sts:AssumeRole" }],
    });
    await iam.send(new CreateRoleCommand({ RoleName: "exec", AssumeRolePolicyDocument: trust }));
  });
  after(async () => t?.stop());

  it("puts, gets, replaces, lists and deletes inline role policies", async () => {
    const doc = allow("bedrock-agentcore:GetResourceApiKey");
    await iam.send(new PutRolePolicyCommand({ RoleName: "exec", PolicyName: "keys", PolicyDocument: doc }));
    const got = await iam.send(new GetRolePolicyCommand({ RoleName: "exec", PolicyName: "keys" }));
    assert.equal(got.RoleName, "exec");
    assert.equal(got.PolicyName, "keys");
    assert.equal(decodeURIComponent(got.PolicyDocument!), doc);

    const replaced = allow("s3:GetObject", "arn:aws:s3:::bucket/*");
    await iam.send(new PutRolePolicyCommand({ RoleName: "EXEC", PolicyName: "keys", PolicyDocument: replaced }));
    const again = await iam.send(new GetRolePolicyCommand({ RoleName: "exec", PolicyName: "keys" }));
    assert.equal(decodeURIComponent(again.PolicyDocument!), replaced);

    for (const PolicyName of ["p3", "p1", "p2"]) {
      await iam.send(new PutRolePolicyCommand({ RoleName: "exec", PolicyName, PolicyDocument: doc }));
    }
    const all = await iam.send(new ListRolePoliciesCommand({ RoleName: "exec" }));
    assert.deepEqual(all.PolicyNames, ["keys", "p1", "p2", "p3"]);
    assert.equal(all.IsTruncated, false);

    const first = await iam.send(new ListRolePoliciesCommand({ RoleName: "exec", MaxItems: 3 }));
    assert.deepEqual(first.PolicyNames, ["keys", "p1", "p2"]);
    assert.equal(first.IsTruncated, true);
    const second = await iam.send(new ListRolePoliciesCommand({ RoleName: "exec", MaxItems: 3, Marker: first.Marker }));
    assert.deepEqual(second.PolicyNames, ["p3"]);
    assert.equal(second.IsTruncated, false);
    assert.equal(second.Marker, undefined);

    for (const PolicyName of ["keys", "p1", "p2", "p3"]) {
      await iam.send(new DeleteRolePolicyCommand({ RoleName: "exec", PolicyName }));
    }
    assert.deepEqual((await iam.send(new ListRolePoliciesCommand({ RoleName: "exec" }))).PolicyNames, []);
  });

  it("answers inline-policy errors as IAM does", async () => {
    const missing = await rejects(
      () => iam.send(new GetRolePolicyCommand({ RoleName: "exec", PolicyName: "nope" })),
      "NoSuchEntityException",
      404,
    );
    assert.equal(missing.message, "The role policy with name nope cannot be found.");
    await rejects(() => iam.send(new DeleteRolePolicyCommand({ RoleName: "exec", PolicyName: "nope" })), "NoSuchEntityException", 404);
    const noRole = await rejects(
      () => iam.send(new PutRolePolicyCommand({ RoleName: "ghost", PolicyName: "p", PolicyDocument: allow("s3:*") })),
      "NoSuchEntityException",
      404,
    );
    assert.equal(noRole.message, "The role with name ghost cannot be found.");
    await rejects(() => iam.send(new ListRolePoliciesCommand({ RoleName: "ghost" })), "NoSuchEntityException");

    // Malformed: not JSON, a principal in an identity policy, a resource that is not an ARN.
    for (const PolicyDocument of [
      "{",
      JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: "*", Action: "s3:*", Resource: "*" }] }),
      JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:*", Resource: "bucket" }] }),
    ]) {
      await rejects(
        () => iam.send(new PutRolePolicyCommand({ RoleName: "exec", PolicyName: "bad", PolicyDocument })),
        "MalformedPolicyDocumentException",
        400,
      );
    }
    await rejects(() => iam.send(new GetRolePolicyCommand({ RoleName: "exec", PolicyName: "bad" })), "NoSuchEntityException");
  });

  it("enforces the 10240-character quota on a role's inline policies together", async () => {
    // Each document is ~4000 non-whitespace characters: two fit, the third does not.
    const resources = Array.from({ length: 110 }, (_, i) => `arn:aws:s3:::bucket-${String(i).padStart(3, "0")}/objects/*`);
    const doc = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: resources }] });
    assert.ok(doc.length > 3500 && doc.length < 5000, String(doc.length));
    await iam.send(new PutRolePolicyCommand({ RoleName: "exec", PolicyName: "big1", PolicyDocument: doc }));
    await iam.send(new PutRolePolicyCommand({ RoleName: "exec", PolicyName: "big2", PolicyDocument: doc }));
    const err = await rejects(
      () => iam.send(new PutRolePolicyCommand({ RoleName: "exec", PolicyName: "big3", PolicyDocument: doc })),
      "LimitExceededException",
      409,
    );
    assert.match(err.message, /Maximum policy size of 10240 bytes exceeded for role exec/);
    // Replacing one of the two does not count it twice.
    await iam.send(new PutRolePolicyCommand({ RoleName: "exec", PolicyName: "big2", PolicyDocument: doc }));
    await iam.send(new DeleteRolePolicyCommand({ RoleName: "exec", PolicyName: "big1" }));
    await iam.send(new DeleteRolePolicyCommand({ RoleName: "exec", PolicyName: "big2" }));
  });

  it("creates and gets customer managed policies with AWS-shaped ids and ARNs", async () => {
    const doc = allow("bedrock-agentcore:GetResourceApiKey");
    const created = (
      await iam.send(new CreatePolicyCommand({ PolicyName: "ApiKeyAccess", Path: "/agentcore/", PolicyDocument: doc, Description: "keys" }))
    ).Policy!;
    assert.match(created.PolicyId!, /^ANPA[A-Z0-9]{17}$/);
    assert.equal(created.Arn, `arn:aws:iam::${t.accountId}:policy/agentcore/ApiKeyAccess`);
    assert.equal(created.Path, "/agentcore/");
    assert.equal(created.DefaultVersionId, "v1");
    assert.equal(created.AttachmentCount, 0);
    assert.equal(created.IsAttachable, true);
    assert.ok(created.CreateDate instanceof Date);

    const got = (await iam.send(new GetPolicyCommand({ PolicyArn: created.Arn }))).Policy!;
    assert.equal(got.PolicyId, created.PolicyId);
    assert.equal(got.Description, "keys");

    const dup = await rejects(
      () => iam.send(new CreatePolicyCommand({ PolicyName: "apikeyaccess", PolicyDocument: doc })),
      "EntityAlreadyExistsException",
      409,
    );
    assert.match(dup.message, /A policy called apikeyaccess already exists/);
    await rejects(
      () => iam.send(new CreatePolicyCommand({ PolicyName: "Broken", PolicyDocument: '{"Statement":[]}' })),
      "MalformedPolicyDocumentException",
      400,
    );
    const huge = JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: Array.from({ length: 400 }, (_, i) => `arn:aws:s3:::b/${i}/*`) }],
    });
    await rejects(() => iam.send(new CreatePolicyCommand({ PolicyName: "Huge", PolicyDocument: huge })), "LimitExceededException", 409);

    const missingArn = `arn:aws:iam::${t.accountId}:policy/Nope`;
    const missing = await rejects(() => iam.send(new GetPolicyCommand({ PolicyArn: missingArn })), "NoSuchEntityException", 404);
    assert.equal(missing.message, `Policy ${missingArn} was not found.`);
    await rejects(() => iam.send(new GetPolicyCommand({ PolicyArn: "arn:aws:s3:::not-an-iam-policy" })), "InvalidInputException", 400);
  });

  it("attaches, lists (paged, by path) and detaches managed policies; counts attachments", async () => {
    const arns: string[] = [];
    for (const [name, path] of [["A1", "/x/"], ["A2", "/x/"], ["A3", "/y/"]] as const) {
      const p = (await iam.send(new CreatePolicyCommand({ PolicyName: name, Path: path, PolicyDocument: allow("s3:ListBucket") }))).Policy!;
      arns.push(p.Arn!);
      await iam.send(new AttachRolePolicyCommand({ RoleName: "exec", PolicyArn: p.Arn }));
    }
    await iam.send(new AttachRolePolicyCommand({ RoleName: "exec", PolicyArn: arns[0] })); // twice: no change
    const all = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: "exec" }));
    assert.deepEqual(
      all.AttachedPolicies!.map((p) => p.PolicyName).sort(),
      ["A1", "A2", "A3"],
    );
    const underX = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: "exec", PathPrefix: "/x/" }));
    assert.deepEqual(underX.AttachedPolicies!.map((p) => p.PolicyArn).sort(), [arns[0], arns[1]].sort());
    const first = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: "exec", MaxItems: 2 }));
    assert.equal(first.IsTruncated, true);
    const rest = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: "exec", MaxItems: 2, Marker: first.Marker }));
    assert.equal(rest.IsTruncated, false);
    assert.equal(first.AttachedPolicies!.length + rest.AttachedPolicies!.length, 3);

    assert.equal((await iam.send(new GetPolicyCommand({ PolicyArn: arns[0] }))).Policy!.AttachmentCount, 1);
    const conflict = await rejects(() => iam.send(new DeletePolicyCommand({ PolicyArn: arns[0] })), "DeleteConflictException", 409);
    assert.equal(conflict.message, "Cannot delete a policy attached to entities.");

    for (const arn of arns) await iam.send(new DetachRolePolicyCommand({ RoleName: "exec", PolicyArn: arn }));
    assert.deepEqual((await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: "exec" }))).AttachedPolicies, []);
    const notAttached = await rejects(
      () => iam.send(new DetachRolePolicyCommand({ RoleName: "exec", PolicyArn: arns[0] })),
      "NoSuchEntityException",
      404,
    );
    assert.equal(notAttached.message, `Policy ${arns[0]} was not found.`);
    for (const arn of arns) await iam.send(new DeletePolicyCommand({ PolicyArn: arn }));
    await rejects(() => iam.send(new GetPolicyCommand({ PolicyArn: arns[0] })), "NoSuchEntityException");
    await rejects(() => iam.send(new DeletePolicyCommand({ PolicyArn: arns[0] })), "NoSuchEntityException", 404);
  });

  it("answers attachment errors: missing policy or role, bad ARN, more than 10 policies", async () => {
    const ghostPolicy = `arn:aws:iam::${t.accountId}:policy/Ghost`;
    const err = await rejects(
      () => iam.send(new AttachRolePolicyCommand({ RoleName: "exec", PolicyArn: ghostPolicy })),
      "NoSuchEntityException",
      404,
    );
    assert.equal(err.message, `Policy ${ghostPolicy} does not exist or is not attachable.`);
    await rejects(
      () => iam.send(new AttachRolePolicyCommand({ RoleName: "exec", PolicyArn: "arn:aws:iam::aws:policy/AdministratorAccess" })),
      "NoSuchEntityException",
    );
    await rejects(
      () => iam.send(new AttachRolePolicyCommand({ RoleName: "exec", PolicyArn: "not-an-arn-at-all-xyz" })),
      "InvalidInputException",
      400,
    );
    await rejects(() => iam.send(new ListAttachedRolePoliciesCommand({ RoleName: "ghost" })), "NoSuchEntityException");

    const arns: string[] = [];
    for (let i = 0; i < 11; i++) {
      arns.push((await iam.send(new CreatePolicyCommand({ PolicyName: `Q${i}`, PolicyDocument: allow("s3:ListBucket") }))).Policy!.Arn!);
    }
    await rejects(() => iam.send(new AttachRolePolicyCommand({ RoleName: "ghost", PolicyArn: arns[0] })), "NoSuchEntityException");
    for (const arn of arns.slice(0, 10)) await iam.send(new AttachRolePolicyCommand({ RoleName: "exec", PolicyArn: arn }));
    const limit = await rejects(
      () => iam.send(new AttachRolePolicyCommand({ RoleName: "exec", PolicyArn: arns[10] })),
      "LimitExceededException",
      409,
    );
    assert.equal(limit.message, "Cannot exceed quota for PoliciesPerRole: 10");
  });
});
