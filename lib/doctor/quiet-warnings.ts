/**
 * Imported first by the doctor and by the library's entry (lib/index.ts): the AWS SDK warns on Node 20 that its releases after January 2027
 * need Node 22. The doctor judges the Node version itself, so that warning is dropped; any other
 * warning is still printed.
 */
process.removeAllListeners("warning");
process.on("warning", (w) => {
  if (!/NodeVersionSupportWarning/.test(`${w.name} ${w.message}`)) process.stderr.write(`${w.name}: ${w.message}\n`);
});
