/**
 * `AGENTCORE_TARGET=aws`: which region and credentials the session's six real SDK clients use,
 * which AWS hosts they call and how they sign (recorded at the SDK call boundary, see fake-aws.ts),
 * and the one-line errors for a missing region, missing credentials, or Local AgentCore's admin
 * identity left in the environment.
 */
import { afterEach, test } from "node:test";
import assert from "node:assert/strict";
import { ListAgentRuntimesCommand } from "@aws-sdk/client-bedrock-agentcore-control";
import { GetWorkloadAccessTokenCommand } from "@aws-sdk/client-bedrock-agentcore";
import { GetRoleCommand } from "@aws-sdk/client-iam";
import { DescribeRepositoriesCommand } from "@aws-sdk/client-ecr";
import { HeadBucketCommand } from "@aws-sdk/client-s3";
import { session, targetFromEnv, type Session } from "../../lib/session.js";
import { ACCOUNT, FakeAws, awsJson, callerIdentity, query, restJson } from "./fake-aws.js";
import { cleanAwsEnv, LOCAL_ADMIN_KEY, LOCAL_ADMIN_SECRET, LOCAL_ENDPOINT, type AwsEnv } from "./env.js";

const ENV_KEY = "AKIA_ENV_EXAMPLE_001";
const ENV_SECRET = "envSecretAccessKeyExample0000000000000001";

let env: AwsEnv | undefined;
let open: Session | undefined;
afterEach(() => {
  open?.close();
  open = undefined;
  env?.restore();
  env = undefined;
});

function answerEverything(fake: FakeAws): FakeAws {
  return fake
    .on("GetCallerIdentity", callerIdentity())
    .on("ListAgentRuntimes", restJson(200, { agentRuntimes: [] }))
    .on("GetWorkloadAccessToken", restJson(200, { workloadAccessToken: "wat" }))
    .on("GetRole", query("GetRole", `<Role><Path>/</Path><RoleName>r</RoleName><RoleId>AROAEXAMPLE</RoleId><Arn>arn:aws:iam::${ACCOUNT}:role/r</Arn><CreateDate>2026-01-01T00:00:00Z</CreateDate></Role>`))
    .on("DescribeRepositories", awsJson({ repositories: [] }))
    .on("HeadBucket", { status: 200, headers: {}, body: "" });
}

/** One call through each client; returns the fake with what it recorded. */
async function callEachClient(s: Session): Promise<FakeAws> {
  const fake = answerEverything(new FakeAws());
  fake.attach(s);
  assert.equal(await s.accountId(), ACCOUNT);
  await s.clients.control.send(new ListAgentRuntimesCommand({}));
  await s.clients.data.send(new GetWorkloadAccessTokenCommand({ workloadName: "w" }));
  await s.clients.iam.send(new GetRoleCommand({ RoleName: "r" }));
  await s.clients.ecr.send(new DescribeRepositoriesCommand({}));
  await s.clients.s3.send(new HeadBucketCommand({ Bucket: `bedrock-agentcore-code-${ACCOUNT}-${s.region}` }));
  return fake;
}

test("AGENTCORE_TARGET=aws with env credentials and AWS_REGION: real AWS hosts of that region, signed with those keys", async () => {
  env = cleanAwsEnv({ AGENTCORE_TARGET: "aws", AWS_REGION: "us-west-2", AWS_ACCESS_KEY_ID: ENV_KEY, AWS_SECRET_ACCESS_KEY: ENV_SECRET });
  assert.equal(targetFromEnv(), "aws");
  open = await session(); // the notebook's call: no options, target and region from the environment
  assert.equal(open.target, "aws");
  assert.equal(open.region, "us-west-2");
  assert.equal(open.endpoint, undefined);
  const fake = await callEachClient(open);

  assert.deepEqual(
    fake.calls.map((c) => [c.client, c.host, c.credentialScope?.region, c.credentialScope?.service]),
    [
      ["sts", "sts.us-west-2.amazonaws.com", "us-west-2", "sts"],
      ["control", "bedrock-agentcore-control.us-west-2.amazonaws.com", "us-west-2", "bedrock-agentcore"],
      ["data", "bedrock-agentcore.us-west-2.amazonaws.com", "us-west-2", "bedrock-agentcore"],
      // IAM is global: one host, signed for us-east-1.
      ["iam", "iam.amazonaws.com", "us-east-1", "iam"],
      ["ecr", "api.ecr.us-west-2.amazonaws.com", "us-west-2", "ecr"],
      // S3 on AWS: virtual-hosted style (path style is Local AgentCore's).
      ["s3", `bedrock-agentcore-code-${ACCOUNT}-us-west-2.s3.us-west-2.amazonaws.com`, "us-west-2", "s3"],
    ],
  );
  for (const c of fake.calls) {
    assert.equal(c.credentialScope?.accessKeyId, ENV_KEY, `${c.operation} is signed with the environment's key`);
    assert.ok(!JSON.stringify(c).includes(LOCAL_ADMIN_KEY) && !JSON.stringify(c).includes(LOCAL_ADMIN_SECRET), "no Local AgentCore key in any request");
    assert.ok(!JSON.stringify(c).includes(ENV_SECRET), "the secret key itself is never sent");
    assert.equal(c.headers["x-amz-security-token"], undefined);
  }
});

test("AWS_PROFILE: region and (temporary) credentials from the profile in the shared files", async () => {
  env = cleanAwsEnv({ AGENTCORE_TARGET: "aws", AWS_PROFILE: "workshop" });
  env.profiles(
    "[default]\nregion = ap-southeast-2\n\n[profile workshop]\nregion = eu-central-1\n",
    "[default]\naws_access_key_id = AKIA_DEFAULT_PROFILE\naws_secret_access_key = defaultSecret\n\n" +
      "[workshop]\naws_access_key_id = ASIAWORKSHOPPROFILE1\naws_secret_access_key = workshopSecret\naws_session_token = workshopSessionToken\n",
  );
  open = await session();
  assert.equal(open.region, "eu-central-1", "the profile's region, not the default profile's");
  const fake = await callEachClient(open);
  assert.equal(fake.one("ListAgentRuntimes").host, "bedrock-agentcore-control.eu-central-1.amazonaws.com");
  for (const c of fake.calls) {
    assert.equal(c.credentialScope?.accessKeyId, "ASIAWORKSHOPPROFILE1", `${c.operation} uses the profile's key`);
    assert.equal(c.headers["x-amz-security-token"], "workshopSessionToken");
  }

  // session({ profile }) picks another profile explicitly; AWS_REGION beats the profile's region.
  process.env.AWS_REGION = "us-east-1";
  const other = await session({ target: "aws", profile: "default" });
  try {
    assert.equal(other.region, "us-east-1");
    const f2 = answerEverything(new FakeAws());
    f2.attach(other);
    await other.accountId();
    assert.equal(f2.one("GetCallerIdentity").credentialScope?.accessKeyId, "AKIA_DEFAULT_PROFILE");
  } finally {
    other.close();
  }
});

test("no region: one line that names AWS_REGION and aws configure", async () => {
  env = cleanAwsEnv({ AGENTCORE_TARGET: "aws", AWS_ACCESS_KEY_ID: ENV_KEY, AWS_SECRET_ACCESS_KEY: ENV_SECRET });
  await assert.rejects(session(), (e: Error) => {
    assert.equal(e.message.split("\n").length, 1, e.message);
    assert.match(e.message, /No AWS region for AGENTCORE_TARGET=aws: export AWS_REGION=us-east-1/);
    assert.match(e.message, /aws configure/);
    return true;
  });
  // An exported but empty AWS_REGION is no region either (AWS_DEFAULT_REGION then counts).
  process.env.AWS_REGION = "";
  process.env.AWS_DEFAULT_REGION = "us-west-2";
  open = await session({ target: "aws" });
  assert.equal(open.region, "us-west-2");
});

test("no credentials: one line that says to run aws configure, before any AWS call", async () => {
  env = cleanAwsEnv({ AGENTCORE_TARGET: "aws", AWS_REGION: "us-east-1" });
  await assert.rejects(session(), (e: Error) => {
    assert.equal(e.message.split("\n").length, 1, e.message);
    assert.match(e.message, /^No usable AWS credentials for AGENTCORE_TARGET=aws: Could not load credentials from any providers\. Run `aws configure`/);
    return true;
  });
  // A named profile that does not exist says which profile.
  process.env.AWS_PROFILE = "missing";
  await assert.rejects(session({ target: "aws" }), /credentials for AGENTCORE_TARGET=aws \(profile missing\).*aws configure/);
});

test("Local AgentCore's admin key or endpoint in the environment is refused for the aws target", async () => {
  // What `eval "$(npm run local -- env)"` leaves in a shell.
  env = cleanAwsEnv({ AGENTCORE_TARGET: "aws", AWS_REGION: "us-east-1", AWS_ACCESS_KEY_ID: LOCAL_ADMIN_KEY, AWS_SECRET_ACCESS_KEY: LOCAL_ADMIN_SECRET, AWS_ENDPOINT_URL: LOCAL_ENDPOINT });
  const refused = (e: Error) => {
    assert.equal(e.message.split("\n").length, 1);
    assert.match(e.message, /Local AgentCore's admin identity.*unset AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
    assert.ok(!e.message.includes(LOCAL_ADMIN_SECRET));
    return true;
  };
  await assert.rejects(session(), refused);
  // The endpoint alone (with real-looking keys) is refused too: the calls would go to Local AgentCore.
  process.env.AWS_ACCESS_KEY_ID = ENV_KEY;
  process.env.AWS_SECRET_ACCESS_KEY = ENV_SECRET;
  await assert.rejects(session({ target: "aws" }), refused);
  // Another endpoint is the user's business (a proxy, a VPC endpoint): allowed, and honoured.
  process.env.AWS_ENDPOINT_URL = "https://vpce-0abc.bedrock-agentcore.us-east-1.vpce.amazonaws.com";
  open = await session({ target: "aws" });
  const fake = answerEverything(new FakeAws());
  fake.attach(open);
  await open.clients.control.send(new ListAgentRuntimesCommand({}));
  assert.equal(fake.one("ListAgentRuntimes").host, "vpce-0abc.bedrock-agentcore.us-east-1.vpce.amazonaws.com");
});

test("the local target is untouched by AWS settings: AGENTCORE_TARGET decides", () => {
  env = cleanAwsEnv({});
  assert.equal(targetFromEnv(), "local");
  assert.equal(targetFromEnv({ AGENTCORE_TARGET: " AWS " }), "aws");
  assert.throws(() => targetFromEnv({ AGENTCORE_TARGET: "azure" }), /AGENTCORE_TARGET must be "local" or "aws"/);
});
