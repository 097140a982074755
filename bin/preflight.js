#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (built by `npm ci` through the prepare script).
// A missing build is "could not run" (exit 2), never exit 1, which means a check failed.
try {
  await import("../dist/src/cli/bin.js");
} catch (error) {
  if (error?.code !== "ERR_MODULE_NOT_FOUND") throw error;
  process.stderr.write(`preflight: cannot start: ${error.message.split("\n")[0]}; run \`npm ci\` (or \`npm run build\`) in the aml-preflight folder\n`);
  process.exit(2);
}
