import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  AttachRolePolicyCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  DeletePolicyCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DetachRolePolicyCommand,
  GetRoleCommand,
  ListRolesCommand,
  ListRoleTagsCommand,
  PutRolePolicyCommand,
  TagRoleCommand,
  UntagRoleCommand,
  UpdateAssumeRolePolicyCommand,
  type IAMClient,
} from "@aws-sdk/client-iam";
import { startTestLocal, type TestLocal } from "../helpers/local.js";
import { rejects } from "./expect-error.js";

const trustFor = (principal: object) =>
  JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: principal, Action: "sts:AssumeRole" }] });
const ALLOW_ALL = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }] });

describe("IAM roles", () => {
  let t: TestLocal;
  let iam: IAMClient;
  let trust: string;

  before(async () => {
    t = await startTestLocal();
    iam = t.clients.iam;
    trust = trustFor({ AWS: `arn:aws:iam::${t.accountId}:root` });
  });
  after(async () => t?.stop());

  it("creates a role with AWS-shaped ids, ARN, dates and the trust policy URL-encoded as IAM sends it", async () => {
    const doc = JSON.stringify(JSON.parse(trust), null, 2); // white space is kept as sent
    const out = await iam.send(
      new CreateRoleCommand({
        RoleName: "Agent.Role-1",
        Path: "/service-role/",
        AssumeRolePolicyDocument: doc,
        Description: "for the agent",
        MaxSessionDuration: 7200,
        Tags: [{ Key: "team", Value: "ml" }],
      }),
    );
    const role = out.Role!;
    assert.match(role.RoleId!, /^AROA[A-Z0-9]{17}$/);
    assert.equal(role.Arn, `arn:aws:iam::${t.accountId}:role/service-role/Agent.Role-1`);
    assert.equal(role.Path, "/service-role/");
    assert.ok(role.CreateDate instanceof Date && Math.abs(role.CreateDate.getTime() - Date.now()) < 600_000);
    assert.notEqual(role.AssumeRolePolicyDocument, doc, "IAM answers the document URL-encoded");
    assert.equal(decodeURIComponent(role.AssumeRolePolicyDocument!), doc);
    assert.equal(role.Description, "for the agent");
    assert.equal(role.MaxSessionDuration, 7200);
    assert.deepEqual(role.Tags, [{ Key: "team", Value: "ml" }]);

    const got = (await iam.send(new GetRoleCommand({ RoleName: "Agent.Role-1" }))).Role!;
    assert.equal(got.RoleId, role.RoleId);
    assert.equal(got.Arn, role.Arn);
    assert.equal(decodeURIComponent(got.AssumeRolePolicyDocument!), doc);
    assert.deepEqual(got.RoleLastUsed, {});
  });

  it("treats role names case-insensitively: no second role, and GetRole finds it in any case", async () => {
    const err = await rejects(
      () => iam.send(new CreateRoleCommand({ RoleName: "AGENT.ROLE-1", AssumeRolePolicyDocument: trust })),
      "EntityAlreadyExistsException",
      409,
    );
    assert.equal(err.message, "Role with name AGENT.ROLE-1 already exists.");
    const got = (await iam.send(new GetRoleCommand({ RoleName: "agent.role-1" }))).Role!;
    assert.equal(got.RoleName, "Agent.Role-1");
  });

  it("defaults Path to / and MaxSessionDuration to 3600", async () => {
    const role = (await iam.send(new CreateRoleCommand({ RoleName: "plain", AssumeRolePolicyDocument: trust }))).Role!;
    assert.equal(role.Path, "/");
    assert.equal(role.Arn, `arn:aws:iam::${t.accountId}:role/plain`);
    assert.equal(role.MaxSessionDuration, 3600);
    assert.equal(role.Tags, undefined);
    await iam.send(new DeleteRoleCommand({ RoleName: "plain" }));
  });

  it("answers NoSuchEntity (404) for a role that does not exist", async () => {
    const err = await rejects(() => iam.send(new GetRoleCommand({ RoleName: "ghost" })), "NoSuchEntityException", 404);
    assert.equal(err.message, "The role with name ghost cannot be found.");
    await rejects(() => iam.send(new DeleteRoleCommand({ RoleName: "ghost" })), "NoSuchEntityException", 404);
    await rejects(
      () => iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: "ghost", PolicyDocument: trust })),
      "NoSuchEntityException",
      404,
    );
  });

  it("rejects malformed trust policies with MalformedPolicyDocument and creates nothing", async () => {
    await rejects(
      () => iam.send(new CreateRoleCommand({ RoleName: "bad-trust", AssumeRolePolicyDocument: "{not json" })),
      "MalformedPolicyDocumentException",
      400,
    );
    // An identity policy is not a trust policy: it names no principal.
    await rejects(
      () => iam.send(new CreateRoleCommand({ RoleName: "bad-trust", AssumeRolePolicyDocument: ALLOW_ALL })),
      "MalformedPolicyDocumentException",
    );
    await rejects(() => iam.send(new GetRoleCommand({ RoleName: "bad-trust" })), "NoSuchEntityException");
  });

  it("rejects a trust policy over the 2048-character quota with LimitExceeded", async () => {
    const many = Array.from({ length: 120 }, (_, i) => `arn:aws:iam::${t.accountId}:role/r${i}`);
    await rejects(
      () => iam.send(new CreateRoleCommand({ RoleName: "big-trust", AssumeRolePolicyDocument: trustFor({ AWS: many }) })),
      "LimitExceededException",
      409,
    );
  });

  it("updates the trust policy and checks the new one", async () => {
    const next = trustFor({ Service: "bedrock-agentcore.amazonaws.com" });
    await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: "Agent.Role-1", PolicyDocument: next }));
    const got = (await iam.send(new GetRoleCommand({ RoleName: "Agent.Role-1" }))).Role!;
    assert.equal(decodeURIComponent(got.AssumeRolePolicyDocument!), next);
    await rejects(
      () => iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: "Agent.Role-1", PolicyDocument: "[]" })),
      "MalformedPolicyDocumentException",
    );
    const still = (await iam.send(new GetRoleCommand({ RoleName: "Agent.Role-1" }))).Role!;
    assert.equal(decodeURIComponent(still.AssumeRolePolicyDocument!), next);
  });

  it("paginates ListRoles with MaxItems and Marker, and filters by PathPrefix", async () => {
    const names = ["pg-a", "pg-b", "pg-c", "pg-d", "pg-e"];
    for (const RoleName of names) {
      await iam.send(new CreateRoleCommand({ RoleName, Path: "/paged/", AssumeRolePolicyDocument: trust }));
    }
    const seen: string[] = [];
    let Marker: string | undefined;
    let pages = 0;
    do {
      const page = await iam.send(new ListRolesCommand({ PathPrefix: "/paged/", MaxItems: 2, Marker }));
      pages++;
      assert.ok(page.Roles!.length <= 2);
      seen.push(...page.Roles!.map((r) => r.RoleName!));
      assert.equal(page.IsTruncated, page.Marker !== undefined);
      Marker = page.Marker;
      for (const r of page.Roles!) {
        assert.equal(r.Path, "/paged/");
        assert.equal(r.Tags, undefined, "ListRoles leaves tags out, as IAM does");
      }
    } while (Marker);
    assert.equal(pages, 3);
    assert.deepEqual(seen, names);

    const all = await iam.send(new ListRolesCommand({}));
    assert.equal(all.IsTruncated, false);
    assert.ok(all.Roles!.some((r) => r.RoleName === "Agent.Role-1"));
    assert.ok(all.Roles!.some((r) => r.RoleName === "pg-c"));
    const service = await iam.send(new ListRolesCommand({ PathPrefix: "/service-role/" }));
    assert.deepEqual(service.Roles!.map((r) => r.RoleName), ["Agent.Role-1"]);

    await rejects(() => iam.send(new ListRolesCommand({ Marker: "not-a-marker" })), "InvalidInputException", 400);
    for (const RoleName of names) await iam.send(new DeleteRoleCommand({ RoleName }));
  });

  it("refuses DeleteRole (DeleteConflict 409) while inline or attached policies remain", async () => {
    await iam.send(new CreateRoleCommand({ RoleName: "busy", AssumeRolePolicyDocument: trust }));
    await iam.send(new PutRolePolicyCommand({ RoleName: "busy", PolicyName: "inline", PolicyDocument: ALLOW_ALL }));
    const inlineErr = await rejects(() => iam.send(new DeleteRoleCommand({ RoleName: "busy" })), "DeleteConflictException", 409);
    assert.equal(inlineErr.message, "Cannot delete entity, must delete policies first.");
    await iam.send(new DeleteRolePolicyCommand({ RoleName: "busy", PolicyName: "inline" }));

    const policy = (await iam.send(new CreatePolicyCommand({ PolicyName: "busy-managed", PolicyDocument: ALLOW_ALL }))).Policy!;
    await iam.send(new AttachRolePolicyCommand({ RoleName: "busy", PolicyArn: policy.Arn }));
    const attachedErr = await rejects(() => iam.send(new DeleteRoleCommand({ RoleName: "busy" })), "DeleteConflictException", 409);
    assert.equal(attachedErr.message, "Cannot delete entity, must detach all policies first.");
    await iam.send(new DetachRolePolicyCommand({ RoleName: "busy", PolicyArn: policy.Arn }));

    await iam.send(new DeleteRoleCommand({ RoleName: "busy" }));
    await rejects(() => iam.send(new GetRoleCommand({ RoleName: "busy" })), "NoSuchEntityException");
    await iam.send(new DeletePolicyCommand({ PolicyArn: policy.Arn }));
  });

  it("tags, lists and untags a role (keys case-insensitive, values overwritten)", async () => {
    await iam.send(new TagRoleCommand({ RoleName: "Agent.Role-1", Tags: [{ Key: "env", Value: "dev" }, { Key: "Owner", Value: "a" }] }));
    await iam.send(new TagRoleCommand({ RoleName: "Agent.Role-1", Tags: [{ Key: "owner", Value: "b" }] }));
    const tags = (await iam.send(new ListRoleTagsCommand({ RoleName: "Agent.Role-1" }))).Tags!;
    assert.deepEqual(
      tags.map((x) => `${x.Key}=${x.Value}`).sort(),
      ["env=dev", "owner=b", "team=ml"],
    );
    const page = await iam.send(new ListRoleTagsCommand({ RoleName: "Agent.Role-1", MaxItems: 2 }));
    assert.equal(page.IsTruncated, true);
    const rest = await iam.send(new ListRoleTagsCommand({ RoleName: "Agent.Role-1", Marker: page.Marker }));
    assert.equal(page.Tags!.length + rest.Tags!.length, 3);

    await iam.send(new UntagRoleCommand({ RoleName: "Agent.Role-1", TagKeys: ["ENV", "team"] }));
    const left = (await iam.send(new GetRoleCommand({ RoleName: "Agent.Role-1" }))).Role!.Tags;
    assert.deepEqual(left, [{ Key: "owner", Value: "b" }]);

    await rejects(
      () => iam.send(new TagRoleCommand({ RoleName: "Agent.Role-1", Tags: [{ Key: "k", Value: "1" }, { Key: "K", Value: "2" }] })),
      "InvalidInputException",
      400,
    );
    await rejects(
      () =>
        iam.send(
          new TagRoleCommand({
            RoleName: "Agent.Role-1",
            Tags: Array.from({ length: 50 }, (_, i) => ({ Key: `k${i}`, Value: "v" })),
          }),
        ),
      "LimitExceededException",
      409,
    );
    await rejects(
      () => iam.send(new TagRoleCommand({ RoleName: "ghost", Tags: [{ Key: "a", Value: "b" }] })),
      "NoSuchEntityException",
    );
    await rejects(() => iam.send(new UntagRoleCommand({ RoleName: "ghost", TagKeys: ["a"] })), "NoSuchEntityException");
    await rejects(() => iam.send(new ListRoleTagsCommand({ RoleName: "ghost" })), "NoSuchEntityException");
  });

  it("bumps the IAM generation counter on every change, inside the change's transaction", async () => {
    const store = t.server.services.store;
    const before = Number(store.getMeta("iam-generation"));
    await iam.send(new TagRoleCommand({ RoleName: "Agent.Role-1", Tags: [{ Key: "g", Value: "1" }] }));
    const afterTag = Number(store.getMeta("iam-generation"));
    assert.equal(afterTag, before + 1);
    // A failed change bumps nothing.
    await rejects(() => iam.send(new CreateRoleCommand({ RoleName: "agent.role-1", AssumeRolePolicyDocument: trust })), "EntityAlreadyExistsException");
    assert.equal(Number(store.getMeta("iam-generation")), afterTag);
  });
});
