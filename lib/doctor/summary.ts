/**
 * The doctor as a notebook cell needs it: one line on stdout when the machine is ready, and only
 * on a failure the details, as the cell's error (each failed required check with its fix).
 * Optional checks (Jupyter, the tslab kernel, a container engine for code deploys) never appear
 * as failures here: a learner who runs the notebook has what the notebook needs.
 */
import { runChecks, type Check, type CheckOptions } from "./checks.js";
import { targetFromEnv, type Target } from "../session.js";

export class DoctorError extends Error {
  constructor(
    readonly target: Target,
    readonly failed: Check[],
  ) {
    const width = Math.max(...failed.map((c) => c.name.length));
    const lines = failed.map((c) => `✗ ${c.name.padEnd(width)}  ${c.detail}${c.fix ? `\n  ${" ".repeat(width)}  → ${c.fix}` : ""}`);
    super(`This machine is not ready for target "${target}":\n${lines.join("\n")}\nFix the line${failed.length === 1 ? "" : "s"} above and run this cell again (npm run doctor shows every check).`);
    this.name = "DoctorError";
  }
}

/** The one line for a ready machine: which required checks passed, by name. */
export function readyLine(target: Target, checks: Check[]): string {
  const names = checks.filter((c) => c.required && c.ok).map((c) => c.name);
  return `✓ Ready for target "${target}": ${names.join(", ")}.`;
}

/** The required checks that failed; optional ones never count. */
export function failedRequired(checks: Check[]): Check[] {
  return checks.filter((c) => c.required && !c.ok);
}

export interface DoctorOptions extends CheckOptions {
  /** Where the ready line goes; default console.log. */
  log?: (line: string) => void;
  /** The checks to judge (tests); default runChecks for the target. */
  checks?: (target: Target, options: CheckOptions) => Promise<Check[]>;
}

/**
 * Runs the doctor for `target` (default: AGENTCORE_TARGET, else local). Ready: prints one line (and
 * returns nothing a notebook would display). Not ready: throws a DoctorError listing each failed
 * required check and its fix.
 */
export async function doctor(target: Target = targetFromEnv(process.env), options: DoctorOptions = {}): Promise<void> {
  const { log = console.log, checks: run = runChecks, ...checkOptions } = options;
  // Optional checks never show here, so they are not run (the CLI runs them all).
  const checks = await run(target, { only: "required", ...checkOptions });
  const failed = failedRequired(checks);
  if (failed.length > 0) throw new DoctorError(target, failed);
  log(readyLine(target, checks));
}
