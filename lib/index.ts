/**
 * The surface notebooks import: `import { ... } from "agentcore-kit";`
 * (the package's own name; see README "Importing the library from a notebook").
 */
export { AwsError } from "./local/errors.js";
export { display, markdownTable, type TableRow } from "./notebook/display.js";
