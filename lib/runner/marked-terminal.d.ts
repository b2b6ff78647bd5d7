// marked-terminal ships no types and @types/marked-terminal is outdated (libraries.md §5):
// declare the one function we use and cast its result to marked's extension type at the call site.
declare module "marked-terminal" {
  export function markedTerminal(options?: Record<string, unknown>, highlightOptions?: Record<string, unknown>): unknown;
}
