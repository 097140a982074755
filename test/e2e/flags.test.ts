// The command line as a user meets it: a flag templated twice keeps its meaning (every flag of every
// command given twice is test/cli/flags.test.ts), what a user mistypes gets one line and exit 2,
// never internal text, and input that is not a text file is refused.

import { copyFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { demoScenario } from "../harness.js";
import { ROOT } from "./run-cli.js";
import { RG, SUB, WS, e2eSession, type Fake } from "./support.js";

const session = e2eSession("preflight-flags-");
let fake: Fake;
let dir = "";
let snapshot = "";
const BUILD_LOG = join(ROOT, "examples/build-logs/20_image_build_log.txt");
const ENV_FILE = join(ROOT, "examples/env/environment.yml");

beforeAll(async () => {
  const scenario = demoScenario();
  // A tag for --tag to find (fleet).
  const workspace = scenario.resources.find(
    (resource) => resource.type === "Microsoft.MachineLearningServices/workspaces",
  );
  if (workspace) workspace.tags = { team: "vision" };
  fake = await session.fakeArm(scenario);
  dir = await session.scratch("flags-");
  snapshot = join(dir, "demo.snapshot.json");
  const collected = await session.live(fake, ["collect", "-w", WS, "-g", RG, "-s", SUB, "--out", snapshot]);
  expect(collected.code, collected.stderr).toBe(0);
});

/** Text that only a crash prints: a JavaScript error's words, a stack frame. */
const INTERNAL = /is not a function|Cannot read propert|Received an instance of|TypeError|ReferenceError|\n\s+at /;

describe.concurrent("a flag given twice, run for real", () => {
  test("--fail-on given twice takes the last, never both: warn then fail is --fail-on fail", async () => {
    const run = await session.live(fake, ["-w", WS, "-g", RG, "-s", SUB, "--fail-on", "warn", "--fail-on", "fail"]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/at or above --fail-on fail:/);
    const same = await session.live(fake, ["-w", WS, "-g", RG, "-s", SUB, "--fail-on", "fail", "--fail-on", "fail"]);
    expect(same.code).toBe(1);
  });

  test("--format and -w given twice: the last, and a report, not a crash", async () => {
    const run = await session.live(fake, [
      "-w",
      "other",
      "-w",
      WS,
      "-g",
      RG,
      "-s",
      SUB,
      "--format",
      "text",
      "-o",
      "json",
    ]);
    expect(run.code, run.stderr).toBe(1);
    expect(JSON.parse(run.stdout).target.workspace).toBe(WS);
    expect(run.stderr + run.stdout).not.toMatch(INTERNAL);
  });

  test("build-log and env with --fail-on twice keep the threshold", async () => {
    expect((await session.cli(["build-log", BUILD_LOG, "--fail-on", "fail", "--fail-on", "fail"])).code).toBe(1);
    const env = await session.cli(["env", ENV_FILE, "--fail-on", "warn", "--fail-on", "warn"]);
    expect(env.code, env.stderr).toBe(1);
  });
});

/** What a user types wrong, and a word the one line must contain. */
const MISTAKES: Array<[args: string[], says: RegExp]> = [
  [["--workspce", "ml-research"], /unknown flag --workspce; did you mean --workspace\?/],
  [["audti", "--snapshot", "x"], /unknown command "audti"; did you mean `preflight audit`\?/],
  [["-w", WS, "--timeout", "abc"], /--timeout must be a positive number of seconds, got abc/],
  [["-w", WS, "--retries", "-3"], /--retries must be a whole number from 0 to 10, got -3/],
  [["-w", WS, "--only", ""], /--only was given without a value/],
  [["-w", WS, "--format", "yaml"], /--format must be one of text, json, junit, sarif, markdown, got "yaml"/],
  [["-w", WS, "-o", "json", "--out", "r.xml"], /--format json contradicts --out r\.xml/],
  [["-w", WS, "--fail-on", "sometimes"], /--fail-on must be one of fail, warn, unknown/],
  [["fleet", "--concurrency", "0"], /--concurrency must be a whole number from 1 to 256, got 0/],
  [["build-log"], /missing a file to read/],
  // A flag that takes a value, given none: it used to fall back to its default (or to stdout) in silence.
  [["-w", WS, "--timeout"], /^preflight: --timeout was given without a value/],
  [["-w", WS, "--out", "--fail-on", "warn"], /^preflight: --out was given without a value/],
  [["-w", WS, "-s", ""], /^preflight: -s was given without a value/],
  [["-w", WS, "--only", "key-sync", "--skip", "key-sync"], /leaves no check to run/],
  [
    ["build-log", "x.log", "--basline", "b.json"],
    /did you mean --baseline \(a flag of `preflight`, `preflight audit`\)\?/,
  ],
  [["-w", WS, "--", "junk"], /^preflight: unexpected argument junk/],
  [
    ["build-log", "x.log", "--fromat", "json"],
    /unknown flag --fromat for `preflight build-log`; did you mean --format\?/,
  ],
  [["env", "env.yml", "--glibc", "new"], /--glibc must be a version such as 2\.31/],
  [["audit"], /missing --snapshot/],
  [["--all", "-w", WS], /--all audits every workspace in scope; drop --workspace/],
];

describe.concurrent("what a user mistypes: exit 2, one line, the flag named", () => {
  test.each(MISTAKES)("preflight %j", async (args, says) => {
    const run = await session.cli(args);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(says);
    expect(run.stderr.trim().split("\n").length).toBeLessThanOrEqual(3);
    expect(run.stderr + run.stdout).not.toMatch(INTERNAL);
  });

  test("-h and --help print the help ending in two or three examples, exit 0, for every command", async () => {
    for (const command of ["", "collect", "fleet", "audit", "diff", "checks", "build-log", "env"]) {
      // -h wins over a mistake next to it, as in az.
      const run = await session.cli([...(command ? [command] : []), "--bogus", "-h"]);
      expect(run.code, `${command} -h`).toBe(0);
      const examples = /\nExamples:\n((?:.*\n)+)$/.exec(run.stdout)?.[1] ?? "";
      const count = examples.split("\n").filter((line) => /^ {2}(?:preflight|az) /.test(line)).length;
      expect(count, `${command} -h`).toBeGreaterThanOrEqual(2);
      expect(count, `${command} -h`).toBeLessThanOrEqual(3);
    }
  });

  test("-o json and --output json print the JSON report; --out report.json writes JSON", async () => {
    for (const flag of [["-o", "json"], ["--output", "json"], ["-ojson"], ["--output=json"]]) {
      const run = await session.live(fake, ["-w", WS, "-g", RG, "-s", SUB, ...flag]);
      expect(JSON.parse(run.stdout).schemaVersion).toBe(1);
    }
    const out = join(dir, "report.json");
    await session.live(fake, ["-w", WS, "-g", RG, "-s", SUB, "--out", out]);
    const { readFile } = await import("node:fs/promises");
    expect(JSON.parse(await readFile(out, "utf8")).target.workspace).toBe(WS);
    // An extension no format owns is written once --format says what goes in it.
    const yaml = join(dir, "report.yaml");
    const written = await session.live(fake, ["-w", WS, "-g", RG, "-s", SUB, "--out", yaml, "-o", "json"]);
    expect(written.stderr).not.toMatch(/contradicts/);
    expect(JSON.parse(await readFile(yaml, "utf8")).target.workspace).toBe(WS);
  });
});

describe("input that is not a text file", () => {
  test("binary and empty files are refused with one line, exit 2", async () => {
    const binary = join(dir, "image.png");
    await writeFile(binary, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d]));
    const empty = join(dir, "empty.log");
    await writeFile(empty, "");
    for (const command of ["build-log", "env"]) {
      const run = await session.cli([command, binary]);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/is not a text file/);
      expect((await session.cli([command, empty])).stderr).toMatch(/is empty/);
    }
  });

  test("what follows -- is a file, even one whose name starts with a dash", async () => {
    const log = join(dir, "-odd-name.log");
    await copyFile(BUILD_LOG, log);
    const run = await session.cli(["build-log", "--fail-on", "fail", "--", log]);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toMatch(/odd-name\.log/);
  });

  test("a fleet snapshot with --fix-script is refused: a plan is for one workspace", async () => {
    const fleetSnapshot = join(dir, "fleet.snapshot.json");
    const saved = await session.live(fake, ["fleet", "-s", SUB, "--save-snapshot", fleetSnapshot, "-o", "json"]);
    expect(saved.code, saved.stderr).toBe(1);
    const run = await session.cli(["audit", "--snapshot", fleetSnapshot, "--fix-script", join(dir, "fix.sh")]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^preflight: --fix-script is for one workspace; .* is a fleet snapshot/);
  });

  test("env given a build log points to build-log", async () => {
    const log = join(dir, "20_image_build_log.txt");
    await copyFile(BUILD_LOG, log);
    const run = await session.cli(["env", log]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/is an image build log, not an environment file: run `preflight build-log /);
  });
});
