/** The runner's version: its package's, found by walking up from this file (the runner may be vendored). */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export function runnerVersion(from = path.dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const file = path.join(dir, "package.json");
    if (existsSync(file)) {
      try {
        const pkg = JSON.parse(readFileSync(file, "utf8")) as { name?: string; version?: string };
        if (pkg.version) return `${pkg.name ?? "runner"} ${pkg.version}`;
      } catch {
        // an unreadable package.json: keep looking upwards
      }
    }
    if (path.dirname(dir) === dir) return "unknown version";
  }
}
