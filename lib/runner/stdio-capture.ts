/**
 * Redirects process stdout/stderr into the running cell, as tslab's kernel does
 * (it replaces `process.stdout.write`), while still echoing everything live to the terminal.
 * The global console is swapped for a colourless one so recorded text does not depend on
 * whether the runner happens to sit on a TTY (under Jupyter the kernel never does).
 */
import { Console } from "node:console";

export type StreamName = "stdout" | "stderr";
export type StreamListener = (name: StreamName, text: string) => void;

type WriteFn = typeof process.stdout.write;

export interface StdioCapture {
  /** Writes straight to the real terminal, bypassing the capture (the runner's own view). */
  terminal: { stdout(text: string): void; stderr(text: string): void };
  /** Where captured text goes; replaced per cell. Text after a cell ends stays with that cell (as in Jupyter). */
  listener: StreamListener;
  /** Echoes what is held back of an unfinished line (call when a cell ends). */
  flush(): void;
  restore(): void;
}

const decoder = new TextDecoder();

/** `echoFilter` rewrites what is echoed to the terminal (the secret-leak guard masks secrets there). */
export function captureStdio(echo: boolean, echoFilter: (text: string) => string = (t) => t): StdioCapture {
  const originals = { stdout: process.stdout.write, stderr: process.stderr.write };
  const originalConsole = globalThis.console;
  const real = {
    stdout: (text: string) => void originals.stdout.call(process.stdout, text),
    stderr: (text: string) => void originals.stderr.call(process.stderr, text),
  };
  // The echo is masked a line at a time: masking each write alone would let a secret written in
  // two pieces reach the terminal (and CI logs) whole.
  const pending: Record<StreamName, string> = { stdout: "", stderr: "" };
  const echoLines = (name: StreamName, text: string) => {
    const held = pending[name] + text;
    const end = held.lastIndexOf("\n") + 1;
    pending[name] = held.slice(end);
    if (end > 0) real[name](echoFilter(held.slice(0, end)));
  };
  const flush = () => {
    for (const name of ["stdout", "stderr"] as const) {
      if (pending[name] === "") continue;
      const held = pending[name];
      pending[name] = "";
      real[name](echoFilter(held));
    }
  };
  const capture: StdioCapture = {
    terminal: real,
    listener: () => {},
    flush,
    restore() {
      flush();
      process.stdout.write = originals.stdout;
      process.stderr.write = originals.stderr;
      globalThis.console = originalConsole;
    },
  };
  const redirect = (name: StreamName): WriteFn =>
    function write(chunk: unknown, encodingOrCb?: unknown, cb?: unknown): boolean {
      const text = typeof chunk === "string" ? chunk : decoder.decode(chunk as Uint8Array);
      if (echo) echoLines(name, text);
      capture.listener(name, text);
      const done = typeof encodingOrCb === "function" ? encodingOrCb : cb;
      if (typeof done === "function") process.nextTick(done as () => void);
      return true;
    } as WriteFn;
  process.stdout.write = redirect("stdout");
  process.stderr.write = redirect("stderr");
  globalThis.console = new Console({ stdout: process.stdout, stderr: process.stderr, colorMode: false });
  return capture;
}
