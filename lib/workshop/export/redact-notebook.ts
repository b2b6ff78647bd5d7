/**
 * Masks secrets in an executed notebook before it is published: cell sources, streams, text and
 * JSON display data, and errors go through the library's redaction (`lib/notebook/redact.ts`).
 * Binary image data is left alone: base64 is secret-shaped by accident, never a secret.
 */
import { readFileSync } from "node:fs";
import { redact, redactValue, registerSecret } from "../../notebook/redact.js";
import { isSecretEnvName } from "../../secret-policy.js";
import type { Cell, MimeBundle, MultilineString, Notebook, Output } from "../../runner/notebook-file.js";

const BINARY_MIME = /^image\/(png|jpeg|gif|webp)$/;

const text = (v: MultilineString): string => (Array.isArray(v) ? v.join("") : v);

function redactBundle(data: MimeBundle, env: NodeJS.ProcessEnv): MimeBundle {
  const out: MimeBundle = {};
  for (const [mime, value] of Object.entries(data)) {
    if (BINARY_MIME.test(mime)) out[mime] = value;
    else if (typeof value === "string" || Array.isArray(value)) out[mime] = redact(text(value as MultilineString), env);
    else out[mime] = redactValue(value, env);
  }
  return out;
}

function redactOutput(o: Output, env: NodeJS.ProcessEnv): Output {
  switch (o.output_type) {
    case "stream":
      return { ...o, text: redact(text(o.text), env) };
    case "display_data":
    case "execute_result":
      return { ...o, data: redactBundle(o.data, env) };
    case "error":
      return { ...o, ename: redact(o.ename, env), evalue: redact(o.evalue, env), traceback: o.traceback.map((l) => redact(l, env)) };
  }
}

function redactCell(cell: Cell, env: NodeJS.ProcessEnv): Cell {
  const source = redact(text(cell.source), env);
  if (cell.cell_type !== "code") return { ...cell, source };
  return { ...cell, source, outputs: cell.outputs.map((o) => redactOutput(o, env)) };
}

/** A copy of `nb` with every secret masked (`sk-…a1b2`). */
export function redactNotebook(nb: Notebook, env: NodeJS.ProcessEnv = process.env): Notebook {
  return { ...nb, metadata: redactValue(nb.metadata, env), cells: nb.cells.map((c) => redactCell(c, env)) };
}

/**
 * Registers the secrets of a Local AgentCore env file (the notebook user's secret access key) so
 * they are masked even where they do not look like one. A missing file is fine.
 */
export function registerEnvFileSecrets(envFile: string): void {
  let content: string;
  try {
    content = readFileSync(envFile, "utf8");
  } catch {
    return;
  }
  for (const m of content.matchAll(/^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.+)$/gm)) {
    if (isSecretEnvName(m[1]!) && m[1] !== "AWS_ACCESS_KEY_ID") registerSecret(m[2]!.trim());
  }
}
