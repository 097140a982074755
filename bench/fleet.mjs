#!/usr/bin/env node
// The fleet benchmark of issue 6: N workspaces (default 1,000) over 5 subscriptions on the fake ARM
// with 20 ms latency and ARM's read throttling (250 reads per subscription, 25 a second back),
// audited twice in one run: `preflight fleet` (one Resource Graph sweep, ARM for the rest) and
// `preflight fleet --via arm` (every workspace read on its own through ARM). Then the fleet's
// snapshot is audited offline several times and its CPU time measured.
// BENCH_WORKSPACES, BENCH_SUBSCRIPTIONS, BENCH_LATENCY_MS and BENCH_OFFLINE_RUNS change the sizes.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT, runPreflight, startFakeArm } from "./lib.mjs";

const WORKSPACES = Number(process.env.BENCH_WORKSPACES ?? 1000);
const SUBSCRIPTIONS = Number(process.env.BENCH_SUBSCRIPTIONS ?? 5);
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 20);
const OFFLINE_RUNS = Number(process.env.BENCH_OFFLINE_RUNS ?? 5);
const SKIP_ARM = process.env.BENCH_SKIP_ARM === "1";

const work = mkdtempSync(join(tmpdir(), "preflight-fleet-bench-"));
const scenarioFile = join(work, "fleet-scenario.json");
const generated = spawnSync(
  process.execPath,
  [
    join(ROOT, "dist/test/fake-arm/cli.js"),
    "--generate-fleet",
    String(WORKSPACES),
    "--subscriptions",
    String(SUBSCRIPTIONS),
    "--out",
    scenarioFile,
  ],
  { stdio: ["ignore", "inherit", "inherit"] },
);
if (generated.status !== 0) throw new Error("could not generate the fleet scenario");
const subscriptions = [
  ...new Set(
    JSON.parse(readFileSync(scenarioFile, "utf8")).resources.map(
      (resource) => /^\/subscriptions\/([^/]+)/i.exec(resource.id)?.[1],
    ),
  ),
].filter(Boolean);

/** Requests the fake answered, by status, from its JSON-lines log. */
function countLog(file) {
  const byStatus = {};
  let total = 0;
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (!line) continue;
    const { status } = JSON.parse(line);
    byStatus[status] = (byStatus[status] ?? 0) + 1;
    total += 1;
  }
  return { total, byStatus };
}

/** One live fleet audit on a fresh fake (fresh throttle buckets), timed end to end. */
async function liveRun(name, args) {
  const log = join(work, `${name}.jsonl`);
  const out = join(work, `${name}.json`);
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
    const result = await runPreflight(fake, ["fleet", ...args, "--format", "json", "--out", out, "--timeout", "3600"]);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (result.code === 2) throw new Error(`${name}: preflight exited 2: ${result.stderr}`);
    const report = JSON.parse(readFileSync(out, "utf8"));
    const wire = countLog(log);
    return {
      seconds: Number(seconds.toFixed(1)),
      workspaces: report.summary.workspaces,
      byWorstStatus: report.summary.byWorstStatus,
      requests: report.collection.requests,
      fakeAnswered: wire.total,
      throttled429: wire.byStatus[429] ?? 0,
      verdicts: Object.fromEntries(
        report.workspaces.map((workspace) => [
          workspace.target.workspaceId.toLowerCase(),
          Object.fromEntries(workspace.checks.map((check) => [check.id, check.status])),
        ]),
      ),
    };
  } finally {
    await fake.stop();
  }
}

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

const snapshotFile = join(work, "fleet-snapshot.json");
const fleet = await liveRun("resource-graph", ["--save-snapshot", snapshotFile]);
const perWorkspace = SKIP_ARM
  ? undefined
  : await liveRun("arm", ["--via", "arm", ...subscriptions.flatMap((id) => ["--subscription", id])]);

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
const result = {
  date: new Date().toISOString(),
  node: process.version,
  workspaces: WORKSPACES,
  subscriptions: SUBSCRIPTIONS,
  latencyMs: LATENCY_MS,
  throttle: "250 reads per subscription, 25 a second back (ARM's)",
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
mkdirSync(join(ROOT, "bench/results"), { recursive: true });
writeFileSync(join(ROOT, "bench/results/fleet.json"), `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(result, null, 2));
rmSync(work, { recursive: true, force: true });
