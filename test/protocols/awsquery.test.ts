/**
 * awsQuery round trips through the real @aws-sdk/client-iam and client-sts: the SDK's request is
 * parsed by our parser into the input the handlers expect, and our serialized output and errors
 * are parsed back by the SDK into the values and exceptions a user would see.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  CreateRoleCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListRolesCommand,
  ListRoleTagsCommand,
  PutRolePolicyCommand,
  TagRoleCommand,
} from "@aws-sdk/client-iam";
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { AwsError } from "../../lib/local/errors.js";
import { awsQuery } from "../../lib/local/protocols/awsquery.js";
import { loadModel, type ServiceModel } from "../../lib/local/protocols/model.js";
import { validateInput } from "../../lib/local/protocols/validate.js";
import type { Shape } from "../../lib/local/service.js";
import { clientConfig, startWireServer, type WireServer } from "./wire.js";

const iamModel = loadModel("iam");
const stsModel = loadModel("sts");

let wire: WireServer;
let iam: IAMClient;
let sts: STSClient;

before(async () => {
  wire = await startWireServer();
  iam = new IAMClient(clientConfig(wire.endpoint));
  sts = new STSClient(clientConfig(wire.endpoint));
});
after(async () => {
  iam.destroy();
  sts.destroy();
  await wire.close();
});

/**
 * Answers the next request as a service would: match, parse, validate, then either write `output`
 * or the error `fail` throws. Returns what the handler would have received.
 */
function serve(model: ServiceModel, output: Shape | ((input: Shape) => Shape)): { op?: string; input?: Shape } {
  const seen: { op?: string; input?: Shape } = {};
  wire.respond = (req, res) => {
    const op = awsQuery.match(model, req);
    assert.ok(op, "the request matches an operation");
    seen.op = op;
    try {
      const input = awsQuery.parseInput(model, op, req);
      seen.input = input;
      validateInput(model, op, input);
      awsQuery.writeOutput(model, op, typeof output === "function" ? output(input) : output, "req-1", res);
    } catch (err) {
      if (!(err instanceof AwsError)) throw err;
      awsQuery.writeError(model, err, "req-err", res);
    }
  };
  return seen;
}

/** Asserts the SDK threw the named error with the given HTTP status (and message when given). */
async function rejectsWith(p: Promise<unknown>, name: string, status: number, message?: string | RegExp): Promise<void> {
  await assert.rejects(p, (err: Error & { $metadata?: { httpStatusCode?: number } }) => {
    assert.equal(err.name, name);
    assert.equal(err.$metadata?.httpStatusCode, status);
    if (typeof message === "string") assert.equal(err.message, message);
    else if (message) assert.match(err.message, message);
    return true;
  });
}

const trust = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { Service: "bedrock-agentcore.amazonaws.com" }, Action: "sts:AssumeRole" }],
});
const created = new Date("2026-03-04T05:06:07Z");
const role = {
  Path: "/",
  RoleName: "agent-role",
  RoleId: "AROAEXAMPLEEXAMPLE123",
  Arn: "arn:aws:iam::123456789012:role/agent-role",
  CreateDate: created,
  AssumeRolePolicyDocument: trust,
  MaxSessionDuration: 3600,
};

describe("awsQuery: IAM", () => {
  it("CreateRole: form fields, nested tag list and the Role result", async () => {
    const seen = serve(iamModel, { Role: { ...role, Description: "a & b <c>\r\nline 2", Tags: [{ Key: "team", Value: "x y" }] } });
    const out = await iam.send(
      new CreateRoleCommand({
        RoleName: "agent-role",
        AssumeRolePolicyDocument: trust,
        Description: "a & b <c>\r\nline 2",
        MaxSessionDuration: 3600,
        Tags: [
          { Key: "team", Value: "x y" },
          { Key: "env", Value: "dev=1+2" },
        ],
      }),
    );
    assert.equal(seen.op, "CreateRole");
    assert.deepEqual(seen.input, {
      RoleName: "agent-role",
      AssumeRolePolicyDocument: trust,
      Description: "a & b <c>\r\nline 2",
      MaxSessionDuration: 3600,
      Tags: [
        { Key: "team", Value: "x y" },
        { Key: "env", Value: "dev=1+2" },
      ],
    });
    assert.equal(out.Role?.RoleName, "agent-role");
    assert.equal(out.Role?.Description, "a & b <c>\r\nline 2");
    assert.deepEqual(out.Role?.Tags, [{ Key: "team", Value: "x y" }]);
    assert.equal(out.Role?.MaxSessionDuration, 3600);
    assert.equal(out.$metadata.requestId, "req-1");
    // AWS returns the trust policy URL-encoded and the SDK leaves it so.
    assert.equal(out.Role?.AssumeRolePolicyDocument, encodeURIComponent(trust));
    assert.equal(decodeURIComponent(out.Role!.AssumeRolePolicyDocument!), trust);
  });

  it("GetRole: dates come back as Date objects", async () => {
    serve(iamModel, { Role: { ...role, RoleLastUsed: { LastUsedDate: new Date("2026-03-05T00:00:00Z"), Region: "us-west-2" } } });
    const out = await iam.send(new GetRoleCommand({ RoleName: "agent-role" }));
    assert.ok(out.Role?.CreateDate instanceof Date);
    assert.equal(out.Role?.CreateDate?.toISOString(), created.toISOString());
    assert.equal(out.Role?.RoleLastUsed?.LastUsedDate?.toISOString(), "2026-03-05T00:00:00.000Z");
    assert.equal(out.Role?.RoleLastUsed?.Region, "us-west-2");
    const body = wire.requests.at(-1)!.body.toString();
    assert.match(body, /Action=GetRole&Version=2010-05-08&RoleName=agent-role/);
  });

  it("ListRoles: lists of members, IsTruncated and Marker both ways", async () => {
    const seen = serve(iamModel, {
      Roles: [role, { ...role, RoleName: "second", Arn: "arn:aws:iam::123456789012:role/second" }],
      IsTruncated: true,
      Marker: "page-2",
    });
    const out = await iam.send(new ListRolesCommand({ MaxItems: 2, Marker: "page-1", PathPrefix: "/" }));
    assert.deepEqual(seen.input, { MaxItems: 2, Marker: "page-1", PathPrefix: "/" });
    assert.deepEqual(
      out.Roles?.map((r) => r.RoleName),
      ["agent-role", "second"],
    );
    assert.equal(out.IsTruncated, true);
    assert.equal(out.Marker, "page-2");

    serve(iamModel, { Roles: [], IsTruncated: false });
    const empty = await iam.send(new ListRolesCommand({}));
    assert.deepEqual(empty.Roles, []);
    assert.equal(empty.IsTruncated, false);
  });

  it("PutRolePolicy / GetRolePolicy: the document arrives decoded and leaves URL-encoded", async () => {
    const doc = JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: "bedrock-agentcore:GetResourceApiKey", Resource: "*", Condition: { StringLike: { "aws:x": "a+b %20 ü" } } }],
    });
    const put = serve(iamModel, {});
    await iam.send(new PutRolePolicyCommand({ RoleName: "agent-role", PolicyName: "p1", PolicyDocument: doc }));
    assert.deepEqual(put.input, { RoleName: "agent-role", PolicyName: "p1", PolicyDocument: doc });

    serve(iamModel, { RoleName: "agent-role", PolicyName: "p1", PolicyDocument: doc });
    const got = await iam.send(new GetRolePolicyCommand({ RoleName: "agent-role", PolicyName: "p1" }));
    assert.equal(got.PolicyDocument, encodeURIComponent(doc));
    assert.deepEqual(JSON.parse(decodeURIComponent(got.PolicyDocument!)), JSON.parse(doc));
  });

  it("TagRole / ListRoleTags: lists of structures", async () => {
    const tags = [
      { Key: "a", Value: "1" },
      { Key: "b:c", Value: "" },
    ];
    const tag = serve(iamModel, {});
    await iam.send(new TagRoleCommand({ RoleName: "agent-role", Tags: tags }));
    assert.deepEqual(tag.input, { RoleName: "agent-role", Tags: tags });

    serve(iamModel, { Tags: tags, IsTruncated: false });
    const out = await iam.send(new ListRoleTagsCommand({ RoleName: "agent-role" }));
    assert.deepEqual(out.Tags, tags);
    assert.equal(out.IsTruncated, false);
  });

  it("a modeled error: NoSuchEntity → NoSuchEntityException 404", async () => {
    serve(iamModel, () => {
      throw new AwsError("NoSuchEntity", "The role with name nobody cannot be found.");
    });
    await assert.rejects(iam.send(new GetRoleCommand({ RoleName: "nobody" })), (err: Error & { $metadata: { httpStatusCode: number }; Code?: string }) => {
      assert.equal(err.name, "NoSuchEntityException");
      assert.equal(err.message, "The role with name nobody cannot be found.");
      assert.equal(err.$metadata.httpStatusCode, 404);
      assert.equal(err.Code, "NoSuchEntity");
      return true;
    });
    // Handlers may also throw the SDK-facing shape name.
    serve(iamModel, () => {
      throw new AwsError("EntityAlreadyExistsException", "Role with name agent-role already exists.");
    });
    await rejectsWith(iam.send(new CreateRoleCommand({ RoleName: "agent-role", AssumeRolePolicyDocument: trust })), "EntityAlreadyExistsException", 409);
  });

  it("validation: ValidationError naming the field, InvalidInput for a bad Path", async () => {
    serve(iamModel, { Role: role });
    await assert.rejects(iam.send(new CreateRoleCommand({ RoleName: "bad name!", AssumeRolePolicyDocument: trust })), (err: Error & { $metadata: { httpStatusCode: number } }) => {
      assert.equal(err.name, "ValidationError");
      assert.equal(err.$metadata.httpStatusCode, 400);
      assert.equal(
        err.message,
        "1 validation error detected: Value 'bad name!' at 'roleName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+",
      );
      return true;
    });
    await rejectsWith(iam.send(new CreateRoleCommand({ RoleName: "r", AssumeRolePolicyDocument: trust, Path: "no-slashes" })), "InvalidInputException", 400, /path is invalid/);
    await assert.rejects(
      iam.send(new TagRoleCommand({ RoleName: "r", Tags: [{ Key: "k".repeat(129), Value: "v" }] })),
      /Value '(k)+' at 'tags.1.member.key' failed to satisfy constraint: Member must have length less than or equal to 128/,
    );
  });

  it("a form with a wrong Version is refused, an unknown Action is not matched", () => {
    const base = { method: "POST", path: "/", query: new URLSearchParams(), headers: { "content-type": "application/x-www-form-urlencoded" } };
    const unknown = { ...base, body: Buffer.from("Action=FlyToMoon&Version=2010-05-08") };
    assert.equal(awsQuery.match(iamModel, unknown), undefined);
    const old = { ...base, body: Buffer.from("Action=GetRole&Version=2009-01-01&RoleName=r") };
    assert.equal(awsQuery.match(iamModel, old), "GetRole");
    assert.throws(() => awsQuery.parseInput(iamModel, "GetRole", old), { code: "InvalidAction" });
    // GET with the query string works as well (the AWS CLI can send that).
    const get = { ...base, method: "GET", headers: {}, query: new URLSearchParams("Action=ListRoles&Version=2010-05-08&MaxItems=5"), body: Buffer.alloc(0) };
    assert.equal(awsQuery.match(iamModel, get), "ListRoles");
    assert.deepEqual(awsQuery.parseInput(iamModel, "ListRoles", get), { MaxItems: 5 });
    // A non-numeric integer is kept for the validator, which names the field.
    const bad = { ...base, body: Buffer.from("Action=ListRoles&Version=2010-05-08&MaxItems=lots") };
    assert.throws(() => validateInput(iamModel, "ListRoles", awsQuery.parseInput(iamModel, "ListRoles", bad)), {
      code: "ValidationError",
      message: "1 validation error detected: Value 'lots' at 'maxItems' failed to satisfy constraint: Member must be an integer",
    });
  });
});

describe("awsQuery: STS", () => {
  it("AssumeRole: input, credentials with an Expiration date", async () => {
    const expiration = new Date("2026-03-04T06:06:07Z");
    const seen = serve(stsModel, {
      Credentials: { AccessKeyId: "ASIAEXAMPLE123456789", SecretAccessKey: "s3cr3t/+=", SessionToken: "tok==", Expiration: expiration },
      AssumedRoleUser: { AssumedRoleId: "AROAEXAMPLEEXAMPLE123:sess", Arn: "arn:aws:sts::123456789012:assumed-role/agent-role/sess" },
      PackedPolicySize: 6,
    });
    const out = await sts.send(
      new AssumeRoleCommand({ RoleArn: role.Arn, RoleSessionName: "sess", DurationSeconds: 900, Tags: [{ Key: "k", Value: "v" }], TransitiveTagKeys: ["k"] }),
    );
    assert.deepEqual(seen.input, { RoleArn: role.Arn, RoleSessionName: "sess", DurationSeconds: 900, Tags: [{ Key: "k", Value: "v" }], TransitiveTagKeys: ["k"] });
    assert.equal(out.Credentials?.AccessKeyId, "ASIAEXAMPLE123456789");
    assert.equal(out.Credentials?.SecretAccessKey, "s3cr3t/+=");
    assert.equal(out.Credentials?.Expiration?.toISOString(), expiration.toISOString());
    assert.equal(out.AssumedRoleUser?.Arn, "arn:aws:sts::123456789012:assumed-role/agent-role/sess");
    assert.equal(out.PackedPolicySize, 6);
    assert.match(wire.requests.at(-1)!.body.toString(), /Version=2011-06-15/);
  });

  it("GetCallerIdentity and an STS error", async () => {
    const seen = serve(stsModel, { UserId: "AIDAEXAMPLE", Account: "123456789012", Arn: "arn:aws:iam::123456789012:user/agentcore-local-admin" });
    const out = await sts.send(new GetCallerIdentityCommand({}));
    assert.equal(seen.op, "GetCallerIdentity");
    assert.deepEqual(seen.input, {});
    assert.equal(out.Account, "123456789012");
    assert.equal(out.Arn, "arn:aws:iam::123456789012:user/agentcore-local-admin");

    serve(stsModel, () => {
      throw new AwsError("AccessDenied", "User: x is not authorized to perform: sts:AssumeRole on resource: y");
    });
    await rejectsWith(
      sts.send(new AssumeRoleCommand({ RoleArn: role.Arn, RoleSessionName: "sess" })),
      "AccessDenied",
      403,
      "User: x is not authorized to perform: sts:AssumeRole on resource: y",
    );
    await rejectsWith(
      sts.send(new AssumeRoleCommand({ RoleArn: role.Arn, RoleSessionName: "has space" })),
      "ValidationError",
      400,
      /Value 'has space' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern/,
    );
  });
});
