#!/usr/bin/env node
// How long a run takes to give its answer when ARM misbehaves, with the product's default retry
// settings: each case runs the built CLI against the fake ARM with one fault injected and reports
// the exit code, what the read became and the wall time (median of BENCH_RUNS runs).
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEMO_TARGET, ROOT, runPreflight, startFakeArm } from "./lib.mjs";

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const work = await mkdtemp(join(tmpdir(), "preflight-bench-faults-"));
const healthy = JSON.parse(await readFile(join(ROOT, "examples/healthy-workspace.json"), "utf8"));

const CASES = [
  {
    name: "429 with Retry-After: 1, twice, then an answer",
    fault: { method: "GET", path: "/storageAccounts/[^/]+$", status: 429, retryAfter: 1, times: 2 },
    args: [],
  },
  {
    name: "429 with Retry-After: 1, forever (default 3 retries)",
    fault: { method: "GET", path: "/storageAccounts/[^/]+$", status: 429, retryAfter: 1 },
    args: [],
  },
  {
    name: "429 with Retry-After: 3600 (over --max-retry-after 60)",
    fault: { method: "GET", path: "/storageAccounts/[^/]+$", status: 429, retryAfter: 3600 },
    args: [],
  },
  {
    name: "500 forever (default back-off 1 s, doubling)",
    fault: { method: "GET", path: "/storageAccounts/[^/]+$", status: 500 },
    args: [],
  },
  {
    name: "hung read, --request-timeout 2",
    fault: { method: "GET", path: "/vaults/[^/]+$", delayMs: 600_000 },
    args: ["--request-timeout", "2"],
  },
  {
    name: "hung read, --timeout 3 (default --request-timeout 30)",
    fault: { method: "GET", path: "/vaults/[^/]+$", delayMs: 600_000 },
    args: ["--timeout", "3"],
  },
];

async function timed(run) {
  const started = process.hrtime.bigint();
  const result = await run();
  return { ...result, ms: Number(process.hrtime.bigint() - started) / 1e6 };
}

const results = [];
try {
  for (const testCase of CASES) {
    const file = join(work, `${results.length}.json`);
    await writeFile(file, JSON.stringify({ ...healthy, faults: [testCase.fault] }));
    const times = [];
    let last;
    for (let run = 0; run < RUNS; run++) {
      // A fresh fake each run: a fault's `times` counts from its start.
      const fake = await startFakeArm(["--scenario", file]);
      try {
        last = await timed(() => runPreflight(fake, [...DEMO_TARGET, "--format", "json", ...testCase.args]));
        times.push(last.ms);
      } finally {
        await fake.stop();
      }
    }
    const report = JSON.parse(last.stdout);
    const error = report.collection.errors[0];
    results.push({
      case: testCase.name,
      exitCode: last.code,
      outcome: error
        ? `${error.operation}: ${[error.statusCode, error.code].filter(Boolean).join(" ")}`
        : `answered after retries: ${report.collection.retries.length}`,
      medianMs: Math.round(median(times)),
    });
  }

  // No credentials at all: no token, no developer tool on PATH (the chain stays on developer tools,
  // so nothing probes the managed-identity endpoint from this machine).
  const emptyBin = await mkdtemp(join(work, "bin-"));
  const times = [];
  let last;
  for (let run = 0; run < Math.max(RUNS, 5); run++) {
    last = await timed(() =>
      runPreflight({ url: "https://127.0.0.1:9" }, DEMO_TARGET, {
        env: { PREFLIGHT_ACCESS_TOKEN: undefined, NODE_EXTRA_CA_CERTS: undefined, PATH: emptyBin, HOME: work },
      }),
    );
    times.push(last.ms);
  }
  results.push({
    case: "no credentials (AZURE_TOKEN_CREDENTIALS=dev, no az/azd/pwsh)",
    exitCode: last.code,
    outcome: last.stderr.trim().slice(0, 60),
    medianMs: Math.round(median(times)),
  });
} finally {
  await rm(work, { recursive: true, force: true });
}
console.log(JSON.stringify(results));
for (const result of results)
  console.log(`${result.case}: exit ${result.exitCode}, ${result.outcome}, median ${result.medianMs} ms`);
