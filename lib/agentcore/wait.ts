/**
 * Polling with backoff and progress: a spinner in a terminal, an updating line in Jupyter, and
 * one line per status change anywhere else (CI logs, the headless runner).
 */

export type ProgressMode = "spinner" | "line" | "changes" | "silent";

/** Where this process writes: a TTY, a Jupyter kernel (tslab), or a plain stream. */
export function detectProgressMode(stream: NodeJS.WriteStream = process.stdout, env: NodeJS.ProcessEnv = process.env): ProgressMode {
  if (stream.isTTY) return "spinner";
  if (env.JPY_PARENT_PID || env.JPY_SESSION_NAME) return "line";
  return "changes";
}

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

export interface Progress {
  update(status: string): void;
  done(finalLine: string): void;
}

export function createProgress(label: string, mode: ProgressMode = detectProgressMode(), write: (s: string) => void = (s) => process.stdout.write(s)): Progress {
  const started = Date.now();
  let status = "";
  let frame = 0;
  // "changes" mode: the latest status waits for the next one, so the final line replaces it (READY once, not twice).
  let pending: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  const elapsed = () => `${Math.round((Date.now() - started) / 1000)}s`;
  const line = () => `${label}: ${status} (${elapsed()})`;
  if (mode === "spinner") {
    timer = setInterval(() => write(`\r\x1b[2K${FRAMES[frame++ % FRAMES.length]} ${line()}`), 100);
    timer.unref();
  }
  return {
    update(next) {
      if (next === status) return;
      status = next;
      if (mode === "line") write(`\r${line()}   `);
      else if (mode === "changes") {
        if (pending) write(pending);
        pending = `${line()}\n`;
      }
    },
    done(finalLine) {
      if (timer) clearInterval(timer);
      if (mode === "spinner") write(`\r\x1b[2K${finalLine}\n`);
      else if (mode === "line") write(`\r${finalLine}${" ".repeat(20)}\n`);
      else if (mode === "changes") write(`${finalLine}\n`);
    },
  };
}

export interface PollOptions<T> {
  /** Reads the current state. */
  read: () => Promise<T>;
  /** A short status word for progress (`CREATING`). */
  statusOf: (value: T) => string;
  /** True when polling should stop. */
  isDone: (value: T) => boolean;
  timeoutMs: number;
  /** First delay; multiplied by 1.5 up to `maxDelayMs`. */
  initialDelayMs?: number;
  maxDelayMs?: number;
  progress?: Progress;
  /** Message of the timeout error. */
  timeoutMessage?: (last: T) => string;
}

export async function pollUntil<T>(o: PollOptions<T>): Promise<T> {
  const deadline = Date.now() + o.timeoutMs;
  let delay = o.initialDelayMs ?? 250;
  for (;;) {
    const value = await o.read();
    o.progress?.update(o.statusOf(value));
    if (o.isDone(value)) return value;
    if (Date.now() + delay > deadline) {
      throw new Error(o.timeoutMessage?.(value) ?? `Still ${o.statusOf(value)} after ${Math.round(o.timeoutMs / 1000)}s`);
    }
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(Math.round(delay * 1.5), o.maxDelayMs ?? 5000);
  }
}
