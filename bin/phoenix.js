#!/usr/bin/env node
"use strict";
// Runs the TypeScript CLI through tsx's CommonJS loader, so `npx phoenix` needs no build step.
require("tsx/cjs");
const { main } = require("../cli/main.ts");

main(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
}).then((code) => {
  process.exitCode = code;
});
