#!/usr/bin/env node
// Sequential round trips of one live audit: run the healthy workspace with the fake ARM adding
// 0 ms and then 300 ms to every response; (t300 − t0) / 0.3 s is the number of request levels
// that had to wait one after another. Median of 9 alternating runs each.
import { join } from "node:path";
import { DEMO_TARGET, ROOT, runPreflight, startFakeArm } from "./lib.mjs";

const RUNS = Number(process.env.BENCH_RUNS ?? 9);
const LATENCY_MS = 300;
const scenario = join(ROOT, "examples/healthy-workspace.json");

async function timedRun(fake) {
  const started = process.hrtime.bigint();
  const result = await runPreflight(fake, [...DEMO_TARGET, "--format", "json"]);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.code !== 0) throw new Error(`preflight exited ${result.code}: ${result.stderr}`);
  return { ms, requests: JSON.parse(result.stdout).collection.requests };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

// Both fakes run side by side and the runs alternate, so drift in machine load hits both alike.
const fast = await startFakeArm(["--scenario", scenario, "--latency-ms", "0"]);
const slow = await startFakeArm(["--scenario", scenario, "--latency-ms", String(LATENCY_MS)]);
const t0 = [];
const t300 = [];
let requests = 0;
try {
  await timedRun(fast); // warm-up: file cache, first TLS set-up
  for (let run = 0; run < RUNS; run++) {
    const quick = await timedRun(fast);
    t0.push(quick.ms);
    t300.push((await timedRun(slow)).ms);
    requests = quick.requests;
  }
} finally {
  await Promise.all([fast.stop(), slow.stop()]);
}
const roundTrips = (median(t300) - median(t0)) / LATENCY_MS;
const result = {
  runs: RUNS,
  requests,
  t0Ms: Math.round(median(t0)),
  t300Ms: Math.round(median(t300)),
  sequentialRoundTrips: Number(roundTrips.toFixed(2)),
};
console.log(JSON.stringify(result));
console.log(
  `${result.requests} ARM requests; median ${result.t0Ms} ms at 0 ms latency, ${result.t300Ms} ms at ${LATENCY_MS} ms: ${result.sequentialRoundTrips} sequential round trips (target ≤ 4)`,
);
