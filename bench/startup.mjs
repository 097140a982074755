#!/usr/bin/env node
// Cold start: `preflight --help` and an offline `preflight audit --snapshot` against `node -e 0`,
// through the launcher (the bundle, dist/bundle/) and through the unbundled build (dist/src/)
// for comparison. Target: the launcher within 3× `node -e 0`, medians measured in the same run.
// The runs are interleaved (one of each command per round) so drift in machine load hits all alike.
// Every command runs in the same environment: by default a clean one (PATH and HOME), as
// NODE_EXTRA_CA_CERTS or NODE_OPTIONS add to every start, `node -e 0` included, and so shrink the
// ratios (the system CA bundle in NODE_EXTRA_CA_CERTS: +35 ms on `node -e 0` on the build machine);
// `--env inherit` measures with the caller's environment instead. Writes bench/results/startup-<env>.json (or --out).
// Build first: `npm run build`.
//
//   node bench/startup.mjs [--runs 15] [--env clean|inherit] [--out bench/results/startup-<env>.json]

import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { parseArgs } from "node:util";
import { DEMO_TARGET, ROOT, runPreflight, startFakeArm } from "./lib.mjs";

const TARGET_RATIO = 3;
const { values: options } = parseArgs({
  options: {
    runs: { type: "string", default: process.env.BENCH_RUNS ?? "15" },
    out: { type: "string" },
    env: { type: "string", default: "clean" },
  },
});
if (options.env !== "clean" && options.env !== "inherit")
  throw new Error(`--env must be clean or inherit, got ${options.env}`);
const ENV =
  options.env === "clean"
    ? { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: "1" }
    : { ...process.env, NO_COLOR: "1" };
options.out ??= join(ROOT, `bench/results/startup-${options.env}.json`);
const RUNS = Number(options.runs);
if (!Number.isInteger(RUNS) || RUNS < 1) throw new Error(`--runs must be a positive whole number, got ${options.runs}`);

const LAUNCHER = join(ROOT, "bin/preflight.js");
const UNBUNDLED = join(ROOT, "dist/src/cli/bin.js");
for (const file of [join(ROOT, "dist/bundle/preflight.js"), UNBUNDLED]) {
  if (!existsSync(file)) throw new Error(`${relative(ROOT, file)} is missing: run \`npm run build\` first`);
}

const work = await mkdtemp(join(tmpdir(), "preflight-startup-"));
try {
  const snapshot = join(work, "healthy.snapshot.json");
  await collectSnapshot(snapshot);
  const audit = ["audit", "--snapshot", snapshot, "--format", "json"];
  const commands = [
    { name: "node -e 0", args: ["-e", "0"] },
    { name: "preflight --help", args: [LAUNCHER, "--help"], target: true },
    { name: "preflight audit --snapshot <healthy> --format json", args: [LAUNCHER, ...audit], target: true },
    { name: "unbundled --help (dist/src/cli/bin.js)", args: [UNBUNDLED, "--help"] },
    { name: "unbundled audit --snapshot (dist/src/cli/bin.js)", args: [UNBUNDLED, ...audit] },
  ];

  // Warm-up round (file cache), which also checks that both builds give the same answer.
  const firstOutput = new Map(commands.map((command) => [command.name, run(command).stdout]));
  for (const [bundled, unbundled] of [
    [1, 3],
    [2, 4],
  ]) {
    if (firstOutput.get(commands[bundled].name) !== firstOutput.get(commands[unbundled].name)) {
      throw new Error(
        `"${commands[bundled].name}" and "${commands[unbundled].name}" print different output: the two builds differ`,
      );
    }
  }

  const times = commands.map(() => []);
  for (let round = 0; round < RUNS; round++) {
    commands.forEach((command, index) => times[index].push(run(command).ms));
  }

  const baselineMs = median(times[0]);
  const results = commands.map((command, index) => ({
    command: command.name,
    medianMs: round1(median(times[index])),
    minMs: round1(Math.min(...times[index])),
    maxMs: round1(Math.max(...times[index])),
    ratio: Number((median(times[index]) / baselineMs).toFixed(2)),
  }));
  const targets = results.filter((_, index) => commands[index].target);
  const result = {
    measuredAt: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    runs: RUNS,
    env: options.env,
    nodeVariables: Object.keys(ENV)
      .filter((name) => name.startsWith("NODE_"))
      .sort(),
    targetRatio: TARGET_RATIO,
    withinTarget: targets.every((entry) => entry.ratio <= TARGET_RATIO),
    results,
  };
  await mkdir(dirname(options.out), { recursive: true });
  await writeFile(options.out, `${JSON.stringify(result, null, 2)}\n`);

  const width = Math.max(...results.map((entry) => entry.command.length));
  const variables = result.nodeVariables.length > 0 ? ` (${result.nodeVariables.join(", ")} set)` : "";
  console.log(
    `median of ${RUNS} interleaved runs, Node ${process.version}, ${result.cpus} CPUs, ${options.env} environment${variables}`,
  );
  for (const entry of results) {
    console.log(
      `${entry.command.padEnd(width)}  ${String(entry.medianMs).padStart(6)} ms  ${entry.ratio.toFixed(2).padStart(5)}×  (min ${entry.minMs}, max ${entry.maxMs})`,
    );
  }
  console.log(
    `${result.withinTarget ? "within" : "NOT within"} the target of ${TARGET_RATIO}× node -e 0 (${targets.map((entry) => `${entry.ratio}×`).join(", ")}); wrote ${relative(process.cwd(), options.out)}`,
  );
} finally {
  await rm(work, { recursive: true, force: true });
}

/** One snapshot of the healthy example, collected once from the fake ARM. */
async function collectSnapshot(path) {
  const fake = await startFakeArm(["--scenario", join(ROOT, "examples/healthy-workspace.json")]);
  try {
    const collected = await runPreflight(fake, ["collect", ...DEMO_TARGET, "--out", path]);
    if (collected.code !== 0) throw new Error(`preflight collect exited ${collected.code}: ${collected.stderr}`);
  } finally {
    await fake.stop();
  }
}

/** One timed start, in the environment chosen with --env. */
function run(command) {
  const started = process.hrtime.bigint();
  const child = spawnSync(process.execPath, command.args, {
    env: ENV,
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (child.status !== 0) throw new Error(`${command.name} exited ${child.status ?? child.signal}: ${child.stderr}`);
  return { ms, stdout: child.stdout };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function round1(value) {
  return Math.round(value * 10) / 10;
}
