/**
 * A `docker` executable for this machine only: put first on PATH, it records each invocation's
 * argv and stdin (one JSON line each) and exits 0, so the command lines zx really runs can be
 * checked without a Docker daemon, an arm64 emulator or a registry.
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { delimiter, join } from "node:path";

export interface EngineRun {
  argv: string[];
  stdin: string;
}

export function installFakeDocker(dir: string): { log: string; runs: () => EngineRun[] } {
  const bin = join(dir, "bin");
  mkdirSync(bin, { recursive: true });
  const log = join(dir, "docker-runs.jsonl");
  writeFileSync(log, "");
  const script = `#!${process.execPath}
const fs = require("node:fs");
const argv = process.argv.slice(2);
// Only login reads stdin (--password-stdin); other commands must not wait for it.
const stdin = argv[0] === "login" ? fs.readFileSync(0, "utf8") : "";
fs.appendFileSync(${JSON.stringify(log)}, JSON.stringify({ argv, stdin }) + "\\n");
if (argv[0] === "login") process.stdout.write("Login Succeeded\\n");
`;
  writeFileSync(join(bin, "docker"), script);
  chmodSync(join(bin, "docker"), 0o755);
  process.env.PATH = `${bin}${delimiter}${process.env.PATH ?? ""}`;
  return {
    log,
    runs: () =>
      readFileSync(log, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as EngineRun),
  };
}
