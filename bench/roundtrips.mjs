#!/usr/bin/env node
// Sequential round trips of one live audit: run the healthy workspace with the fake ARM adding
// 0 ms and then 300 ms to every response; (t300 − t0) / 0.3 s is the number of request levels
// that had to wait one after another. Median of several runs each.
import { join } from "node:path";
import { DEMO_TARGET, ROOT, runPreflight, startFakeArm } from "./lib.mjs";

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const LATENCY_MS = 300;
const scenario = join(ROOT, "examples/healthy-workspace.json");

async function medianWallTime(latencyMs) {
  const fake = await startFakeArm(["--scenario", scenario, "--latency-ms", String(latencyMs)]);
  try {
    const times = [];
    let requests = 0;
    for (let run = 0; run < RUNS; run++) {
      const started = process.hrtime.bigint();
      const result = await runPreflight(fake, [...DEMO_TARGET, "--format", "json"]);
      times.push(Number(process.hrtime.bigint() - started) / 1e6);
      if (result.code !== 0) throw new Error(`preflight exited ${result.code}: ${result.stderr}`);
      requests = JSON.parse(result.stdout).collection.requests;
    }
    times.sort((a, b) => a - b);
    return { median: times[Math.floor(times.length / 2)], requests };
  } finally {
    await fake.stop();
  }
}

const t0 = await medianWallTime(0);
const t300 = await medianWallTime(LATENCY_MS);
const roundTrips = (t300.median - t0.median) / LATENCY_MS;
const result = {
  runs: RUNS,
  requests: t0.requests,
  t0Ms: Math.round(t0.median),
  t300Ms: Math.round(t300.median),
  sequentialRoundTrips: Number(roundTrips.toFixed(2)),
};
console.log(JSON.stringify(result));
console.log(`${result.requests} ARM requests; median ${result.t0Ms} ms at 0 ms latency, ${result.t300Ms} ms at ${LATENCY_MS} ms: ${result.sequentialRoundTrips} sequential round trips (target ≤ 4)`);
