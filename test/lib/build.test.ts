/**
 * Builds: the Dockerfile and .dockerignore from the templates, the exact docker/podman command lines
 * zx runs, and the code bundle (compiled entry, dependency closure, deterministic lock, valid zip).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { execFileSync } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { unzipSync, zipSync, strFromU8 } from "fflate";
import { renderDockerfile, renderDockerignore, renderAgentPackageJson } from "../../lib/agentcore/build/dockerfile.js";
import { buildCommand, enginesOnPath, localImageManifest, loginCommand, pushCommand, runCommand, tagCommand } from "../../lib/agentcore/build/container.js";
import { buildCodeBundle, compileEntry, concatZips, dependencyClosure, packageNameOf } from "../../lib/agentcore/build/code-bundle.js";
import { createRequiredPackages } from "../../lib/agentcore/build/esbuild-bundle.js";

const PROJECT = resolve(import.meta.dirname, "..", "..");
const FIXTURE = join(PROJECT, "test", "lib", "fixtures", "echo_agent.ts");
/** Notebook 01's agent (its calculator imports mathjs on the first calculation). */
const NOTEBOOK_AGENT = join(PROJECT, "assets", "agents", "strands_agents_openai_identity.ts");

describe("Dockerfile", () => {
  test("a Node agent for linux/arm64, non-root, port 8080, running the compiled entry", () => {
    const text = renderDockerfile({ agentName: "strands_agents_openai", entry: "strands_agents_openai", env: { AWS_REGION: "us-west-2", "BAD-NAME": "x" } });
    const lines = text.split("\n").filter((l) => l && !l.startsWith("#"));
    assert.deepEqual(lines, [
      "FROM --platform=linux/arm64 public.ecr.aws/docker/library/node:22-slim",
      "WORKDIR /app",
      "ENV NODE_ENV=production \\",
      "    PORT=8080 \\",
      "    DOCKER_CONTAINER=1 \\",
      '    AWS_REGION="us-west-2"',
      "COPY --chown=1000:1000 . .",
      "USER 1000:1000",
      "EXPOSE 8080",
      'CMD ["node", "strands_agents_openai.mjs"]',
    ]);
  });

  test("platform and base image can be changed", () => {
    const text = renderDockerfile({ agentName: "a", entry: "a", platform: "linux/amd64", baseImage: "localhost/node-min:20" });
    assert.match(text, /^FROM --platform=linux\/amd64 localhost\/node-min:20$/m);
  });

  test(".dockerignore keeps secrets, sources and local state out, and node_modules in", () => {
    const lines = renderDockerignore().split("\n");
    for (const l of [".env", "*.ts", ".agentcore.json", ".agentcore-ledger.json", ".agentcore-local/", ".git/"]) assert.ok(lines.includes(l), l);
    assert.ok(!lines.some((l) => l.startsWith("node_modules")), "the bundle's node_modules is the agent's dependencies");
  });

  test("agent package.json: ESM, sorted dependencies", () => {
    const pkg = JSON.parse(renderAgentPackageJson({ agentName: "My_Agent", entry: "my_agent", dependencies: { zod: "4.0.0", "bedrock-agentcore": "0.4.4" } }));
    assert.equal(pkg.type, "module");
    assert.equal(pkg.name, "my_agent");
    assert.equal(pkg.main, "my_agent.mjs");
    assert.deepEqual(Object.keys(pkg.dependencies), ["bedrock-agentcore", "zod"]);
  });
});

describe("container command lines", () => {
  test("docker buildx build with --load; podman without", () => {
    const spec = { tag: "123.dkr.ecr.us-east-1.amazonaws.com/bedrock-agentcore-a:20250101-000000-000", dockerfile: "/ctx/Dockerfile", context: "/ctx", platform: "linux/arm64" };
    assert.deepEqual(buildCommand({ engine: "docker", ...spec }), {
      cmd: "docker",
      args: ["buildx", "build", "--platform", "linux/arm64", "-f", "/ctx/Dockerfile", "-t", spec.tag, "--load", "/ctx"],
    });
    assert.deepEqual(buildCommand({ engine: "podman", ...spec }), {
      cmd: "podman",
      args: ["buildx", "build", "--platform", "linux/arm64", "-f", "/ctx/Dockerfile", "-t", spec.tag, "/ctx"],
    });
  });

  test("login reads the password from stdin; push, tag, run", () => {
    assert.deepEqual(loginCommand("docker", "123.dkr.ecr.us-east-1.amazonaws.com", "AWS").args, ["login", "--username", "AWS", "--password-stdin", "123.dkr.ecr.us-east-1.amazonaws.com"]);
    assert.deepEqual(pushCommand("podman", "r:t"), { cmd: "podman", args: ["push", "r:t"] });
    assert.deepEqual(tagCommand("docker", "a:1", "b:2").args, ["tag", "a:1", "b:2"]);
    assert.deepEqual(runCommand("podman", { image: "img:1", name: "agent", hostPort: 18080, env: { B: "2", A: "x y" } }).args, [
      "run", "--rm", "-d", "--name", "agent", "-p", "127.0.0.1:18080:8080", "-e", "A=x y", "-e", "B=2", "img:1",
    ]);
  });

  test("engines are found on PATH, AGENTCORE_CONTAINER_ENGINE first", () => {
    const dir = mkdtempSync(join(tmpdir(), "engines-"));
    try {
      for (const name of ["docker", "podman"]) writeFileSync(join(dir, name), "#!/bin/sh\n", { mode: 0o755 });
      assert.deepEqual(enginesOnPath({ PATH: dir }), ["docker", "podman"]);
      assert.deepEqual(enginesOnPath({ PATH: dir, AGENTCORE_CONTAINER_ENGINE: "podman" }), ["podman", "docker"]);
      assert.deepEqual(enginesOnPath({ PATH: join(dir, "none") }), []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a local image's manifest names its config and layers", () => {
    const m = JSON.parse(localImageManifest({ id: `sha256:${"a".repeat(64)}`, sizeBytes: 1, architecture: "arm64", os: "linux", layers: [`sha256:${"b".repeat(64)}`] }));
    assert.equal(m.schemaVersion, 2);
    assert.equal(m.config.digest, `sha256:${"a".repeat(64)}`);
    assert.deepEqual(m.layers.map((l: { digest: string }) => l.digest), [`sha256:${"b".repeat(64)}`]);
  });
});

describe("code bundle", () => {
  test("package names of import specifiers", () => {
    assert.equal(packageNameOf("bedrock-agentcore/runtime"), "bedrock-agentcore");
    assert.equal(packageNameOf("@strands-agents/sdk/openai"), "@strands-agents/sdk");
    assert.equal(packageNameOf("node:fs"), undefined);
    assert.equal(packageNameOf("fs"), undefined);
    assert.equal(packageNameOf("./tools.js"), undefined);
  });

  test("the entry compiles to ESM and lists the packages it imports", async () => {
    const c = await compileEntry(FIXTURE);
    assert.equal(c.fileName, "echo_agent.mjs");
    assert.deepEqual(c.packages, ["bedrock-agentcore"]);
    assert.match(c.code, /^import \{ BedrockAgentCoreApp \} from "bedrock-agentcore\/runtime";/m);
    assert.doesNotMatch(c.code, /: string/, "types are stripped");
  });

  test("a compile error names the line; a local import and a missing package are refused with the fix", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bundle-"));
    try {
      writeFileSync(join(dir, "broken.ts"), "const x = ;\n");
      await assert.rejects(compileEntry(join(dir, "broken.ts")), /broken\.ts:1:10/);
      writeFileSync(join(dir, "helper.ts"), "export const h = 1;\n");
      writeFileSync(join(dir, "uses_local.ts"), 'import { h } from "./helper.ts";\nconsole.log(h);\n');
      await assert.rejects(compileEntry(join(dir, "uses_local.ts")), /imports local files/);
      assert.throws(() => dependencyClosure(PROJECT, ["no-such-package-xyz"]), /npm install no-such-package-xyz/);
      writeFileSync(join(dir, "uses_missing.ts"), 'import x from "no-such-package-xyz";\nconsole.log(x);\n');
      await assert.rejects(buildCodeBundle({ entrypoint: join(dir, "uses_missing.ts"), agentName: "m", projectDir: PROJECT, cacheDir: dir }), /npm install no-such-package-xyz/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("the closure follows dependencies, optional and installed peer dependencies", () => {
    const closure = dependencyClosure(PROJECT, ["bedrock-agentcore"]);
    const paths = closure.map((p) => p.path);
    assert.ok(paths.includes("node_modules/bedrock-agentcore"));
    assert.ok(paths.includes("node_modules/fastify"), "a dependency");
    assert.ok(paths.includes("node_modules/@strands-agents/sdk"), "an installed optional peer");
    assert.ok(!paths.includes("node_modules/playwright"), "a peer that is not installed is skipped");
    assert.deepEqual([...paths].sort(), paths, "sorted");
  });

  test("an unused optional package (Strands' qmd, installed on Node 22) stays out unless the agent imports it", () => {
    const dir = mkdtempSync(join(tmpdir(), "closure-"));
    try {
      const pkg = (name: string, manifest: object) => {
        mkdirSync(join(dir, "node_modules", name), { recursive: true });
        writeFileSync(join(dir, "node_modules", name, "package.json"), JSON.stringify({ name, version: "1.0.0", ...manifest }));
      };
      pkg("agent-sdk", { dependencies: { helper: "1" }, optionalDependencies: { "@tobilu/qmd": "2" } });
      pkg("helper", {});
      pkg("@tobilu/qmd", { dependencies: { "node-llama-cpp": "3" } });
      pkg("node-llama-cpp", {});
      const paths = (roots: string[]) => dependencyClosure(dir, roots).map((p) => p.path);
      assert.deepEqual(paths(["agent-sdk"]), ["node_modules/agent-sdk", "node_modules/helper"]);
      assert.deepEqual(paths(["agent-sdk", "@tobilu/qmd"]), ["node_modules/@tobilu/qmd", "node_modules/agent-sdk", "node_modules/helper", "node_modules/node-llama-cpp"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("zip: bundled entry, package.json, lock, node_modules of what esbuild cannot follow; the same inputs give the same bytes", async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), "bundle-cache-"));
    try {
      const a = await buildCodeBundle({ entrypoint: FIXTURE, agentName: "echo_agent", projectDir: PROJECT, cacheDir });
      const b = await buildCodeBundle({ entrypoint: FIXTURE, agentName: "echo_agent", projectDir: PROJECT, cacheDir });
      assert.equal(a.sha256, b.sha256);
      assert.equal(b.dependenciesCached, true);
      assert.equal(a.mode, "bundled");
      const files = unzipSync(a.zip, { filter: (f) => !f.name.startsWith("node_modules/") || f.name === "node_modules/@fastify/sse/package.json" });
      const top = Object.keys(files).filter((n) => !n.endsWith(".mjs") || n === "echo_agent.mjs").sort();
      assert.deepEqual(top, ["echo_agent.mjs", "node_modules/@fastify/sse/package.json", "package-lock.json", "package.json"]);
      assert.doesNotMatch(strFromU8(files["echo_agent.mjs"]!), /from "bedrock-agentcore/, "the agent's package is bundled");
      const pkg = JSON.parse(strFromU8(files["package.json"]!));
      assert.equal(pkg.type, "module");
      assert.deepEqual(pkg.dependencies, a.shipped, "package.json names what node_modules holds");
      assert.deepEqual(Object.keys(a.shipped), ["@fastify/sse", "@fastify/websocket"]);
      assert.deepEqual(Object.keys(a.dependencies), ["bedrock-agentcore"], "what the agent imports, for the record");
      const lock = JSON.parse(strFromU8(files["package-lock.json"]!));
      assert.equal(lock.lockfileVersion, 3);
      assert.equal(lock.packages["node_modules/@fastify/sse"].version, a.shipped["@fastify/sse"]);
      assert.equal(lock.packages["node_modules/bedrock-agentcore"], undefined);
      assert.equal(Object.keys(lock.packages).length, a.packageCount + 1);
    } finally {
      rmSync(cacheDir, { recursive: true, force: true });
    }
  });

  test("bundleDependencies: false keeps the whole closure in node_modules and the entry compiled alone", async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), "bundle-cache-"));
    try {
      const a = await buildCodeBundle({ entrypoint: FIXTURE, agentName: "echo_agent", projectDir: PROJECT, cacheDir, bundleDependencies: false });
      assert.equal(a.mode, "node_modules");
      const files = unzipSync(a.zip, { filter: (f) => !f.name.startsWith("node_modules/") || f.name === "node_modules/bedrock-agentcore/package.json" });
      assert.deepEqual(Object.keys(files).sort(), ["echo_agent.mjs", "node_modules/bedrock-agentcore/package.json", "package-lock.json", "package.json"]);
      assert.match(strFromU8(files["echo_agent.mjs"]!), /^import \{ BedrockAgentCoreApp \} from "bedrock-agentcore\/runtime";/m);
      assert.deepEqual(JSON.parse(strFromU8(files["package.json"]!)).dependencies, { "bedrock-agentcore": a.dependencies["bedrock-agentcore"] });
      assert.ok(a.packageCount > 100, `the whole closure (${a.packageCount} packages)`);
    } finally {
      rmSync(cacheDir, { recursive: true, force: true });
    }
  });

  test("the tutorial agent's bundle: few files, node_modules only the createRequire'd packages' closure, mathjs in its own chunk", async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), "bundle-cache-"));
    try {
      const b = await buildCodeBundle({ entrypoint: NOTEBOOK_AGENT, agentName: "tutorial", projectDir: PROJECT, cacheDir });
      assert.ok(b.fileCount < 300, `${b.fileCount} files`);
      assert.ok(b.zip.length < 4e6, `${b.zip.length} bytes`);
      const files = unzipSync(b.zip);
      // Each file's package folder: the last `node_modules/<name>` (or `<@scope/name>`) of its path.
      const installed = new Set(Object.keys(files).flatMap((n) => n.match(/^(?:.*\/)?node_modules\/(?:@[^/]+\/)?[^/]+(?=\/)/)?.[0] ?? []));
      const expected = dependencyClosure(PROJECT, ["@fastify/sse", "@fastify/websocket"], undefined, () => false).map((p) => p.path);
      assert.deepEqual([...installed].sort(), expected, "node_modules holds the two packages bedrock-agentcore requires with createRequire, and their dependencies");
      assert.ok(!installed.has("node_modules/fastify"), "fastify, the plugins' peer, is bundled, not shipped");
      // mathjs is imported on the first calculation: its code is in a chunk the entry imports lazily.
      const entry = strFromU8(files["strands_agents_openai_identity.mjs"]!);
      assert.doesNotMatch(entry, /createUnitClass/, "mathjs is not in the entry");
      const lazy = [...entry.matchAll(/import\("\.\/([^"]+\.mjs)"\)/g)].map((m) => m[1]!);
      assert.ok(lazy.some((f) => /createUnitClass/.test(strFromU8(files[f]!))), `a chunk imported with import() holds mathjs (${lazy.join(", ")})`);
    } finally {
      rmSync(cacheDir, { recursive: true, force: true });
    }
  });

  test("the esbuild output is cached, and built again when a bundled package file changes", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bundle-project-"));
    try {
      mkdirSync(join(dir, "node_modules", "tiny-dep"), { recursive: true });
      writeFileSync(join(dir, "node_modules", "tiny-dep", "package.json"), JSON.stringify({ name: "tiny-dep", version: "1.0.0", type: "module", exports: "./index.js" }));
      writeFileSync(join(dir, "node_modules", "tiny-dep", "index.js"), 'export const tag = "first";\n');
      writeFileSync(join(dir, "agent.ts"), 'import { tag } from "tiny-dep";\nconsole.log(tag);\n');
      const entryText = async () => {
        const b = await buildCodeBundle({ entrypoint: join(dir, "agent.ts"), agentName: "agent", projectDir: dir, cacheDir: join(dir, "cache") });
        return strFromU8(unzipSync(b.zip, { filter: (f) => f.name === "agent.mjs" })["agent.mjs"]!);
      };
      assert.match(await entryText(), /"first"/);
      writeFileSync(join(dir, "agent.ts"), 'import { tag } from "tiny-dep";\nconsole.log(tag);\n'); // written again, same text
      assert.match(await entryText(), /"first"/);
      writeFileSync(join(dir, "node_modules", "tiny-dep", "index.js"), 'export const tag = "second!";\n');
      assert.match(await entryText(), /"second!"/, "a changed package file is bundled again");
      writeFileSync(join(dir, "agent.ts"), 'import { tag } from "tiny-dep";\nconsole.log(tag, "changed");\n');
      assert.match(await entryText(), /"changed"/, "a changed agent is bundled again");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("unpacked, the bundle runs with plain node: bundled CommonJS sees require, __dirname and __filename; the agent's own __dirname stays its own", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bundle-run-"));
    try {
      mkdirSync(join(dir, "node_modules", "cjs-dep"), { recursive: true });
      writeFileSync(join(dir, "node_modules", "cjs-dep", "package.json"), JSON.stringify({ name: "cjs-dep", version: "1.0.0", main: "index.js" }));
      writeFileSync(join(dir, "node_modules", "cjs-dep", "index.js"), 'const path = require("path");\nmodule.exports = { dir: __dirname, file: path.basename(__filename) };\n');
      writeFileSync(
        join(dir, "agent.ts"),
        [
          'import dep from "cjs-dep";',
          'import { dirname } from "node:path";',
          'import { fileURLToPath } from "node:url";',
          "const __filename = fileURLToPath(import.meta.url);",
          "const __dirname = dirname(__filename);",
          "console.log(JSON.stringify({ dep, mine: __dirname }));",
        ].join("\n"),
      );
      // Without a bundled package that reads __dirname, esbuild has no reason to rename the agent's own.
      writeFileSync(join(dir, "own.ts"), ["import { dirname } from \"node:path\";", "import { fileURLToPath } from \"node:url\";", "const __filename = fileURLToPath(import.meta.url);", "const __dirname = dirname(__filename);", "console.log(JSON.stringify({ mine: __dirname }));"].join("\n"));
      const run = async (entry: string) => {
        const b = await buildCodeBundle({ entrypoint: join(dir, entry), agentName: "agent", projectDir: dir, cacheDir: join(dir, "cache") });
        const out = join(dir, `unpacked-${entry}`);
        for (const [name, data] of Object.entries(unzipSync(b.zip))) {
          mkdirSync(dirname(join(out, name)), { recursive: true });
          writeFileSync(join(out, name), data);
        }
        return { out, printed: JSON.parse(execFileSync(process.execPath, [b.entryFile], { cwd: out, encoding: "utf8" })) };
      };
      const a = await run("agent.ts");
      assert.deepEqual(a.printed, { dep: { dir: a.out, file: "agent.mjs" }, mine: a.out });
      const o = await run("own.ts");
      assert.deepEqual(o.printed, { mine: o.out });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("createRequire'd packages are found in package files and in the agent's own file, built-ins and relative paths are not", () => {
    const esm = 'import { createRequire } from "node:module";\nconst require = createRequire(import.meta.url);\nconst a = require("@fastify/sse");\nconst b = require(\'ws/lib/x.js\');\nrequire("node:fs"); require("path"); require("./local.js"); require.resolve("yauzl");\n';
    assert.deepEqual(createRequiredPackages(esm).sort(), ["@fastify/sse", "ws", "yauzl"]);
    assert.deepEqual(createRequiredPackages('const x = require("ws");\n'), [], "CommonJS: esbuild follows its require");
    assert.deepEqual(createRequiredPackages('import x from "y";\nconst z = require("ws");\n'), [], "no createRequire");
  });

  test("concatenated zips hold both sides' files", () => {
    const a = zipSync({ "a.txt": new TextEncoder().encode("A"), "d/b.txt": new TextEncoder().encode("B") });
    const b = zipSync({ "c.txt": new TextEncoder().encode("C".repeat(1000)) });
    const out = unzipSync(concatZips(a, b));
    assert.deepEqual(Object.fromEntries(Object.entries(out).map(([k, v]) => [k, strFromU8(v).slice(0, 3)])), { "a.txt": "A", "d/b.txt": "B", "c.txt": "CCC" });
    assert.throws(() => concatZips(new Uint8Array(10), b), /not a zip/);
  });
});
