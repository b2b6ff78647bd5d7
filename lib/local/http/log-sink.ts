/**
 * The server log's writer: each line is stamped when it is logged, held, and written with the other
 * lines of the same event-loop turn in one write (a write per line cost about a tenth of the
 * server's CPU per request under load). The held lines are written before the process exits —
 * by a signal's orderly stop, `process.exit` or an uncaught error — so the log stays complete; only
 * a `kill -9` can lose the lines of the turn it interrupts.
 */
export interface LogSink {
  (line: string): void;
  /** Writes the held lines now. */
  flush(): void;
}

export function createLogSink(out: { write(text: string): unknown } = process.stdout, now: () => Date = () => new Date()): LogSink {
  let held: string[] = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (held.length === 0) return;
    const text = held.join("");
    held = [];
    out.write(text);
  };
  // Once per turn, after the turn's I/O callbacks: every response of the turn shares one write.
  const later = () => {
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };
  process.on("exit", flush);
  return Object.assign((line: string) => {
    held.push(`${now().toISOString()} ${line}\n`);
    later();
  }, { flush });
}
