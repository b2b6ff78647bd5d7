/**
 * The stand-in model's "thinking": a deterministic, tool-using responder for offline runs.
 *
 * It is not a language model. Given an OpenAI chat request it either calls the one tool that fits
 * the user's request (arithmetic → a calculator-like tool with the expression; weather → a weather
 * tool; otherwise the tool whose name's words the request uses, e.g. "add_calendar_event" for "Add
 * an event 'Lunch' to my calendar", with the quoted text as its argument) or, once tool results are
 * in the conversation, answers from them; with no fitting tool it answers plainly. Same request,
 * same answer: tests and notebooks can rely on it.
 */

export interface ChatTool {
  type: "function";
  function: { name: string; description?: string; parameters?: JsonSchemaObject };
}

interface JsonSchemaObject {
  type?: string;
  properties?: Record<string, { type?: string; description?: string }>;
  required?: string[];
}

type ContentPart = { type: string; text?: string };

export interface ChatMessage {
  role: "system" | "developer" | "user" | "assistant" | "tool";
  content?: string | ContentPart[] | null;
  tool_calls?: { id: string; type: "function"; function: { name: string; arguments: string } }[];
  tool_call_id?: string;
  name?: string;
}

export interface ChatRequest {
  model?: string;
  messages: ChatMessage[];
  tools?: ChatTool[];
  tool_choice?: unknown;
  stream?: boolean;
}

export type Reply =
  | { kind: "text"; text: string }
  | { kind: "tool_call"; id: string; name: string; arguments: string };

export const STANDIN_MODEL_ID = "agentcore-local-standin (deterministic stand-in, not an LLM)";

export function textOf(content: ChatMessage["content"]): string {
  if (content == null) return "";
  if (typeof content === "string") return content;
  return content.map((p) => (typeof p.text === "string" ? p.text : "")).join("");
}

/** The arithmetic expression in a request such as "How much is 2X2?", normalised for a calculator. */
export function findExpression(text: string): string | undefined {
  const candidates = text.match(/[-+*/^%().\d\sxX×÷]+/g) ?? [];
  for (const raw of candidates.sort((a, b) => b.length - a.length)) {
    const expr = raw
      .trim()
      .replace(/([\d)])\s*[xX×]\s*(?=[\d(])/g, "$1*")
      .replace(/÷/g, "/")
      .replace(/\s+/g, " ");
    if (/\d/.test(expr) && /\d\s*[-+*/^%]\s*[\d(]/.test(expr)) return expr;
  }
  return undefined;
}

const mentions = (tool: ChatTool, words: RegExp) =>
  words.test(tool.function.name) || words.test(tool.function.description ?? "");

const CALCULATOR = /calc|math|arithmetic|expression|evaluate/i;
const WEATHER = /weather|forecast/i;

/** The arguments for a tool, filling its first string parameter (if any) with `value`. */
function argumentsFor(tool: ChatTool, value: string | undefined): string {
  const props = tool.function.parameters?.properties ?? {};
  const names = Object.keys(props);
  if (value === undefined || names.length === 0) return "{}";
  const preferred =
    names.find((n) => /expr|query|input|location|city/i.test(n)) ??
    names.find((n) => props[n]?.type === "string") ??
    names[0]!;
  return JSON.stringify({ [preferred]: value });
}

function callId(seed: string): string {
  let h = 0x811c9dc5;
  for (const ch of seed) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return `call_standin_${h.toString(16).padStart(8, "0")}`;
}

export function respond(req: ChatRequest): Reply {
  const messages = req.messages ?? [];
  const lastUser = [...messages].reverse().find((m) => m.role === "user");
  const question = textOf(lastUser?.content).trim();
  const afterQuestion = lastUser ? messages.slice(messages.lastIndexOf(lastUser) + 1) : [];
  const toolResults = afterQuestion.filter((m) => m.role === "tool");

  // Second turn: the tools have answered; answer from their results.
  if (toolResults.length > 0) {
    const calls = new Map(
      afterQuestion.flatMap((m) => m.tool_calls ?? []).map((c) => [c.id, c.function] as const),
    );
    const parts = toolResults.map((r) => {
      const fn = r.tool_call_id ? calls.get(r.tool_call_id) : undefined;
      const result = textOf(r.content).trim();
      if (fn && CALCULATOR.test(fn.name)) {
        const expr = safeExpression(fn.arguments);
        return expr ? `${expr} = ${result}` : `The result is ${result}.`;
      }
      if (fn && WEATHER.test(fn.name)) return `The weather right now is: ${result}.`;
      return `${fn?.name ?? "The tool"} says: ${result}`;
    });
    return { kind: "text", text: parts.join("\n") };
  }

  const tools = req.tools ?? [];
  const expression = findExpression(question);
  const calculator = tools.find((t) => mentions(t, CALCULATOR));
  if (expression && calculator) {
    return { kind: "tool_call", id: callId(question), name: calculator.function.name, arguments: argumentsFor(calculator, expression) };
  }
  const weather = tools.find((t) => mentions(t, WEATHER));
  if (WEATHER.test(question) && weather) {
    return { kind: "tool_call", id: callId(question), name: weather.function.name, arguments: argumentsFor(weather, undefined) };
  }
  const named = toolNamedIn(question, tools);
  if (named) {
    return { kind: "tool_call", id: callId(question), name: named.function.name, arguments: argumentsFor(named, quotedText(question)) };
  }
  return { kind: "text", text: plainAnswer(question, tools) };
}

/** Lowercase words, plural "s" dropped, so "events" and "event" match. */
const wordsOf = (text: string) =>
  text
    .replace(/([a-z])([A-Z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 1)
    .map((w) => (w.length > 3 && w.endsWith("s") ? w.slice(0, -1) : w));

/**
 * The tool whose name the question spells out best: most of its name's words in the question (at
 * least two, or all of a one-word name); the first such tool on a tie.
 */
function toolNamedIn(question: string, tools: ChatTool[]): ChatTool | undefined {
  const asked = new Set(wordsOf(question));
  let best: { tool: ChatTool; score: number } | undefined;
  for (const tool of tools) {
    const words = [...new Set(wordsOf(tool.function.name))];
    const score = words.filter((w) => asked.has(w)).length;
    if (score >= Math.min(2, words.length) && score > 0 && score > (best?.score ?? 0)) best = { tool, score };
  }
  return best?.tool;
}

/** The first quoted text in the question ('…', "…" or “…”): the value a tool is asked to use. */
function quotedText(question: string): string | undefined {
  const m = /'([^']+)'|"([^"]+)"|“([^”]+)”/.exec(question);
  return m ? (m[1] ?? m[2] ?? m[3]) : undefined;
}

function safeExpression(args: string): string | undefined {
  try {
    const parsed = JSON.parse(args) as Record<string, unknown>;
    const first = Object.values(parsed).find((v) => typeof v === "string");
    return typeof first === "string" ? first : undefined;
  } catch {
    return undefined;
  }
}

function plainAnswer(question: string, tools: ChatTool[]): string {
  const skills = tools.map((t) => t.function.name).join(", ");
  const greeting = /^(hi|hello|hey)\b/i.test(question) ? "Hello! " : "";
  return (
    `${greeting}I am the Local AgentCore stand-in model, a deterministic offline replacement for a real LLM. ` +
    (skills ? `I can use these tools: ${skills}. ` : "") +
    `Ask me to calculate something (for example "How much is 2X2?") or about the weather.`
  );
}
