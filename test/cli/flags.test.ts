// Every flag of every command given twice, as a pipeline that templates a flag twice would: the
// settings a command reads are the same as with the flag given once (a single-value flag takes its
// last value; a list flag adds up, and a value given twice is there twice), and nothing throws. The
// flags come from the parser itself, so a new flag without a value below fails this test.

import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { baselineSettings } from "../../src/cli/baseline-options.js";
import { connectionSettings, reportSettings } from "../../src/cli/common.js";
import { diffSettings } from "../../src/cli/diff-options.js";
import { buildLogSettings, envSettings } from "../../src/cli/doctor-options.js";
import { fleetSettings } from "../../src/cli/fleet-options.js";
import { createParser, flagsOf, main, type CommandName } from "../../src/cli/main.js";
import { collectSettings, targetSettings } from "../../src/cli/target-options.js";
import { HEALTHY } from "../harness.js";

const ENV = {};
const { subscriptionId: SUB, resourceGroup: RG, workspace: WS } = HEALTHY;

/** What each command needs besides the flag under test, and the settings it reads from the flags. */
const COMMANDS: Record<
  Exclude<CommandName, "checks">,
  { args: string[]; settings: (argv: Record<string, unknown>) => unknown }
> = {
  // --fail-on-new needs --baseline.
  live: {
    args: ["-w", WS, "--baseline", "b.json"],
    settings: (argv) => [reportSettings(argv, ENV), targetSettings(argv, ENV), baselineSettings(argv)],
  },
  collect: { args: ["collect", "-w", WS, "--out", "snapshot.json"], settings: (argv) => collectSettings(argv, ENV) },
  fleet: { args: ["fleet"], settings: (argv) => fleetSettings(argv, ENV) },
  audit: {
    args: ["audit", "--snapshot", "s.json", "--baseline", "b.json"],
    settings: (argv) => [reportSettings(argv, ENV), baselineSettings(argv)],
  },
  "build-log": { args: ["build-log", "build.log"], settings: (argv) => buildLogSettings(argv) },
  env: { args: ["env", "environment.yml"], settings: (argv) => envSettings(argv) },
  diff: { args: ["diff", "a.json", "b.json"], settings: (argv) => diffSettings(argv) },
};

/** A valid value for each flag that takes one (and every alias of it). */
const VALUES: Record<string, string> = {
  workspace: WS,
  w: WS,
  "resource-group": RG,
  g: RG,
  subscription: SUB,
  s: SUB,
  format: "json",
  o: "json",
  output: "json",
  out: "report.json",
  report: `sarif=${join("out", "r.sarif")}`,
  only: "key-sync",
  skip: "trusted-access",
  "fail-on": "warn",
  ticket: "TKT-1",
  color: "never",
  "fix-script": "fix.sh",
  "docs-url": "https://example.org/checks/{id}.md",
  config: "preflight.config.yaml",
  "arm-endpoint": "https://127.0.0.1:8443",
  "request-timeout": "30",
  timeout: "300",
  retries: "1",
  "retry-delay": "1",
  "max-retry-after": "5",
  "diagnose-timeout": "5",
  snapshot: "s.json",
  "management-group": "mg-ml",
  tag: "team=vision",
  via: "resource-graph",
  concurrency: "8",
  "save-snapshot": "fleet.json",
  kind: "azureml-environment",
  registry: "mlresearchacr",
  "index-url": "https://pypi.org/simple",
  "extra-index-url": "https://example.org/simple",
  channel: "conda-forge",
  "conda-channel-alias": "https://conda.anaconda.org",
  "conda-defaults": "https://repo.anaconda.com/pkgs/main",
  python: "3.10",
  platform: "linux-64",
  glibc: "2.31",
  baseline: "yesterday.json",
};
const BOOLEANS = new Set(["verbose", "keys", "diagnose", "progress", "check-index", "fail-on-new"]);
/** List flags: given twice, the value is there twice (--report twice would write one file twice: refused). */
const LISTS = new Set(["only", "skip", "tag", "management-group", "channel", "extra-index-url", "conda-defaults"]);
/** A fleet's scope flags are lists too (one workspace has one subscription and one resource group). */
const FLEET_LISTS = new Set(["subscription", "s", "resource-group", "g"]);
/** Not flags to repeat: help and version end the run, the positional files are one each. */
const SKIPPED = new Set(["help", "h", "version", "file", "before", "after"]);

async function parse(args: string[]): Promise<Record<string, unknown>> {
  let parsed: Record<string, unknown> | undefined;
  await createParser(args, async (_command, argv) => {
    parsed = argv;
  }).parseAsync(args);
  if (!parsed) throw new Error(`no command ran for ${args.join(" ")}`);
  return parsed;
}

const cases = (Object.keys(COMMANDS) as Array<keyof typeof COMMANDS>).flatMap((command) =>
  [...flagsOf(command)].filter((flag) => !SKIPPED.has(flag)).map((flag) => [command, flag] as const),
);

describe("every flag of every command given twice", () => {
  test("the parser knows flags for every command", () => {
    expect(cases.length).toBeGreaterThan(80);
  });

  test.each(cases)("%s --%s", async (command, flag) => {
    const spec = COMMANDS[command];
    const spelt = flag.length === 1 ? `-${flag}` : `--${flag}`;
    const value = VALUES[flag];
    expect(BOOLEANS.has(flag) || value !== undefined, `no value for --${flag}: add one to VALUES`).toBe(true);
    const given = BOOLEANS.has(flag) ? [spelt] : [spelt, value as string];
    const once = spec.settings(await parse([...spec.args, ...given]));
    if (flag === "report") {
      // The same file twice would be two writers of one path: refused, in one line.
      await expect(async () => spec.settings(await parse([...spec.args, ...given, ...given]))).rejects.toThrow(
        /two reports would be written to/,
      );
      return;
    }
    const twice = spec.settings(await parse([...spec.args, ...given, ...given]));
    if (LISTS.has(flag) || (command === "fleet" && FLEET_LISTS.has(flag))) {
      // The value (a tag's value, for key=value) is there twice as often as when given once.
      const needle = (value ?? "").split("=").pop() ?? "";
      const count = (settings: unknown) => JSON.stringify(settings).split(needle).length - 1;
      expect(count(twice)).toBe(2 * count(once));
      return;
    }
    expect(JSON.stringify(twice)).toBe(JSON.stringify(once));
  });

  test("a single-value flag given twice with different values takes the last", async () => {
    const settings = reportSettings(
      await parse(["-w", WS, "--fail-on", "warn", "--fail-on", "fail", "-o", "text", "-o", "json"]),
      ENV,
    );
    expect(settings.failOn).toBe("fail");
    expect(settings.outputs[0]?.format).toBe("json");
    const target = targetSettings(await parse(["-w", "a", "-w", WS, "--timeout", "10", "--timeout", "20"]), ENV);
    expect([target.workspace, target.connection.timeoutSeconds]).toEqual([WS, 20]);
    expect(connectionSettings(await parse(["-w", WS, "--no-keys", "--keys"]), ENV).readKeys).toBe(true);
  });
});

/** `main` on `args`; every case below is refused before anything is read, so nothing else is needed. */
async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await main(args, {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    env: ENV,
    stdoutIsTTY: false,
  });
  return { code, stdout, stderr };
}

/** Every flag that takes a value (and the "" it may not be given: --docs-url "" is none, as the pipeline passes it). */
const valued = cases.filter(([, flag]) => !BOOLEANS.has(flag) && flag !== "snapshot");
const EMPTY_MEANS_NONE = new Set(["docs-url"]);

describe("every flag that takes a value, given none: exit 2, one line naming it (yargs fell back to the default)", () => {
  test.each(valued)("%s --%s", async (command, flag) => {
    const spelt = flag.length === 1 ? `-${flag}` : `--${flag}`;
    const given = [[spelt], [spelt, "--verbose"], ...(EMPTY_MEANS_NONE.has(flag) ? [] : [[spelt, ""], [`${spelt}=`]])];
    for (const args of given) {
      const result = await run([...COMMANDS[command].args, ...args]);
      expect(result.stderr).toMatch(new RegExp(`^preflight: ${spelt} was given without a value`));
      expect([result.code, result.stderr.trim().split("\n").length]).toEqual([2, 1]);
    }
  });
});

/** Found by the held-out matrix of issue #17: what was accepted in silence, or said badly. */
const REFUSED: Array<[args: string[], says: RegExp]> = [
  [["-w", WS, "--no-out"], /^preflight: unknown flag --no-out \(/],
  [["collect", "-w", WS, "--out", "s.json", "--no-config"], /unknown flag --no-config for `preflight collect`/],
  [["-w", WS, "--no-keyz"], /did you mean --no-keys\?/],
  [["collect", "-W", WS], /did you mean -w\?/],
  [["audit", "--workspce", WS], /did you mean --workspace \(a flag of `preflight`, `preflight collect`/],
  [["checks", "-o", "json"], /unknown flag -o for `preflight checks`; it is a flag of `preflight`/],
  [["-w", WS, "--", "junk"], /^preflight: unexpected argument junk/],
  [["-w", WS, "--only", "key-sync", "--skip", "key-sync"], /--only key-sync with --skip key-sync leaves no check/],
  [["-w", WS, "--out", "report.yaml"], /--out report\.yaml: \.yaml would be yaml, which this command does not write/],
  [["-w", "a".repeat(20_000)], /^preflight: --workspace "a{59}… \(20002 characters\)" is not/],
  [["all", "-w", WS], /did you mean `preflight --all`\?/],
  [["halp"], /unknown command "halp"; did you mean `preflight help`\?/],
  // yargs' own refusals point at the command's help, as the others do.
  [["diff", "a.json", "b.json", "c.json"], /c\.json \(see preflight diff --help\)\n$/],
  // -otable is -o table, as az reads it (and -ojson is -o json).
  [["-w", WS, "-otable"], /^preflight: --format must be one of text, json, junit, sarif, markdown, got "table"/],
];

describe("mistakes the held-out matrix found", () => {
  test.each(REFUSED.map(([args, says]) => [args.join(" ").slice(0, 60), args, says] as const))(
    "preflight %s",
    async (_name, args, says) => {
      const result = await run(args);
      expect(result.stderr).toMatch(says);
      expect([result.code, result.stderr.trim().split("\n").length]).toEqual([2, 1]);
      expect(result.stderr.length).toBeLessThan(400);
    },
  );

  test("-h and `help` print the command's help whatever else was typed", async () => {
    for (const args of [
      ["--bogus", "-h"],
      ["fleet", "--format", "yaml", "--help"],
      ["help", "fleet"],
    ]) {
      const result = await run(args);
      expect([result.code, result.stderr]).toEqual([0, ""]);
      expect(result.stdout).toMatch(/Examples:\n/);
    }
    expect((await run(["help", "fleet"])).stdout).toMatch(/^preflight fleet\n/);
  });
});
