// Runtime entry used only when this package is require()d by its own name, as tslab cells do
// (tslab runs cells as CommonJS). tsx's CommonJS hook lets Node load lib/*.ts directly.
require("tsx/cjs");
module.exports = require("./lib/index.ts");
