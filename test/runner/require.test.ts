/**
 * `--require <module>` (node -r's convention): the module loads in the process that runs the cells,
 * before the first cell, once per process, with the cells' working directory; a path resolves from
 * the user's directory, a bare name as a package from there; a module that is missing or throws is
 * a setup error (exit 2) and no cell runs. With the opt-in startup snapshot too.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { promisify } from "node:util";
import { parseCliArgs, UsageError } from "../../lib/runner/cli.js";
import { codeCells, codeNotebook as notebook, projectRoot, readExecuted, runNb, streamOf, tempDir } from "./helpers.js";

/** The first cell reports what the startup modules left, and in which process. */
const REPORT = 'const g = globalThis as any;\nconsole.log(`setup ${g.fromSetup} pkg ${g.fromPackage} pid ${process.pid}`);';

// The user's folder (where paths resolve from, and a package in its node_modules) is not the notebooks'.
const work = await tempDir("nb-require-");
const user = path.join(work, "user");
const nbs = path.join(work, "notebooks");
mkdirSync(path.join(user, "node_modules", "startup-pkg"), { recursive: true });
mkdirSync(nbs);
writeFileSync(
  path.join(user, "setup.ts"),
  'const loads: number = ((globalThis as any).setupLoads ?? 0) + 1;\n(globalThis as any).setupLoads = loads;\n(globalThis as any).fromSetup = `loads=${loads} cwd=${process.cwd()}`;\n',
);
writeFileSync(path.join(user, "node_modules", "startup-pkg", "package.json"), JSON.stringify({ name: "startup-pkg", main: "main.cjs" }));
writeFileSync(path.join(user, "node_modules", "startup-pkg", "main.cjs"), 'globalThis.fromPackage = "yes";\n');
writeFileSync(path.join(user, "throws.cjs"), 'globalThis.fromSetup = "half";\nthrow new Error("the startup module failed on purpose");\n');
const marker = path.join(work, "cell-ran");
writeFileSync(path.join(nbs, "first.ipynb"), notebook([REPORT]));
// For the setup errors: its cell leaves a file behind if it runs.
writeFileSync(path.join(nbs, "marked.ipynb"), notebook([`require("fs").writeFileSync(${JSON.stringify(marker)}, "ran");`]));
writeFileSync(path.join(nbs, "second.ipynb"), notebook([REPORT]));

/** `npm run nb` typed in the user's folder (npm passes it as INIT_CWD). */
const nbFromUser = (args: string[], env: NodeJS.ProcessEnv = {}) => runNb(args, { npm_lifecycle_event: "nb", INIT_CWD: user, ...env });

describe("--require on the command line", () => {
  test("repeatable, -r too; paths resolve from the user's folder (an extensionless one to its .ts), names as packages from there", () => {
    const c = parseCliArgs([path.join(nbs, "first.ipynb"), "--require", "./setup", "-r", "startup-pkg"], user);
    assert.equal(c.kind, "run");
    if (c.kind !== "run") return;
    assert.deepEqual(c.options.require, [path.join(user, "setup.ts"), path.join(user, "node_modules", "startup-pkg", "main.cjs")]);
    const none = parseCliArgs([path.join(nbs, "first.ipynb")], user);
    assert.deepEqual(none.kind === "run" && none.options.require, []);
  });

  test("a module that is not there is a usage error naming it", () => {
    assert.throws(() => parseCliArgs([path.join(nbs, "first.ipynb"), "-r", "./nope.ts"], user), (e: unknown) => e instanceof UsageError && /--require \.\/nope\.ts: cannot find it \(no such file from /.test(e.message));
    assert.throws(() => parseCliArgs([path.join(nbs, "first.ipynb"), "-r", "no-such-startup-pkg"], user), (e: unknown) => e instanceof UsageError && /--require no-such-startup-pkg: cannot find it \(no such package/.test(e.message));
  });
});

describe("--require, run for real", () => {
  test("loaded before the first cell, with the notebook's folder as the working directory, once for a batch's process", async () => {
    const out = path.join(work, "out-batch");
    const run = await nbFromUser([path.join(nbs, "first.ipynb"), path.join(nbs, "second.ipynb"), "-r", "./setup.ts", "--require", "startup-pkg", "--out", out, "-q"]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const first = streamOf(codeCells(readExecuted(out, "first.ipynb"))[0]!, "stdout");
    const second = streamOf(codeCells(readExecuted(out, "second.ipynb"))[0]!, "stdout");
    assert.match(first, new RegExp(`^setup loads=1 cwd=${nbs} pkg yes pid \\d+\\n$`));
    const pid = (s: string) => /pid (\d+)/.exec(s)?.[1];
    assert.equal(pid(second), pid(first), "the second notebook ran in the same process");
    assert.equal(second, first, "not loaded again for the second notebook, and what it set up stays");
  });

  test("a module that throws: exit 2, the module and its error named, no cell runs", async () => {
    const out = path.join(work, "out-throws");
    const run = await nbFromUser([path.join(nbs, "marked.ipynb"), "-r", "./throws.cjs", "--out", out]);
    assert.equal(run.code, 2, run.stdout + run.stderr);
    assert.match(run.stderr, /error: --require .*throws\.cjs: loading it threw Error: the startup module failed on purpose\n +at .*throws\.cjs:2/);
    assert.ok(!existsSync(marker), "no cell ran");
    assert.ok(!existsSync(path.join(out, "marked.ipynb")), "no executed notebook");
    assert.doesNotMatch(run.stdout, /\[cell 1\]/);
  });

  test("a module that is not there: exit 2 before anything runs", async () => {
    const run = await nbFromUser([path.join(nbs, "marked.ipynb"), "-r", "./missing-setup.ts", "--out", path.join(work, "out-missing")]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /error: --require \.\/missing-setup\.ts: cannot find it/);
    assert.ok(!existsSync(marker), "no cell ran");
  });

  test("from the startup snapshot: a CommonJS module in the bundled child, a TypeScript one in the child started with tsx", { timeout: 120_000 }, async () => {
    const cache = path.join(work, "cache");
    const env = { NB_RUNNER_CACHE_DIR: cache, NB_RUNNER_SNAPSHOT: undefined, NB_RUNNER_SNAPSHOT_DEBUG: "1", NB_RUNNER_SNAPSHOT_BUILD: "0" };
    // npm run nb:snapshot: the snapshot and the child bundle, into this test's cache.
    await promisify(execFile)(process.execPath, ["--import", "tsx", path.join(projectRoot, "lib", "runner", "startup-snapshot.ts")], { env: { ...process.env, NB_RUNNER_CACHE_DIR: cache } });
    for (const [module, entry] of [
      ["startup-pkg", "child bundle used"],
      ["./setup.ts", "child bundle not used: a --require module is TypeScript"],
    ] as const) {
      const out = path.join(work, `out-snapshot-${path.basename(module)}`);
      const run = await nbFromUser([path.join(nbs, "second.ipynb"), "-r", module, "--out", out, "-q"], env);
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.match(run.stderr, /startup snapshot: used\n/);
      assert.match(run.stderr, new RegExp(`startup snapshot: ${entry}\\n`));
      const shown = streamOf(codeCells(readExecuted(out, "second.ipynb"))[0]!, "stdout");
      assert.match(shown, module === "startup-pkg" ? /^setup undefined pkg yes / : new RegExp(`^setup loads=1 cwd=${nbs} pkg undefined `));
    }
  });
});
