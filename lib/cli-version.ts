/** What every script prints for `--version`: the project's name and version, from its package.json. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_DIR } from "./project-dir.js";

export function cliVersion(script: string): string {
  const pkg = JSON.parse(readFileSync(join(PROJECT_DIR, "package.json"), "utf8")) as { name: string; version: string };
  return `${script} (${pkg.name} ${pkg.version}, Node ${process.version})\n`;
}
