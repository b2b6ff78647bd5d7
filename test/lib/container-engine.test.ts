/**
 * The one container-engine decision (lib/container-engine.ts) that the library's builds, Local
 * AgentCore's container runtimes and the doctor share, checked with stand-in `docker` and `podman`
 * executables on a PATH of their own: one that works (`info` exits 0) and one whose daemon is
 * not running (`info` fails, as a docker CLI without Docker does).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { enginesOnPath, findContainerEngine, preferredEngine, probeContainerEngines } from "../../lib/container-engine.js";

function standIn(dir: string, name: string, works: boolean): void {
  const script = `#!/bin/sh
case "$1" in
  --version) echo "${name} version 0.0-test" ;;
  info) ${works ? `echo "${name} info"` : `echo "Cannot connect to the ${name} daemon. Is it running?" >&2; exit 1`} ;;
esac
`;
  writeFileSync(join(dir, name), script);
  chmodSync(join(dir, name), 0o755);
}

/** This process's environment with a PATH of only the stand-ins (the machine may have a real docker or podman). */
function machine(engines: Record<string, boolean>): { env: NodeJS.ProcessEnv; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), "container-engine-"));
  for (const [name, works] of Object.entries(engines)) standIn(dir, name, works);
  return { dir, env: { ...process.env, PATH: dir, AGENTCORE_CONTAINER_ENGINE: "", AGENTCORE_LOCAL_CONTAINER_ENGINE: "" } };
}

test("one variable chooses the engine tried first; the old Local AgentCore name is an alias", () => {
  assert.equal(preferredEngine({}), undefined);
  assert.equal(preferredEngine({ AGENTCORE_CONTAINER_ENGINE: "podman" }), "podman");
  assert.equal(preferredEngine({ AGENTCORE_LOCAL_CONTAINER_ENGINE: "podman" }), "podman");
  assert.equal(preferredEngine({ AGENTCORE_CONTAINER_ENGINE: "docker", AGENTCORE_LOCAL_CONTAINER_ENGINE: "podman" }), "docker", "the new name wins");
  assert.equal(preferredEngine({ AGENTCORE_CONTAINER_ENGINE: "nerdctl" }), undefined, "only docker or podman");
  const m = machine({ docker: true, podman: true });
  try {
    assert.deepEqual(enginesOnPath({ PATH: m.dir }), ["docker", "podman"]);
    assert.deepEqual(enginesOnPath({ PATH: m.dir, AGENTCORE_LOCAL_CONTAINER_ENGINE: "podman" }), ["podman", "docker"]);
  } finally {
    rmSync(m.dir, { recursive: true, force: true });
  }
});

test("a docker CLI whose daemon does not answer falls through to a podman that works", async () => {
  const m = machine({ docker: false, podman: true });
  try {
    assert.equal(await findContainerEngine(m.env), "podman");
    const probes = await probeContainerEngines(m.env, { version: true });
    assert.deepEqual(probes, [
      { engine: "docker", works: false, version: "docker version 0.0-test", problem: "Cannot connect to the docker daemon. Is it running?" },
      { engine: "podman", works: true, version: "podman version 0.0-test" },
    ]);
  } finally {
    rmSync(m.dir, { recursive: true, force: true });
  }
});

test("the preferred engine is used when it works; when it does not, the other one is", async () => {
  const both = machine({ docker: true, podman: true });
  const brokenPodman = machine({ docker: true, podman: false });
  try {
    assert.equal(await findContainerEngine(both.env), "docker");
    assert.equal(await findContainerEngine({ ...both.env, AGENTCORE_CONTAINER_ENGINE: "podman" }), "podman");
    assert.equal(await findContainerEngine({ ...brokenPodman.env, AGENTCORE_CONTAINER_ENGINE: "podman" }), "docker");
  } finally {
    rmSync(both.dir, { recursive: true, force: true });
    rmSync(brokenPodman.dir, { recursive: true, force: true });
  }
});

test("no engine that works: undefined, with what each one said", async () => {
  const none = machine({});
  const broken = machine({ docker: false });
  try {
    assert.equal(await findContainerEngine(none.env), undefined);
    assert.deepEqual(await probeContainerEngines(none.env), []);
    assert.equal(await findContainerEngine(broken.env), undefined);
    assert.deepEqual(await probeContainerEngines(broken.env), [{ engine: "docker", works: false, problem: "Cannot connect to the docker daemon. Is it running?" }]);
  } finally {
    rmSync(none.dir, { recursive: true, force: true });
    rmSync(broken.dir, { recursive: true, force: true });
  }
});
