// JSDoc in declaration files (@types, the AWS SDK's typings: a quarter of the time spent parsing
// them) changes no type error: TypeScript takes types from JSDoc only in JavaScript files; in a .d.ts
// it feeds an editor's hover text and the @deprecated suggestion, neither of which a headless run
// shows. tsc has skipped it since TypeScript 5.3 for that reason (its default JSDoc parsing mode).
// tslab's TypeScript 5.0 has no such switch, so the runner's copy of its source gets one line, at
// the top of the parser's addJSDocComment: a declaration file's comments are not parsed as JSDoc.
// JavaScript and TypeScript sources (cells, .js files a cell imports) are parsed exactly as before.
// The Jupyter kernel loads TypeScript unchanged (its hovers show the docs). Plain CommonJS, used by
// code-cache.cjs's loader and the snapshot builder.
"use strict";

const ANCHOR = "function addJSDocComment(node) {\n";
// `fileName` is the parser's own (normalized) name of the file being parsed.
const GUARD = 'if (fileName.endsWith(".d.ts")) return node;\n';

/**
 * TypeScript's source with declaration files' JSDoc left unparsed, or undefined when the source is
 * not the one this was written for (the anchor missing or not unique): then it loads unchanged.
 */
function skipDeclarationJSDoc(source) {
  const at = source.indexOf(ANCHOR);
  if (at < 0 || source.indexOf(ANCHOR, at + 1) >= 0) return undefined;
  const end = at + ANCHOR.length;
  return source.slice(0, end) + GUARD + source.slice(end);
}

module.exports = { skipDeclarationJSDoc };
