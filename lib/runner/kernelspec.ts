/**
 * Which notebooks this runner may execute. Like papermill and nbclient it honours the kernelspec:
 * a notebook written for another kernel (Python, R, …) is refused before anything runs, instead of
 * being compiled as TypeScript and failing on its first line. A notebook without one is assumed
 * to be TypeScript, with a warning (an editor may have dropped the metadata).
 */
import path from "node:path";
import { type Notebook, NotebookFormatError } from "./notebook-file.js";

/** Kernel names and languages that mean "tslab's TypeScript". */
const TYPESCRIPT_KERNELS = new Set(["tslab", "typescript"]);

/** Throws NotebookFormatError for another kernel; returns a warning when there is no kernelspec. */
export function checkKernelspec(nb: Notebook, file: string): string | undefined {
  const spec = nb.metadata.kernelspec as { name?: unknown; language?: unknown; display_name?: unknown } | undefined;
  const name = typeof spec?.name === "string" ? spec.name : undefined;
  const language = typeof spec?.language === "string" ? spec.language : undefined;
  if (!name && !language) {
    return `${path.basename(file)} has no kernelspec in its metadata; running it as TypeScript (tslab). Save it from a tslab kernel to silence this.`;
  }
  if ((name && TYPESCRIPT_KERNELS.has(name.toLowerCase())) || (language && language.toLowerCase() === "typescript")) return undefined;
  const shown = [name && `"${name}"`, spec?.display_name && `(${String(spec.display_name)})`, language && `language ${language}`].filter(Boolean).join(" ");
  throw new NotebookFormatError(
    `${path.basename(file)}: its kernelspec is ${shown}, not a TypeScript (tslab) notebook; nothing was run. ` +
      "Run it with its own kernel (papermill, nbclient), or if it really is TypeScript set its kernel to tslab in Jupyter (Kernel → Change kernel).",
  );
}
