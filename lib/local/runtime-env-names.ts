/**
 * Which names a runtime's `environmentVariables` may use. Local AgentCore hands these variables to
 * processes it starts on the learner's machine (a node agent, the container engine's CLI), so a
 * name that changes how a program is loaded or how a shell starts would run the runtime's chosen
 * code on the host. Those names, and the ones AgentCore sets itself, are refused at
 * Create/UpdateAgentRuntime with a ValidationException; the runtime host drops them too, for
 * records written before this rule.
 *
 * Refused, and why:
 * - `AWS_*`: AgentCore sets the runtime's region, endpoints and credentials itself (AWS_REGION,
 *   AWS_ENDPOINT_URL*, AWS_CONTAINER_CREDENTIALS_*, …); a runtime overriding them would send its
 *   calls, and its role credentials, elsewhere.
 * - `PORT`, `DOCKER_CONTAINER`: set by the runtime host for the agent.
 * - Dynamic loader: `LD_*` (LD_PRELOAD, LD_LIBRARY_PATH, LD_AUDIT…), `DYLD_*` (macOS),
 *   `GCONV_PATH`, `GLIBC_TUNABLES`: load a library of the runtime's choosing into the process.
 * - Shell start-up: `BASH_ENV`, `ENV` (sourced by every non-interactive bash / sh), `BASH_FUNC_*`
 *   (exported functions replace commands), `SHELLOPTS`, `BASHOPTS`, `PS4` (expanded under xtrace),
 *   `IFS`, `PROMPT_COMMAND`, `CDPATH`, `GLOBIGNORE`.
 * - `PATH`: decides which executable a bare command name runs.
 * - Node: `NODE_OPTIONS` (`--require`/`--import` a file), `NODE_PATH`, `NODE_REPL_EXTERNAL_MODULE`.
 *
 * Names are compared case-insensitively (Windows treats them so, and `ld_preload` is no name a
 * runtime needs). A name must also be something an environment can hold: no `=`, no control
 * characters.
 */

const RESERVED_PREFIXES = ["AWS_", "LD_", "DYLD_", "BASH_FUNC_"];

const RESERVED_NAMES = new Set([
  "PORT",
  "DOCKER_CONTAINER",
  "GCONV_PATH",
  "GLIBC_TUNABLES",
  "BASH_ENV",
  "ENV",
  "SHELLOPTS",
  "BASHOPTS",
  "PS4",
  "IFS",
  "PROMPT_COMMAND",
  "CDPATH",
  "GLOBIGNORE",
  "PATH",
  "NODE_OPTIONS",
  "NODE_PATH",
  "NODE_REPL_EXTERNAL_MODULE",
]);

/** Why the name cannot be a runtime's variable, or undefined when it can. */
export function refusedEnvName(name: string): string | undefined {
  // eslint-disable-next-line no-control-regex
  if (name === "" || /[=\u0000-\u001f\u007f]/.test(name)) return "a variable name cannot be empty or contain '=' or control characters";
  const upper = name.toUpperCase();
  if (RESERVED_NAMES.has(upper) || RESERVED_PREFIXES.some((p) => upper.startsWith(p))) {
    return upper.startsWith("AWS_") || upper === "PORT" || upper === "DOCKER_CONTAINER"
      ? `${name} is set by AgentCore itself (names starting with AWS_, PORT and DOCKER_CONTAINER are reserved)`
      : `${name} changes how programs are loaded or how a shell starts, so Local AgentCore refuses it (it would run code on this machine)`;
  }
  return undefined;
}

/** Why a value cannot be a variable's value (a NUL byte ends an environment string), or undefined. */
export function refusedEnvValue(value: string): string | undefined {
  return value.includes("\u0000") ? "a variable value cannot contain a NUL character" : undefined;
}

/** The variables without refused names or values (what the runtime host passes on). */
export function allowedEnv(vars: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(vars)) if (typeof v === "string" && !refusedEnvName(k) && !refusedEnvValue(v)) out[k] = v;
  return out;
}
