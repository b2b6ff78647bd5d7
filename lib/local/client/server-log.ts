/**
 * `npm run local -- logs`: the background server's own log (requests, agent starts and stops,
 * warnings), and with `follow` what is appended to it until `signal` aborts, like `tail -f`
 * (a rotated log is followed into the new file).
 */
import { existsSync, readFileSync, statSync } from "node:fs";

export interface ServerLogOptions {
  follow?: boolean;
  /** Poll interval while following (ms). */
  intervalMs?: number;
  signal?: AbortSignal;
}

/** Prints the log to `out`; false when there is none yet and not following. */
export async function printServerLog(file: string, opts: ServerLogOptions, out: (text: string) => void): Promise<boolean> {
  if (!existsSync(file) && !opts.follow) return false;
  let offset = 0;
  const printNew = () => {
    let size: number;
    try {
      size = statSync(file).size;
    } catch {
      return; // not written yet
    }
    if (size < offset) offset = 0; // rotated: start on the new file
    if (size === offset) return;
    const bytes = readFileSync(file).subarray(offset, size);
    const complete = bytes.lastIndexOf(0x0a) + 1; // whole lines only
    if (!complete) return;
    offset += complete;
    out(bytes.subarray(0, complete).toString("utf8"));
  };
  printNew();
  while (opts.follow && !opts.signal?.aborted) {
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 500));
    printNew();
  }
  return true;
}
