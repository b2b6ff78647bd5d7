// tslab's converter gives TypeScript's watch program a single timer slot and throws "Unexpected
// pending rebuildTimer" when a second timer is asked for before the first has run. TypeScript asks
// for a second kind of timer when a folder it watches for failed module lookups changes (a cell
// creates `node_modules`, a `package.json`, a `.d.ts` next to the notebook): the next cell then
// fails, or the whole runner crashes, depending on when the file-system event arrives.
//
// The converter builds its system object as `Object.create(ts.sys)` and assigns its own
// `setTimeout`/`clearTimeout` on it. An accessor on `ts.sys` receives that assignment, so we can
// keep the converter's slot for program updates (what it was written for) and give every other
// TypeScript timer a real one. Program updates scheduled by those timers still go through the slot,
// so types are re-checked exactly when tslab expects. Plain CommonJS: the Jupyter kernel entry
// (scripts/tslab-kernel.cjs) loads it before tslab, and the headless runner before its converter.
"use strict";

const PROGRAM_UPDATE = "updateProgramWithWatchStatus";
const installed = new WeakSet();

/** Installs the guard on tslab's TypeScript (idempotent). `require` resolves tslab's packages. */
function guardTslabTimers(req = require) {
  const ts = req("@tslab/typescript-for-tslab");
  const sys = ts.sys;
  if (installed.has(sys)) return;
  installed.add(sys);
  let realSet = sys.setTimeout;
  let realClear = sys.clearTimeout;
  const slots = new WeakMap(); // converter's system object -> its own setTimeout/clearTimeout

  const slotOf = (self) => {
    let slot = slots.get(self);
    if (!slot) slots.set(self, (slot = {}));
    return slot;
  };
  const isReal = (id) => typeof id === "object" && id !== null && "realTimer" in id;

  Object.defineProperty(sys, "setTimeout", {
    configurable: true,
    enumerable: true,
    get() {
      const own = this === sys ? undefined : slots.get(this)?.set;
      if (!own) return realSet;
      return (callback, ms, ...args) =>
        callback.name === PROGRAM_UPDATE ? own(callback, ms, ...args) : { realTimer: realSet(callback, ms, ...args) };
    },
    set(fn) {
      if (this === sys) realSet = fn;
      else slotOf(this).set = fn;
    },
  });
  Object.defineProperty(sys, "clearTimeout", {
    configurable: true,
    enumerable: true,
    get() {
      const own = this === sys ? undefined : slots.get(this)?.clear;
      if (!own) return realClear;
      return (id) => (isReal(id) ? realClear(id.realTimer) : own(id));
    },
    set(fn) {
      if (this === sys) realClear = fn;
      else slotOf(this).clear = fn;
    },
  });
}

module.exports = { guardTslabTimers };
