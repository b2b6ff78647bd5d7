/**
 * Hostile code bundles: zip-slip through symlink entries (`esc -> /outside`, then `esc/file`),
 * links leaving the folder or the shared dependency cache, and a bundle that reuses another's
 * lockfile to plant its own packages in the dependency cache. Each is deployed through the real
 * S3 and control-plane clients and invoked; nothing may be written outside the runtime's folder,
 * and the invoke says what is wrong with the bundle.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { readFileSync } from "node:fs";
import { strToU8, zipSync, type Zippable } from "fflate";
import { startTestLocal, type TestLocal } from "../helpers/local.js";
import { rejection } from "../runtime-control/setup.js";
import { createRole, deployBundle, FIXTURES, invokeJson, sessionId } from "./setup.js";

let local: TestLocal;
let roleArn: string;
let outside: string;
let n = 0;

before(async () => {
  local = await startTestLocal();
  roleArn = await createRole(local, "bundle-safety-role");
  outside = mkdtempSync(join(tmpdir(), "bundle-outside-"));
});
after(async () => {
  await local?.stop();
  rmSync(outside, { recursive: true, force: true });
});

const ECHO = () => readFileSync(join(FIXTURES, "echo-agent.mjs"));
const LOCK = JSON.stringify({ name: "echo-agent", lockfileVersion: 3, packages: { "node_modules/echo-dep": { version: "1.0.0" } } });
const echoDep = (tag: string) => ({
  "node_modules/echo-dep/package.json": JSON.stringify({ name: "echo-dep", version: "1.0.0", type: "module", exports: "./index.js" }),
  "node_modules/echo-dep/index.js": `export const tag = ${JSON.stringify(tag)};\n`,
});

async function deployAndInvoke(zip: Uint8Array) {
  const name = `hostile_${++n}`;
  const runtime = await deployBundle(local, { name, roleArn, key: `hostile/${name}.zip`, zip });
  return invokeJson(local, { agentRuntimeArn: runtime.arn, runtimeSessionId: sessionId(name), payload: {}, contentType: "application/json" });
}

/** A zip whose link entries come first (`zip -y` style, mode 120777), so later files go through them. */
function hostile(links: Record<string, string>, files: Record<string, string | Uint8Array>): Uint8Array {
  const z: Zippable = {};
  for (const [name, target] of Object.entries(links)) z[name] = [strToU8(target), { level: 0, os: 3, attrs: (0o120777 << 16) >>> 0 }];
  const all = { "agent.mjs": ECHO(), "package.json": JSON.stringify({ name: "echo-agent", type: "module" }), ...files };
  for (const [name, content] of Object.entries(all)) z[name] = [typeof content === "string" ? strToU8(content) : content, { level: 0 }];
  return zipSync(z);
}

test("an absolute symlink followed by a file through it writes nothing outside and the invoke names the link", async () => {
  const target = join(outside, "abs");
  mkdirSync(target);
  const zip = hostile({ esc: target }, { "esc/pwned.txt": "written through the link", ...echoDep("ok") });
  const e = await rejection(deployAndInvoke(zip));
  assert.equal(e.name, "RuntimeClientError");
  assert.match(e.message, /symlink esc -> .* leaves its folder/);
  assert.deepEqual(readdirSync(target), [], "nothing was written through the link");
});

test("an entry named ../ or / is refused before anything is written", async () => {
  const name = `${"../".repeat(12)}${join(outside, "slip.txt").slice(1)}`;
  const e = await rejection(deployAndInvoke(hostile({}, { [name]: "x", ...echoDep("ok") })));
  assert.match(e.message, /has an entry outside its folder/);
  assert.equal(existsSync(join(outside, "slip.txt")), false);
});

test("a relative symlink climbing out of the folder is refused too", async () => {
  const target = join(outside, "rel");
  mkdirSync(target);
  const zip = hostile({ up: `${"../".repeat(12)}${target.slice(1)}` }, { "up/pwned.txt": "x", ...echoDep("ok") });
  const e = await rejection(deployAndInvoke(zip));
  assert.match(e.message, /symlink up -> .* leaves its folder/);
  assert.deepEqual(readdirSync(target), []);
});

test("a symlink that stays inside is kept, but nothing is written through it", async () => {
  const zip = hostile({ "lib-link": "lib" }, { "lib/keep.txt": "x", "lib-link/through.txt": "x", ...echoDep("ok") });
  const e = await rejection(deployAndInvoke(zip));
  assert.match(e.message, /writes through lib-link, which is not a folder/);
});

test("a link in node_modules may not leave node_modules (the cache is shared by every runtime)", async () => {
  const zip = hostile({ "node_modules/echo-dep": "../agent-data" }, { "package-lock.json": LOCK, "agent-data/index.js": "export const tag = 1;\n" });
  const e = await rejection(deployAndInvoke(zip));
  assert.match(e.message, /symlink node_modules\/echo-dep -> \.\.\/agent-data that leaves its folder/);
  const cache = join(local.stateDir, "runtimes", ".dependency-cache");
  assert.deepEqual(existsSync(cache) ? readdirSync(cache) : [], [], "no half-written cache entry is left");
});

test("links inside node_modules that stay inside still work (node_modules/.bin style)", async () => {
  const zip = hostile({ "node_modules/.bin/echo-dep": "../echo-dep/index.js" }, { "package-lock.json": LOCK, ...echoDep("linked ok") });
  const r = await deployAndInvoke(zip);
  assert.equal(r.body.tag, "linked ok");
});

test("a bundle reusing another's lockfile does not get (or plant) that bundle's cached packages", async () => {
  const evil = await deployAndInvoke(hostile({}, { "package-lock.json": LOCK, ...echoDep("planted by another bundle") }));
  assert.equal(evil.body.tag, "planted by another bundle");
  const honest = await deployAndInvoke(hostile({}, { "package-lock.json": LOCK, ...echoDep("echo-dep 1.0.0") }));
  assert.equal(honest.body.tag, "echo-dep 1.0.0", "the same lockfile with other packages is another cache entry");
});
