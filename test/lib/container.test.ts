/**
 * A real container deploy with podman, offline: the base image is made on the spot from this
 * machine's own `node` binary and its libraries (`podman import`), since no image can be pulled.
 * launch() builds the agent image (host platform: no arm64 emulation here), records it in Local ECR
 * and the runtime becomes READY; cleanup removes the record and the local image. Running the image
 * is not tested here: this machine's crun refuses containers ("cgroups in hybrid mode").
 * Skipped where podman does not answer.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { $ } from "zx";
import { ListImagesCommand } from "@aws-sdk/client-ecr";
import { startTestLocal, type TestLocal } from "../helpers/local.js";
import { session, type Session } from "../../lib/session.js";
import { Ledger } from "../../lib/agentcore/ledger.js";
import { Runtime } from "../../lib/agentcore/runtime.js";
import { cleanup } from "../../lib/agentcore/cleanup.js";

const PROJECT = resolve(import.meta.dirname, "..", "..");
const BASE = "localhost/agentcore-test-node-min:latest";
const podmanWorks = (await $({ nothrow: true, quiet: true, timeout: "20s" })`podman info`.catch(() => ({ exitCode: 1 }))).exitCode === 0;

let local: TestLocal;
let s: Session;
let dir: string;

/** A rootfs with node, the libraries ldd lists, and a passwd file; imported as an image. */
async function importNodeBaseImage(root: string): Promise<void> {
  const node = realpathSync(process.execPath);
  const libs = [...(await $({ quiet: true })`ldd ${node}`).stdout.matchAll(/(\/[^\s]+\.so[^\s]*)/g)].map((m) => m[1]!);
  for (const file of [...libs]) {
    mkdirSync(join(root, dirname(file)), { recursive: true });
    copyFileSync(realpathSync(file), join(root, file));
  }
  mkdirSync(join(root, "usr/local/bin"), { recursive: true });
  copyFileSync(node, join(root, "usr/local/bin/node"));
  mkdirSync(join(root, "etc"), { recursive: true });
  mkdirSync(join(root, "tmp"), { recursive: true });
  chmodSync(join(root, "tmp"), 0o1777);
  writeFileSync(join(root, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/app:/sbin/nologin\n");
  await $({ quiet: true, cwd: root })`tar -c . | podman import --change ${"ENV PATH=/usr/local/bin"} - ${BASE}`;
}

before(async () => {
  if (!podmanWorks) return;
  process.env.AGENTCORE_LOCAL_RUNTIME_SETTLE_MS = "50";
  dir = mkdtempSync(join(tmpdir(), "agentcore-container-test-"));
  await importNodeBaseImage(join(dir, "rootfs"));
  local = await startTestLocal();
  s = await session({ target: "local", endpoint: local.endpoint, credentials: local.admin, region: local.region, maxAttempts: 1 });
});

after(async () => {
  if (!podmanWorks) return;
  s?.close();
  await local?.stop();
  await $({ nothrow: true, quiet: true })`podman rmi ${BASE}`;
  rmSync(dir, { recursive: true, force: true });
});

test("launch() builds the agent image with podman, records it in Local ECR, and cleanup removes both", { skip: !podmanWorks && "podman is not available" }, async () => {
  const agentDir = join(dir, "agent");
  mkdirSync(agentDir);
  copyFileSync(join(PROJECT, "test", "lib", "fixtures", "echo_agent.ts"), join(agentDir, "echo_agent.ts"));
  const ledger = new Ledger(dir);
  const opts = { session: s, ledger, log: () => {} };
  const runtime = new Runtime({ ...opts, progress: "silent" });
  const hostPlatform = `linux/${process.arch === "x64" ? "amd64" : process.arch}`;
  await runtime.configure({
    entrypoint: join(agentDir, "echo_agent.ts"),
    autoCreateExecutionRole: true,
    projectDir: PROJECT,
    deploymentType: "container",
    platform: hostPlatform,
    baseImage: BASE,
    containerRuntime: "podman",
  });
  const launched = await runtime.launch();
  assert.equal(launched.mode, "container");
  assert.match(launched.ecrUri!, new RegExp(`^${local.accountId}\\.dkr\\.ecr\\.${local.region}\\.amazonaws\\.com/bedrock-agentcore-echo_agent:\\d{8}-\\d{6}-\\d{3}$`));
  const [, tag] = launched.ecrUri!.split(":");

  const inspect = JSON.parse((await $({ quiet: true })`podman image inspect ${launched.ecrUri!}`).stdout)[0];
  assert.equal(inspect.Config.User, "1000:1000", "non-root");
  assert.deepEqual(inspect.Config.Cmd, ["node", "echo_agent.mjs"]);
  assert.ok(Object.keys(inspect.Config.ExposedPorts).includes("8080/tcp"));

  const images = await s.clients.ecr.send(new ListImagesCommand({ repositoryName: "bedrock-agentcore-echo_agent" }));
  assert.deepEqual(images.imageIds?.map((i) => i.imageTag), [tag]);
  const ready = await runtime.waitUntilReady();
  assert.equal(ready.agent?.agentRuntimeArtifact?.containerConfiguration?.containerUri, launched.ecrUri);

  const report = await cleanup(opts);
  assert.ok(report.ok, JSON.stringify(report.steps));
  assert.deepEqual(report.steps.map((x) => x.kind), ["agent-runtime", "ecr-image", "ecr-repository", "iam-role-policy", "iam-role"]);
  const gone = await $({ nothrow: true, quiet: true })`podman image exists ${launched.ecrUri!}`;
  assert.equal(gone.exitCode, 1, "the local image is removed too");
});
