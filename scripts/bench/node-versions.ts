/**
 * Local AgentCore per Node version: for each Node binary (this one always; Node 22 when
 * BENCH_NODE22 names its binary), a Local AgentCore of its own started under that binary, then
 *   - PutObject of the tutorial's code bundle (~25 MB, built as notebook 01 builds it),
 *   - the first invoke of that bundle from a fresh dependency cache (unpack + instance start + answer),
 *   - notebook 01 run by the headless runner (under that Node too) against a freshly started Local
 *     AgentCore, as `npm start` does: the server's start (until /health answers), the notebook's
 *     wall time, and the server's peak RSS (the kernel's high-water mark VmHWM, so no sample is missed).
 * Notebook runs alternate between the Nodes (three rounds, one with --quick) and report medians.
 * The first Node (this one) is the baseline: each other Node's figures are reported next to its,
 * with the ratio and the goals (notebook 01 within 1.1×, peak RSS within 1.25×).
 * Native modules are per Node ABI, so the Node 22 server runs from BENCH_NODE22_PROJECT (a copy of
 * this project installed under Node 22) when given, else from this project. BENCH_SERVER_PROJECT
 * runs this Node's server from another checkout (a before/after comparison).
 */
import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { CreateBucketCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { StopRuntimeSessionCommand } from "@aws-sdk/client-bedrock-agentcore";
import { checkHealth, localPaths, readEnvFile } from "../../lib/local/client/index.js";
import { freePort } from "../../lib/local/free-port.js";
import { createRole, deployTutorialAgent, invoke, sessionId, tutorialAgentBundle } from "./agents.js";
import { makeClients, PROJECT_DIR, type OwnLocal } from "./own-local.js";
import { type Bench, type BenchResult, result } from "./result.js";
import { median, since } from "./stats.js";
import { Store } from "../../lib/local/state/store.js";
import { issueModelKey } from "../../lib/local/standin-model/keys.js";

const NOTEBOOK_01 = path.join(PROJECT_DIR, "notebooks", "01-outbound-auth-api-key.ipynb");
const SCRUBBED = ["AGENTCORE_TARGET", "OPENAI_API_KEY", "OPENAI_BASE_URL", "AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_REGION", "AWS_DEFAULT_REGION"];

interface NodeUnderTest {
  label: string;
  bin: string;
  projectDir: string;
}

export function nodesUnderTest(env: NodeJS.ProcessEnv = process.env, hostVersion = process.versions.node): NodeUnderTest[] {
  // BENCH_SERVER_PROJECT: another checkout (e.g. an older commit) to compare against, same Node.
  const nodes: NodeUnderTest[] = [{ label: `node${hostVersion.split(".")[0]}`, bin: process.execPath, projectDir: env.BENCH_SERVER_PROJECT ?? PROJECT_DIR }];
  const node22 = env.BENCH_NODE22;
  if (node22) {
    if (!existsSync(node22)) throw new Error(`BENCH_NODE22=${node22} does not exist (install one with: npm install --prefix <dir> node@22, then use <dir>/node_modules/.bin/node)`);
    // Under Node 22 already, the second one still needs a name of its own (rows are named by label).
    nodes.push({ label: nodes[0]!.label === "node22" ? "node22-bench" : "node22", bin: node22, projectDir: env.BENCH_NODE22_PROJECT ?? PROJECT_DIR });
  }
  return nodes;
}

/** Peak resident set of a process so far (kernel high-water mark), in MiB. */
export function peakRssMiB(pid: number): number {
  const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!m) throw new Error(`no VmHWM for process ${pid}`);
  return Number(m[1]) / 1024;
}

/** A Local AgentCore of its own, started under `node.bin` from `node.projectDir`. */
async function startUnder(node: NodeUnderTest): Promise<OwnLocal> {
  const tmp = mkdtempSync(path.join(tmpdir(), `bench-${node.label}-`));
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NO_COLOR: "1",
    AGENTCORE_LOCAL_DIR: path.join(tmp, "agentcore-local"),
    AGENTCORE_LOCAL_PORT: String(port),
    AGENTCORE_LEDGER_DIR: path.join(tmp, "ledger"),
  };
  for (const name of SCRUBBED) delete env[name];
  const paths = localPaths(node.projectDir, env);
  const logFd = openSync(path.join(tmp, "server.out"), "a");
  const loader = pathToFileURL(path.join(node.projectDir, "node_modules", "tsx", "dist", "loader.mjs")).href;
  const child = spawn(node.bin, ["--import", loader, path.join(node.projectDir, "scripts", "local.ts"), "start", "--foreground"], {
    cwd: node.projectDir,
    stdio: ["ignore", logFd, logFd],
    env: { ...env, AGENTCORE_LOCAL_REGION: paths.region },
  });
  closeSync(logFd);
  let exited = false;
  child.once("exit", () => (exited = true));
  const endpoint = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (!exited) {
      child.kill("SIGTERM");
      await new Promise((r) => (exited ? r(undefined) : child.once("exit", r)));
    }
    rmSync(tmp, { recursive: true, force: true });
  };
  const deadline = Date.now() + 60_000;
  let health;
  while (!(health = await checkHealth(endpoint, 1000))) {
    if (exited || Date.now() > deadline) {
      const out = readFileSync(path.join(tmp, "server.out"), "utf8").slice(-2000);
      await stop();
      throw new Error(`Local AgentCore under ${node.bin} did not start:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  const e = readEnvFile(paths.envFile)!;
  const admin = { accessKeyId: e.AWS_ACCESS_KEY_ID!, secretAccessKey: e.AWS_SECRET_ACCESS_KEY! };
  const region = e.AWS_REGION ?? paths.region;
  const clients = makeClients(endpoint, region, admin);
  return {
    endpoint,
    region,
    accountId: health.accountId,
    pid: child.pid!,
    stateDir: paths.stateDir,
    admin,
    env,
    clients,
    clientsFor: (c) => makeClients(endpoint, region, c),
    issueModelKey(keyLabel) {
      const store = new Store(paths.stateDir);
      try {
        return issueModelKey(store, keyLabel);
      } finally {
        store.close();
      }
    },
    async stop() {
      for (const client of Object.values(clients)) client.destroy();
      await stop();
    },
  };
}

/** Notebook 01 run by the headless runner under the same Node, as a user on that Node runs it. */
function runNotebook(node: NodeUnderTest, local: OwnLocal, timeoutMs: number): Promise<number> {
  const t0 = performance.now();
  const loader = pathToFileURL(path.join(node.projectDir, "node_modules", "tsx", "dist", "loader.mjs")).href;
  const notebook = path.join(node.projectDir, path.relative(PROJECT_DIR, NOTEBOOK_01));
  return new Promise((resolve, reject) => {
    const child = spawn(node.bin, ["--import", loader, path.join(node.projectDir, "scripts", "nb.ts"), notebook, "--out", path.join(local.stateDir, "..", "nb-out")], {
      cwd: node.projectDir,
      // The notebook's own commands (`npm run doctor`, …) must find this Node first too.
      env: { ...local.env, PATH: `${path.dirname(node.bin)}${path.delimiter}${local.env.PATH ?? ""}` },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let err = "";
    child.stderr.on("data", (c: Buffer) => (err = (err + c.toString()).slice(-2000)));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("exit", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(since(t0));
      else reject(new Error(`notebook 01 failed (exit ${code}):\n${err}`));
    });
  });
}

/** What `measure` finds for one Node. */
export interface NodeFigures {
  /** PutObject of the bundle, one per run (ms). */
  put: number[];
  /** First invoke from a fresh dependency cache, one per run (ms). */
  firstStart: number[];
  /** Local AgentCore's start until /health answers, before notebook 01 (ms, median). */
  localStart: number;
  /** Notebook 01's wall time under the headless runner (ms, median). */
  notebook: number;
  /** Local AgentCore's peak RSS over the notebook run (MiB, median). */
  rss: number;
  /** How many notebook runs the three figures above are the median of (default 1). */
  notebookRuns?: number;
}

type Transfers = Pick<NodeFigures, "put" | "firstStart">;

/** PutObject of the bundle and the first instance start, each run on a fresh Local AgentCore. */
async function measureTransfers(node: NodeUnderTest, runs: number, log: (line: string) => void): Promise<Transfers> {
  const { zip } = await tutorialAgentBundle();
  log(`${node.label}: ${node.bin} (bundle ${(zip.length / 2 ** 20).toFixed(1)} MiB)`);
  const put: number[] = [];
  const firstStart: number[] = [];
  // Each run on a fresh Local AgentCore: a fresh dependency cache and a fresh process.
  for (let i = 0; i < runs; i++) {
    const local = await startUnder(node);
    try {
      await createRole(local, "bench-nodes-probe"); // warms the connection and the server's code paths
      await local.clients.s3.send(new CreateBucketCommand({ Bucket: "bench-put" }));
      const t0 = performance.now();
      await local.clients.s3.send(new PutObjectCommand({ Bucket: "bench-put", Key: "bundle.zip", Body: zip, ContentType: "application/zip" }));
      put.push(since(t0));
      const tutorial = await deployTutorialAgent(local);
      const session = sessionId(`nodes-${i}-${Date.now()}`);
      const t1 = performance.now();
      await invoke(local.clients.data, { arn: tutorial.arn, session, payload: { prompt: "How much is 2X2?" }, userId: "bench-user" });
      firstStart.push(since(t1));
      await local.clients.data.send(new StopRuntimeSessionCommand({ agentRuntimeArn: tutorial.arn, runtimeSessionId: session }));
    } finally {
      await local.stop();
    }
  }
  log(`${node.label}: PutObject ${put.map((ms) => ms.toFixed(0)).join(", ")} ms; first start ${firstStart.map((ms) => ms.toFixed(0)).join(", ")} ms`);
  return { put, firstStart };
}

/** One run of notebook 01 against a Local AgentCore started under this Node. */
async function measureNotebook(node: NodeUnderTest, log: (line: string) => void): Promise<{ localStart: number; notebook: number; rss: number }> {
  const t0 = performance.now();
  const local = await startUnder(node);
  const localStart = since(t0);
  try {
    const notebook = await runNotebook(node, local, 900_000);
    const rss = peakRssMiB(local.pid);
    log(`${node.label}: Local AgentCore start ${(localStart / 1000).toFixed(1)} s; notebook 01 ${(notebook / 1000).toFixed(1)} s; peak RSS ${rss.toFixed(0)} MiB`);
    return { localStart, notebook, rss };
  } finally {
    await local.stop();
  }
}

const timings = (label: string, m: Pick<NodeFigures, "put" | "firstStart">): BenchResult[] => [
  result({ name: `nodes.${label}.put-object-25mb`, unit: "ms", value: median(m.put), goal: "≤ 1000 ms", met: median(m.put) <= 1000, runs: m.put.length }),
  result({ name: `nodes.${label}.first-instance-start`, unit: "ms", value: median(m.firstStart), goal: "≤ 10000 ms", met: median(m.firstStart) <= 10_000, runs: m.firstStart.length }),
];

/**
 * The rows of one Node. The first Node measured is the baseline; every other one carries the
 * baseline's figure as its alternative, so the table shows them side by side with their ratio.
 */
export function nodeResults(label: string, m: NodeFigures, base?: { label: string; m: NodeFigures }): BenchResult[] {
  const vs = base && base.label !== label ? base : undefined;
  const n = m.notebookRuns ?? 1;
  return [
    ...timings(label, m),
    vs
      ? result({ name: `nodes.${label}.local-start`, unit: "ms", value: m.localStart, baseline: vs.m.localStart, goal: "reported", met: true, runs: n })
      : result({ name: `nodes.${label}.local-start`, unit: "ms", value: m.localStart, goal: "reported", met: true, runs: n }),
    vs
      ? result({ name: `nodes.${label}.notebook-01`, unit: "ms", value: m.notebook, baseline: vs.m.notebook, goal: `≤ 1.1 × ${vs.label}'s`, met: m.notebook <= 1.1 * vs.m.notebook, runs: n })
      : result({ name: `nodes.${label}.notebook-01`, unit: "ms", value: m.notebook, goal: "reported (the baseline)", met: true, runs: n }),
    vs
      ? result({ name: `nodes.${label}.peak-rss`, unit: "MiB", value: m.rss, baseline: vs.m.rss, goal: `≤ 1.25 × ${vs.label}'s`, met: m.rss <= 1.25 * vs.m.rss, runs: n })
      : result({ name: `nodes.${label}.peak-rss`, unit: "MiB", value: m.rss, goal: "≤ 400 MiB", met: m.rss <= 400, runs: n }),
  ];
}

/** One line per figure with every Node's value next to each other (the progress log's summary). */
export function sideBySide(measured: { label: string; m: NodeFigures }[]): string[] {
  const [base] = measured;
  if (!base) return [];
  const row = (what: string, unit: string, limit: number | undefined, pick: (m: NodeFigures) => number, show: (v: number) => string) => {
    const cells = measured.map(({ label, m }) => {
      const ratio = label === base.label ? "" : ` (${(pick(m) / pick(base.m)).toFixed(2)}×${limit ? (pick(m) <= limit * pick(base.m) ? ", met" : ", NOT met") : ""})`;
      return `${label} ${show(pick(m))} ${unit}${ratio}`;
    });
    return `${what}: ${cells.join(" | ")}${limit && measured.length > 1 ? ` [goal ≤ ${limit}× ${base.label}]` : ""}`;
  };
  return [
    row("notebook 01", "s", 1.1, (m) => m.notebook, (v) => (v / 1000).toFixed(1)),
    row("peak RSS", "MiB", 1.25, (m) => m.rss, (v) => v.toFixed(0)),
    row("Local AgentCore start", "s", undefined, (m) => m.localStart, (v) => (v / 1000).toFixed(1)),
  ];
}

export const nodeVersions: Bench = {
  id: "nodes",
  title: "Local AgentCore per Node version: PutObject of a 25 MB bundle, first instance start (fresh dependency cache), Local AgentCore start, notebook 01 time and peak RSS, each Node next to the first",
  async run(ctx) {
    const runs = ctx.quick ? 1 : 3;
    const nodes = nodesUnderTest();
    const transfers = new Map<string, Transfers>();
    for (const node of nodes) transfers.set(node.label, await measureTransfers(node, runs, ctx.log));
    // Notebook runs alternate between the Nodes, round by round, so a load that comes and goes on
    // the machine falls on both alike; each figure is the median of its Node's rounds.
    const rounds = new Map<string, { localStart: number; notebook: number; rss: number }[]>(nodes.map((n) => [n.label, []]));
    for (let round = 0; round < runs; round++) {
      for (const node of nodes) {
        try {
          rounds.get(node.label)!.push(await measureNotebook(node, ctx.log));
        } catch (e) {
          // The figures measured before a failing notebook run still reach results.json.
          throw Object.assign(e as Error, { partial: [...transfers].flatMap(([label, t]) => timings(label, t)) });
        }
      }
    }
    const results: BenchResult[] = [];
    const measured: { label: string; m: NodeFigures }[] = [];
    for (const node of nodes) {
      const done = rounds.get(node.label)!;
      const m: NodeFigures = {
        ...transfers.get(node.label)!,
        localStart: median(done.map((r) => r.localStart)),
        notebook: median(done.map((r) => r.notebook)),
        rss: median(done.map((r) => r.rss)),
        notebookRuns: done.length,
      };
      results.push(...nodeResults(node.label, m, measured[0]));
      measured.push({ label: node.label, m });
    }
    for (const line of sideBySide(measured)) ctx.log(line);
    return results;
  },
};
