#!/usr/bin/env node
// The fleet benchmarks, on the fake ARM with 20 ms latency and ARM's real buckets on (per subscription,
// reads 250 refilled 25 a second, writes 200 refilled 10 a second; key comparisons' POSTs spend writes):
//
// 1. Buckets: generated fleets (each workspace with its own storage account and registry, and variants
//    where ten workspaces share each) audited with `preflight fleet`, each on a fresh fake: wall time,
//    requests, 429s, and the floor ARM's buckets impose on the requests sent, worked out from the fake's
//    log (per subscription max((reads - 250) / 25, (writes - 200) / 10), the largest of them).
//    BENCH_CASES picks them: `N x S` or `N x S / K` (K workspaces per storage account and registry),
//    comma-separated; default 1000x1,1000x5,10000x20,1000x1/10,1000x5/10,10000x20/10.
// 2. Comparison (BENCH_COMPARE=0 skips it): BENCH_WORKSPACES (1,000) over BENCH_SUBSCRIPTIONS (5) audited
//    twice, `preflight fleet` (one Resource Graph sweep, ARM for the rest) and `--via arm` (every workspace
//    read on its own), their verdicts compared; then the fleet's snapshot audited offline BENCH_OFFLINE_RUNS
//    times and its CPU time measured.
// BENCH_LATENCY_MS changes the latency. Results go to bench/results/fleet.json: a run of some cases
// replaces those and keeps the others' last results (each carries its date).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT, runPreflight, startFakeArm } from "./lib.mjs";

const CASES = (process.env.BENCH_CASES ?? "1000x1,1000x5,10000x20,1000x1/10,1000x5/10,10000x20/10")
  .split(",")
  .map((text) => {
    const match = /^\s*(\d+)\s*x\s*(\d+)\s*(?:\/\s*(\d+))?\s*$/.exec(text);
    if (!match) throw new Error(`BENCH_CASES: "${text}" is not N x S or N x S / K`);
    const [, workspaces, subscriptions, shared] = match;
    return { workspaces: Number(workspaces), subscriptions: Number(subscriptions), shared: Number(shared ?? 1) };
  });
const COMPARE = process.env.BENCH_COMPARE !== "0";
const WORKSPACES = Number(process.env.BENCH_WORKSPACES ?? 1000);
const SUBSCRIPTIONS = Number(process.env.BENCH_SUBSCRIPTIONS ?? 5);
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 20);
const OFFLINE_RUNS = Number(process.env.BENCH_OFFLINE_RUNS ?? 5);
const SKIP_ARM = process.env.BENCH_SKIP_ARM === "1";

const work = mkdtempSync(join(tmpdir(), "preflight-fleet-bench-"));

/** Writes a generated fleet scenario and returns its file. */
function generateFleet(name, { workspaces, subscriptions, shared = 1 }) {
  const file = join(work, `${name}.scenario.json`);
  const generated = spawnSync(
    process.execPath,
    [
      join(ROOT, "dist/test/fake-arm/cli.js"),
      "--generate-fleet",
      String(workspaces),
      "--subscriptions",
      String(subscriptions),
      ...(shared > 1 ? ["--shared-dependencies", String(shared)] : []),
      "--out",
      file,
    ],
    { stdio: ["ignore", "inherit", "inherit"] },
  );
  if (generated.status !== 0) throw new Error(`could not generate the fleet scenario ${name}`);
  return file;
}

const SUBSCRIPTION_IN_PATH = /^\/subscriptions\/([^/?]+)/i;
const isResourceGraph = (path) => /\/providers\/Microsoft\.ResourceGraph\/resources/i.test(path);

/**
 * Requests the fake answered, from its JSON-lines log: by status, and per subscription the reads and writes
 * it served (429s not counted) with the floor ARM's buckets impose on them.
 */
function countLog(file) {
  const byStatus = {};
  const bySubscription = {};
  let total = 0;
  let resourceGraph = 0;
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (!line) continue;
    const { method, path, status } = JSON.parse(line);
    byStatus[status] = (byStatus[status] ?? 0) + 1;
    total += 1;
    if (isResourceGraph(path)) resourceGraph += 1;
    const subscription = SUBSCRIPTION_IN_PATH.exec(path)?.[1]?.toLowerCase();
    if (!subscription || status === 429) continue;
    const counts = (bySubscription[subscription] ??= { reads: 0, writes: 0 });
    if (method === "GET" || method === "HEAD") counts.reads += 1;
    else if (["POST", "PUT", "PATCH"].includes(method)) counts.writes += 1;
  }
  const floors = Object.values(bySubscription).map(({ reads, writes }) =>
    Math.max(0, (reads - 250) / 25, (writes - 200) / 10),
  );
  const sum = (field) => Object.values(bySubscription).reduce((total, counts) => total + counts[field], 0);
  return {
    total,
    resourceGraph,
    byStatus,
    reads: sum("reads"),
    writes: sum("writes"),
    floorSeconds: Number(Math.max(0, ...floors).toFixed(1)),
  };
}

/** One live fleet audit on a fresh fake (fresh buckets), timed end to end, start-up included. */
async function liveRun(name, scenarioFile, args, format = "json") {
  const log = join(work, `${name}.jsonl`);
  const out = join(work, `${name}.${format === "json" ? "json" : "txt"}`);
  const fake = await startFakeArm([
    "--scenario",
    scenarioFile,
    "--latency-ms",
    String(LATENCY_MS),
    "--throttle",
    "--log",
    log,
  ]);
  try {
    const started = process.hrtime.bigint();
    const result = await runPreflight(fake, [
      "fleet",
      ...args,
      "--progress",
      "--format",
      format,
      "--out",
      out,
      "--timeout",
      "7200",
    ]);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (result.code === 2) throw new Error(`${name}: preflight exited 2: ${result.stderr}`);
    return { seconds: Number(seconds.toFixed(1)), out, wire: countLog(log), stderr: result.stderr };
  } finally {
    await fake.stop();
  }
}

/** What the text report says: workspaces, their worst statuses, key-sync's unknowns, the buckets' and keys' lines. */
function readTextReport(file) {
  const text = readFileSync(file, "utf8");
  const workspaces = Number(/fleet audit of ([\d,]+) workspaces?/.exec(text)?.[1]?.replaceAll(",", "") ?? Number.NaN);
  const keySync = /^\s+key-sync\s+(\d+)\s+(\d+)\s+(\d+)\s/m.exec(text);
  return {
    workspaces,
    byWorstStatus: /Workspaces by worst status: (.*)/.exec(text)?.[1],
    keySyncFail: keySync ? Number(keySync[1]) : 0,
    keySyncUnknown: keySync ? Number(keySync[2]) : 0,
    buckets: /^ARM buckets: .*/m.exec(text)?.[0],
    keys: /^Key comparisons: .*/m.exec(text)?.[0],
  };
}

const caseName = ({ workspaces, subscriptions, shared }) =>
  `${workspaces}x${subscriptions}${shared > 1 ? `/${shared}` : ""}`;

/** CPU seconds (user + system) of one offline fleet audit, read inside the process at exit. */
function offlineRun(snapshotFile, format) {
  const cpuFile = join(work, "cpu.json");
  const esmPreload = `data:text/javascript,import{writeFileSync}from"node:fs";process.on("exit",()=>{writeFileSync(${JSON.stringify(cpuFile)},JSON.stringify(process.cpuUsage()))})`;
  const started = process.hrtime.bigint();
  const result = spawnSync(
    process.execPath,
    [
      "--import",
      esmPreload,
      join(ROOT, "bin/preflight.js"),
      "audit",
      "--snapshot",
      snapshotFile,
      "--format",
      format,
      "--out",
      join(work, `offline.${format}`),
    ],
    {
      env: { PATH: process.env.PATH, HOME: process.env.HOME },
      encoding: "utf8",
    },
  );
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status === 2) throw new Error(`offline audit exited 2: ${result.stderr}`);
  const cpu = JSON.parse(readFileSync(cpuFile, "utf8"));
  return { cpuSeconds: (cpu.user + cpu.system) / 1e6, wallMs };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const buckets = [];
for (const fleetCase of CASES) {
  const name = caseName(fleetCase);
  const scenarioFile = generateFleet(name.replace("/", "-"), fleetCase);
  console.error(
    `fleet bench: ${name} (${fleetCase.workspaces} workspaces over ${fleetCase.subscriptions} subscriptions${fleetCase.shared > 1 ? `, ${fleetCase.shared} per storage account and registry` : ""})`,
  );
  const run = await liveRun(name.replace("/", "-"), scenarioFile, [], "text");
  rmSync(scenarioFile, { force: true });
  const report = readTextReport(run.out);
  const estimate = /key comparisons: ([\d,]+) POSTs over \d+ subscriptions?, about ([\d,]+) s/.exec(run.stderr);
  const entry = {
    case: name,
    date: new Date().toISOString(),
    workspaces: fleetCase.workspaces,
    subscriptions: fleetCase.subscriptions,
    workspacesPerStorageAndRegistry: fleetCase.shared,
    seconds: run.seconds,
    floorSeconds: run.wire.floorSeconds,
    ratioToFloor: run.wire.floorSeconds > 0 ? Number((run.seconds / run.wire.floorSeconds).toFixed(2)) : null,
    requests: {
      total: run.wire.total,
      resourceGraph: run.wire.resourceGraph,
      armReads: run.wire.reads,
      armWrites: run.wire.writes,
    },
    throttled429: run.wire.byStatus[429] ?? 0,
    estimate: estimate
      ? { posts: Number(estimate[1].replaceAll(",", "")), seconds: Number(estimate[2].replaceAll(",", "")) }
      : null,
    workspacesReported: report.workspaces,
    byWorstStatus: report.byWorstStatus,
    keySyncFail: report.keySyncFail,
    keySyncUnknown: report.keySyncUnknown,
    reportLines: [report.buckets, report.keys].filter(Boolean),
  };
  console.error(JSON.stringify(entry));
  buckets.push(entry);
}

let comparison;
if (COMPARE) {
  const scenarioFile = generateFleet("compare", { workspaces: WORKSPACES, subscriptions: SUBSCRIPTIONS });
  const subscriptions = [
    ...new Set(
      JSON.parse(readFileSync(scenarioFile, "utf8")).resources.map(
        (resource) => /^\/subscriptions\/([^/]+)/i.exec(resource.id)?.[1],
      ),
    ),
  ].filter(Boolean);

  /** The JSON report's summary, requests and verdicts, with what the fake answered. */
  const summarise = (run) => {
    const report = JSON.parse(readFileSync(run.out, "utf8"));
    return {
      seconds: run.seconds,
      floorSeconds: run.wire.floorSeconds,
      workspaces: report.summary.workspaces,
      byWorstStatus: report.summary.byWorstStatus,
      requests: report.collection.requests,
      fakeAnswered: run.wire.total,
      throttled429: run.wire.byStatus[429] ?? 0,
      verdicts: Object.fromEntries(
        report.workspaces.map((workspace) => [
          workspace.target.workspaceId.toLowerCase(),
          Object.fromEntries(workspace.checks.map((check) => [check.id, check.status])),
        ]),
      ),
    };
  };
  const snapshotFile = join(work, "fleet-snapshot.json");
  const fleet = summarise(await liveRun("resource-graph", scenarioFile, ["--save-snapshot", snapshotFile]));
  const perWorkspace = SKIP_ARM
    ? undefined
    : summarise(
        await liveRun("arm", scenarioFile, ["--via", "arm", ...subscriptions.flatMap((id) => ["--subscription", id])]),
      );

  let differing = 0;
  if (perWorkspace) {
    for (const [id, checks] of Object.entries(fleet.verdicts)) {
      if (JSON.stringify(checks) !== JSON.stringify(perWorkspace.verdicts[id])) differing += 1;
    }
  }
  // The default format (text), and JSON, whose rendering of every finding of every workspace is most of
  // the difference.
  const offline = { text: [], json: [] };
  for (let run = 0; run < OFFLINE_RUNS; run++)
    for (const format of ["text", "json"]) offline[format].push(offlineRun(snapshotFile, format));
  const snapshotMb = readFileSync(snapshotFile).length / 1e6;

  const strip = ({ verdicts: _verdicts, ...rest }) => rest;
  comparison = {
    date: new Date().toISOString(),
    workspaces: WORKSPACES,
    subscriptions: SUBSCRIPTIONS,
    resourceGraph: strip(fleet),
    perWorkspaceArm: perWorkspace ? strip(perWorkspace) : "skipped",
    workspacesWithDifferentVerdicts: perWorkspace ? differing : "not compared",
    offline: {
      runs: OFFLINE_RUNS,
      snapshotMb: Number(snapshotMb.toFixed(1)),
      ...Object.fromEntries(
        Object.entries(offline).map(([format, runs]) => [
          format,
          {
            medianCpuSeconds: Number(median(runs.map((run) => run.cpuSeconds)).toFixed(2)),
            medianWallMs: Math.round(median(runs.map((run) => run.wallMs))),
          },
        ]),
      ),
    },
  };
}

// Earlier results of the cases not run this time are kept.
const resultsFile = join(ROOT, "bench/results/fleet.json");
let previous;
try {
  previous = JSON.parse(readFileSync(resultsFile, "utf8"));
} catch {
  previous = {};
}
const ran = new Set(buckets.map((entry) => entry.case));
const result = {
  node: process.version,
  latencyMs: LATENCY_MS,
  throttle: "ARM's buckets per subscription: reads 250 refilled 25 a second, writes 200 refilled 10 a second",
  buckets: [
    ...(Array.isArray(previous.buckets) ? previous.buckets.filter((entry) => !ran.has(entry.case)) : []),
    ...buckets,
  ],
  comparison: comparison ?? previous.comparison ?? "not run",
};
mkdirSync(join(ROOT, "bench/results"), { recursive: true });
writeFileSync(resultsFile, `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(result, null, 2));
rmSync(work, { recursive: true, force: true });
