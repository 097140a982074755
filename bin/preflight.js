#!/usr/bin/env node
// Thin launcher: the CLI is bundled into dist/bundle/ (scripts/bundle.mjs, run by `npm run build`,
// which `npm ci` runs through the prepare script). The bundle needs no node_modules, which is what
// makes it start fast; dist/src/ is the unbundled build for tests and bench/startup.mjs only.
// A missing build is "could not run" (exit 2), never exit 1, which means a check failed.
try {
  await import("../dist/bundle/preflight.js");
} catch (error) {
  if (error?.code !== "ERR_MODULE_NOT_FOUND") throw error;
  process.stderr.write(
    `preflight: cannot start: ${error.message.split("\n")[0]}; run \`npm ci\` (or \`npm run build\`) in the aml-preflight folder\n`,
  );
  process.exit(2);
}
