#!/usr/bin/env node
// `npm run demo [-- <preflight flags>]`: serves a VNet-secured workspace with real problems from
// the fake ARM on 127.0.0.1 and audits it live through the real Azure SDK path.
// `npm run demo -- --scenario examples/healthy-workspace.json` audits the healthy twin instead.
import { join } from "node:path";
import { DEMO_TARGET, ROOT, runPreflight, startFakeArm } from "../bench/lib.mjs";

const args = process.argv.slice(2);
const at = args.indexOf("--scenario");
const scenario = at >= 0 ? args.splice(at, 2)[1] : join(ROOT, "examples/demo-workspace.json");

const fake = await startFakeArm(["--scenario", scenario]);
process.stderr.write(`fake ARM serving ${scenario} at ${fake.url}\n\n`);
try {
  const { code } = await runPreflight(fake, [...DEMO_TARGET, ...args], { stdio: "inherit" });
  const meaning = {
    0: "nothing failed",
    1: "checks failed, which is what the demo shows",
    2: "the audit could not run",
  };
  process.stderr.write(`\npreflight exited ${code} (${meaning[code] ?? "unexpected"})\n`);
  // The demo exits as preflight did (1: checks failed, as the demo workspace's do), like any audit.
  process.exitCode = code;
} finally {
  await fake.stop();
}
