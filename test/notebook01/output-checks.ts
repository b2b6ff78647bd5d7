/**
 * What a learner reads in an executed notebook 01, and the checks that keep it clean: no stderr,
 * no warnings, no absolute paths, no `undefined`, nothing said twice; and the text of each code
 * cell's outputs with what changes from run to run (ports, ids, accounts, timings) replaced, to
 * compare with a committed reference.
 */
import os from "node:os";
import type { CodeCell, Notebook } from "../../lib/runner/notebook-file.js";

type Output = CodeCell["outputs"][number];

const joined = (v: string | string[]) => (Array.isArray(v) ? v.join("") : v);

/** One output as the reader sees it: a display's richest text form only (markdown, else plain text, else HTML, else JSON). */
export function readerText(o: Output): string {
  switch (o.output_type) {
    case "stream":
      return joined(o.text);
    case "display_data":
    case "execute_result": {
      const data = o.data as Record<string, unknown>;
      for (const mime of ["text/markdown", "text/plain", "text/html"]) {
        const v = data[mime];
        if (typeof v === "string" || Array.isArray(v)) return joined(v as string | string[]);
      }
      if (data["application/json"] !== undefined) return JSON.stringify(data["application/json"], null, 2);
      return "";
    }
    case "error":
      return `${o.ename}: ${o.evalue}`;
  }
}

export interface ReadCell {
  /** 1-based position among the notebook's cells ("cell 7"), as the runner numbers them. */
  index: number;
  firstLine: string;
  outputs: Output[];
  text: string;
}

export function codeCells(nb: Notebook): ReadCell[] {
  return nb.cells.flatMap((c, i) => {
    if (c.cell_type !== "code") return [];
    const source = joined(c.source);
    const firstLine = source.split("\n").find((l) => l.trim() && !l.trim().startsWith("//")) ?? "";
    return [{ index: i + 1, firstLine, outputs: c.outputs, text: c.outputs.map(readerText).join("") }];
  });
}

/** An absolute file path: `/x/y` not inside a URL, an ARN or `s3://` (those are preceded by `:` or `/`). */
const ABSOLUTE_PATH = /(?<![\w:/.~-])\/(?:[\w.@-]+\/)+[\w.@-]*/;

/** Every problem a learner would see, as `cell N: …` lines (empty when clean). */
export function outputProblems(nb: Notebook, projectRoot: string): string[] {
  const problems: string[] = [];
  const seenBlocks = new Map<string, number>();
  for (const cell of codeCells(nb)) {
    const at = `cell ${cell.index} (${cell.firstLine.slice(0, 60)})`;
    for (const o of cell.outputs) {
      if (o.output_type === "stream" && o.name === "stderr") problems.push(`${at}: writes to stderr: ${joined(o.text).slice(0, 200)}`);
      if (o.output_type === "error") problems.push(`${at}: shows an error: ${o.ename}: ${o.evalue.slice(0, 200)}`);
    }
    const text = cell.text;
    const warning = /\b\w*Warning\b|\(node:\d+\)|\bdeprecat/i.exec(text);
    if (warning) problems.push(`${at}: shows a warning: …${text.slice(Math.max(0, warning.index - 40), warning.index + 120)}`);
    for (const root of [projectRoot.replace(/\/$/, ""), os.tmpdir()]) {
      if (text.includes(root)) problems.push(`${at}: shows the absolute path ${root}`);
    }
    const path = ABSOLUTE_PATH.exec(text);
    if (path) problems.push(`${at}: shows an absolute path: ${path[0]}`);
    if (/\bundefined\b/.test(text)) problems.push(`${at}: shows "undefined": …${text.slice(Math.max(0, text.indexOf("undefined") - 60), text.indexOf("undefined") + 20)}`);
    // The same line twice in one cell (READY, READY, READY), or one cell repeating another's output.
    const lines = text.split("\n").map((l) => l.trim()).filter((l) => l.length >= 3 && !/^[{}[\],]+$/.test(l));
    const counted = new Map<string, number>();
    for (const line of lines) counted.set(line, (counted.get(line) ?? 0) + 1);
    for (const [line, n] of counted) if (n > 1) problems.push(`${at}: says "${line.slice(0, 80)}" ${n} times`);
    const block = text.trim();
    if (block) {
      const earlier = seenBlocks.get(block);
      if (earlier !== undefined) problems.push(`${at}: repeats the output of cell ${earlier}`);
      else seenBlocks.set(block, cell.index);
    }
  }
  return problems;
}

/** What differs between two correct runs, replaced by a name for it. Order matters: longer shapes first. */
const VOLATILE: [RegExp, string][] = [
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g, "<uuid>"],
  [/\b[0-9a-f]{32,64}\b/g, "<hash>"],
  [/(127\.0\.0\.1|localhost):\d+/g, "$1:<port>"],
  [/\b\d{12}\b/g, "<account>"],
  [/(runtime\/|agentId: ')([A-Za-z][\w]*?)-[A-Za-z0-9]{10}\b/g, "$1$2-<id>"],
  [/\b(strands_agents_openai)-[A-Za-z0-9]{10}\b/g, "$1-<id>"],
  [/(secret:[\w!/.-]+)-[A-Za-z0-9]{6}(?=['"\s]|$)/gm, "$1-<suffix>"],
  [/, dependencies cached/g, ""],
  // A runtime the previous run's cleanup deleted is still recorded in .agentcore.json, so a
  // second run on the same folder recreates it: the same step, worded differently.
  [/^Agent runtime \S+ no longer exists \(deleted outside this notebook\): creating it again\.\n/gm, ""],
  [/^Recreated agent runtime /gm, "Created agent runtime "],
  [/action: 'recreated'/g, "action: 'created'"],
  [/sk-…[\w-]{4}/g, "sk-…<key>"],
  [/\((\d+) characters, not shown\)/g, "(<n> characters, not shown)"],
  [/\bv\d+\.\d+\.\d+\b/g, "v<version>"],
  [/\bpodman version [\d.]+|\bDocker version [\w.,]+/g, "<engine>"],
  [/\b\d+(\.\d+)? ?(ms|s|MB|KB|kB)\b/g, "<n> $2"],
  [/\b\d+ packages\b/g, "<n> packages"],
  [/\b(Overwriting|Writing) ([\w.]+) \(\d+ lines\)/g, "Writing $2 (<n> lines)"],
  [/\b\d{4}-\d{2}-\d{2}T[\d:.]+Z\b/g, "<time>"],
  [/AmazonBedrockAgentCoreSDKRuntime-([\w-]+?)-[0-9a-f]{10}\b/g, "AmazonBedrockAgentCoreSDKRuntime-$1-<hash>"],
];

export function sanitize(text: string): string {
  let out = text;
  for (const [shape, name] of VOLATILE) out = out.replace(shape, name);
  return out.replace(/[ \t]+$/gm, "").trim();
}
