// import() for the snapshot's main function: functions compiled into a startup snapshot cannot call
// import() themselves (Node has no import callback for them), a module loaded after start can.
"use strict";
module.exports = (url) => import(url);
