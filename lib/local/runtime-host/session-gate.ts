/**
 * One invocation at a time per runtime session. AgentCore Runtime sends a session's requests to
 * the session's one microVM, and agent frameworks cannot run two invocations on one agent at once
 * (Strands throws ConcurrentInvocationError; its state is corrupted otherwise). So an invocation
 * waits, first come first served, until the session's previous one has finished (its response
 * fully streamed); one that cannot get its turn in time, or finds the queue full, gets AWS's
 * modeled `RetryableConflictException` (409), which the SDK's default retry strategy retries.
 */
import { AwsError } from "../errors.js";
import { sessionQueueMax, sessionWaitMs } from "./limits.js";

interface Waiter {
  grant(): void;
}

interface Lane {
  busy: boolean;
  queue: Waiter[];
}

export const sessionBusy = (message: string) => new AwsError("RetryableConflictException", message, 409);

export class SessionGate {
  private readonly lanes = new Map<string, Lane>();

  /** Invocations running or waiting for this key (tests, diagnostics). */
  load(key: string): number {
    const lane = this.lanes.get(key);
    return lane ? (lane.busy ? 1 : 0) + lane.queue.length : 0;
  }

  /**
   * Waits for the session's turn; resolves with the function that ends it (call it exactly once;
   * later calls do nothing). Rejects with RetryableConflictException, or when `signal` aborts.
   */
  async enter(key: string, signal?: AbortSignal): Promise<() => void> {
    let lane = this.lanes.get(key);
    if (!lane) this.lanes.set(key, (lane = { busy: false, queue: [] }));
    if (!lane.busy) {
      lane.busy = true;
      return this.leaver(key, lane);
    }
    const max = sessionQueueMax();
    if (lane.queue.length >= max) {
      throw sessionBusy(
        `Runtime session ${sessionOf(key)} already has an invocation in progress and ${lane.queue.length} waiting (AGENTCORE_LOCAL_SESSION_QUEUE_MAX=${max}). Retry later, or use another runtimeSessionId for parallel work.`,
      );
    }
    const waitMs = sessionWaitMs();
    const l = lane;
    return new Promise<() => void>((resolve, reject) => {
      const waiter: Waiter = {
        grant: () => {
          cleanup();
          resolve(this.leaver(key, l));
        },
      };
      const drop = (err: unknown) => {
        cleanup();
        const i = l.queue.indexOf(waiter);
        if (i >= 0) l.queue.splice(i, 1);
        this.prune(key, l);
        reject(err);
      };
      const timer = setTimeout(
        () =>
          drop(
            sessionBusy(
              `Runtime session ${sessionOf(key)} was busy with another invocation for ${waitMs / 1000} s (AGENTCORE_LOCAL_SESSION_WAIT_MS). One invocation runs per session at a time; retry, or use another runtimeSessionId for parallel work.`,
            ),
          ),
        waitMs,
      );
      const onAbort = () => drop(new Error("the caller went away while waiting for the session"));
      const cleanup = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener("abort", onAbort, { once: true });
      l.queue.push(waiter);
    });
  }

  private leaver(key: string, lane: Lane): () => void {
    let left = false;
    return () => {
      if (left) return;
      left = true;
      const next = lane.queue.shift();
      if (next) next.grant(); // the lane stays busy: the turn passes straight on
      else {
        lane.busy = false;
        this.prune(key, lane);
      }
    };
  }

  private prune(key: string, lane: Lane): void {
    if (!lane.busy && lane.queue.length === 0 && this.lanes.get(key) === lane) this.lanes.delete(key);
  }
}

const sessionOf = (key: string) => key.slice(key.indexOf("\n") + 1);
