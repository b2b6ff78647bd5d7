/**
 * The agent bundled with esbuild: its code and every package it imports in a few `.mjs` files (the
 * entry, plus chunks for code only reached through `import()`, which Node parses when first imported),
 * instead of hundreds of packages in `node_modules/`.
 *
 * What esbuild cannot follow stays a package: an ES module under node_modules that makes a
 * `require` with `createRequire(import.meta.url)` (`bedrock-agentcore`'s runtime loads
 * `@fastify/sse` and `@fastify/websocket` so) requires at run time a name esbuild never sees as an
 * import. `findCreateRequired` collects those names while esbuild loads the files; the bundle
 * builder then ships them, with their dependencies, in `node_modules/`, where that `require` finds
 * them (the chunks sit at the zip's root, next to `node_modules/`).
 */
import { readFileSync } from "node:fs";
import { basename, join } from "node:path";
import type { Plugin } from "esbuild";
import { packageNameOf } from "./code-bundle.js";

/**
 * Bundled CommonJS code calls `require` for Node built-ins and reads `__filename`/`__dirname`; ES
 * modules have none of these, so every output file defines them for itself. The names are free
 * identifiers esbuild left in the bundle: an agent declaring its own `require` is renamed by esbuild.
 */
export const ESM_SHIMS = [
  'import { createRequire as __agentcoreCreateRequire } from "node:module";',
  'import { fileURLToPath as __agentcoreFileURLToPath } from "node:url";',
  'import { dirname as __agentcoreDirname } from "node:path";',
  "const require = __agentcoreCreateRequire(import.meta.url);",
  "const __filename = __agentcoreFileURLToPath(import.meta.url);",
  "const __dirname = __agentcoreDirname(__filename);",
].join(" ");

const ESM_SYNTAX = /^\s*(?:import|export)\b/m;
const REQUIRE_CALL = /\brequire(?:\.resolve)?\s*\(\s*(['"])([^'"\n]+)\1\s*\)/g;

/**
 * The packages required by literal name from ES modules under node_modules that use `createRequire`
 * (in an ES module, any `require` is one it made). Built-ins and relative paths are not packages.
 */
export function createRequiredPackages(source: string): string[] {
  if (!source.includes("createRequire") || !ESM_SYNTAX.test(source)) return [];
  const names = new Set<string>();
  for (const m of source.matchAll(REQUIRE_CALL)) {
    const name = packageNameOf(m[2]!);
    if (name) names.add(name);
  }
  return [...names];
}

/**
 * An esbuild plugin adding to `found` what `createRequiredPackages` finds in each loaded file: the
 * packages' ES modules, and the agent's own file (it may `createRequire` a package too).
 */
export function findCreateRequired(found: Set<string>): Plugin {
  return {
    name: "agentcore-create-require",
    setup(build) {
      build.onLoad({ filter: /\.(?:m?js|m?ts|tsx?)$/ }, (args) => {
        for (const name of createRequiredPackages(readFileSync(args.path, "utf8"))) found.add(name);
        return undefined; // esbuild loads the file as usual
      });
    },
  };
}

export interface BundledEntry {
  /** Output files by their path in the zip: `<entry>.mjs` and its chunks, sorted. */
  files: Record<string, string>;
  /** Packages the bundle requires at run time from node_modules, sorted. */
  external: string[];
}

/**
 * Bundles `file` (already checked to compile and to import no local files) into `<entryName>.mjs` and
 * chunks. `leaveOut`: packages neither bundled nor shipped (an `import()` of one fails as if it were
 * not installed, as in a node_modules bundle that leaves it out).
 */
export async function bundleEntry(file: string, entryName: string, projectDir: string, leaveOut: readonly string[] = []): Promise<BundledEntry> {
  const esbuild = await import("esbuild");
  const found = new Set<string>();
  const out = await esbuild.build({
    entryPoints: { [entryName]: file },
    bundle: true,
    splitting: true,
    platform: "node",
    format: "esm",
    target: "node22",
    outdir: "bundle",
    outExtension: { ".js": ".mjs" },
    // Next to the entry, so that a chunk's createRequire resolves node_modules/ at the zip's root too.
    chunkNames: "[name]-[hash]",
    banner: { js: ESM_SHIMS },
    write: false,
    logLevel: "silent",
    legalComments: "none",
    external: leaveOut.flatMap((name) => [name, `${name}/*`]),
    // The agent file may live outside the project whose node_modules has its packages.
    nodePaths: [join(projectDir, "node_modules")],
    plugins: [findCreateRequired(found)],
  });
  const files: Record<string, string> = {};
  for (const f of out.outputFiles) files[basename(f.path)] = f.text;
  return { files: Object.fromEntries(Object.entries(files).sort(([a], [b]) => (a < b ? -1 : 1))), external: [...found].sort() };
}

/**
 * The packages whose files Node loads when `roots` are required (esbuild follows their static
 * imports and requires): which of the shipped packages' peer dependencies they really use.
 */
export async function packagesReachedFrom(projectDir: string, roots: string[]): Promise<Set<string>> {
  if (!roots.length) return new Set();
  const esbuild = await import("esbuild");
  const out = await esbuild.build({
    stdin: { contents: roots.map((r) => `import ${JSON.stringify(r)};`).join("\n"), resolveDir: projectDir, loader: "js" },
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node22",
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  const reached = new Set<string>();
  for (const input of Object.keys(out.metafile.inputs)) {
    const parts = input.split(/[\\/]/);
    const at = parts.lastIndexOf("node_modules");
    if (at < 0 || at + 1 >= parts.length) continue;
    reached.add(parts[at + 1]!.startsWith("@") ? `${parts[at + 1]}/${parts[at + 2]}` : parts[at + 1]!);
  }
  return reached;
}
