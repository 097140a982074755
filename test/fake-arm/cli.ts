// `npm run fake-arm -- --scenario <file.json> [--latency-ms N] [--log <requests.jsonl>] [--page-size N]
//   [--throttle [CAPACITY:REFILL_PER_SECOND | reads=C:R,writes=C:R,deletes=C:R]]`
// `npm run fake-arm -- --fleet N [--subscriptions S] [--seed X] [--shared-dependencies K] [serving flags as above]`:
//   generates a fleet of N workspaces (fleet-scenario.ts) and serves it, with the same ready line as --scenario.
// `npm run fake-arm -- --generate-fleet N [--subscriptions S] [--seed X] [--shared-dependencies K] [--out <file.json>]`:
//   writes the generated fleet scenario (to --out, else stdout) and exits.
import { realpathSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { generateFleetScenario } from "./fleet-scenario.js";
import type { FleetScenarioOptions } from "./fleet-scenario.js";
import { serveAsCommand } from "./loopback.js";
import { loadScenario, parseScenario, resolveThrottle } from "./scenario.js";
import type { Scenario, ThrottleSetting } from "./scenario.js";
import { startFakeArm } from "./server.js";
import type { FakeArm } from "./server.js";

export interface FakeArmCliOptions {
  /** --scenario: the file to serve; absent when --fleet generates the scenario instead. */
  scenarioFile?: string;
  /** --fleet: the fleet to generate and serve. */
  fleet?: FleetScenarioOptions;
  latencyMs: number | undefined;
  logFile: string | undefined;
  pageSize: number | undefined;
  /**
   * `--throttle` alone: `true` (ARM's buckets); `--throttle C:R`: those read limits (ARM's for writes and
   * deletes); `--throttle reads=C:R,writes=C:R`: each bucket named; absent: the scenario's.
   */
  throttle: ThrottleSetting | undefined;
}

/** `--generate-fleet`: write the generated scenario and exit. */
export interface GenerateFleetCliOptions {
  fleet: FleetScenarioOptions;
  /** Absent: stdout. */
  outFile: string | undefined;
}

/** Subscriptions of a generated fleet when --subscriptions is not given: the fleet benchmark's. */
export const DEFAULT_FLEET_SUBSCRIPTIONS = 5;

const USAGE =
  "usage: fake-arm (--scenario <file.json> | --fleet N [--subscriptions S] [--seed X] [--shared-dependencies K]) [--latency-ms N] " +
  "[--log <requests.jsonl>] [--page-size N] [--throttle [C:R | reads=C:R,writes=C:R,deletes=C:R]]\n" +
  "       fake-arm --generate-fleet N [--subscriptions S] [--seed X] [--shared-dependencies K] [--out <file.json>]";

/**
 * `""` (the flag alone): ARM's limits; `C:R`: a read bucket of capacity C refilled R tokens a second (ARM's
 * writes and deletes); `reads=C:R,writes=C:R,deletes=C:R` (any of them): those buckets, ARM's for the rest.
 */
function parseThrottle(value: string | undefined): ThrottleSetting | undefined {
  if (value === undefined) return undefined;
  if (value === "") return true;
  const problem =
    `--throttle takes no value (ARM's reads 250:25, writes 200:10), CAPACITY:REFILL_PER_SECOND for reads (e.g. 250:25), ` +
    `or reads=C:R,writes=C:R,deletes=C:R (e.g. writes=20:5); got "${value}"`;
  const limits = (text: string) => {
    const parts = /^([^:=,]+):([^:=,]+)$/.exec(text.trim());
    if (!parts) throw new Error(`${problem}\n${USAGE}`);
    return { capacity: Number(parts[1]), refillPerSecond: Number(parts[2]) };
  };
  let setting: ThrottleSetting & Record<string, unknown>;
  if (!value.includes("=")) setting = limits(value);
  else {
    setting = {};
    for (const entry of value.split(",")) {
      const [bucket, given] = entry.split("=", 2) as [string, string | undefined];
      const name = bucket.trim();
      if (!["reads", "writes", "deletes"].includes(name) || given === undefined || name in setting)
        throw new Error(`${problem}\n${USAGE}`);
      setting[name] = limits(given);
    }
  }
  try {
    resolveThrottle(setting, "--throttle");
    return setting;
  } catch (error) {
    throw new Error(`${(error as Error).message}: ${problem}\n${USAGE}`, { cause: error });
  }
}

/** `--throttle` given without a value (last, or before another flag) becomes `--throttle=`, which parseArgs accepts. */
function withBareThrottle(argv: string[]): string[] {
  return argv.map((arg, index) => {
    const next = argv[index + 1];
    return arg === "--throttle" && (next === undefined || next.startsWith("--")) ? "--throttle=" : arg;
  });
}

function parseCount(flag: string, value: string | undefined, minimum: number): number | undefined {
  if (value === undefined) return undefined;
  const count = Number(value);
  if (!Number.isInteger(count) || count < minimum) {
    throw new Error(`--${flag} must be an integer >= ${minimum}, got "${value}"\n${USAGE}`);
  }
  return count;
}

const OPTIONS = {
  scenario: { type: "string" },
  fleet: { type: "string" },
  "generate-fleet": { type: "string" },
  subscriptions: { type: "string" },
  seed: { type: "string" },
  "shared-dependencies": { type: "string" },
  out: { type: "string" },
  "latency-ms": { type: "string" },
  log: { type: "string" },
  "page-size": { type: "string" },
  throttle: { type: "string" },
} as const;

type ParsedValues = ReturnType<
  typeof parseArgs<{ options: typeof OPTIONS; strict: true; allowPositionals: false }>
>["values"];

function parseValues(argv: string[]): ParsedValues {
  try {
    return parseArgs({ args: withBareThrottle(argv), options: OPTIONS, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${USAGE}`, { cause: error });
  }
}

function rejectFlags(values: ParsedValues, flags: Array<keyof ParsedValues>, because: string): void {
  const given = flags.filter((flag) => values[flag] !== undefined);
  if (given.length > 0)
    throw new Error(`${given.map((flag) => `--${flag}`).join(", ")} cannot be used ${because}\n${USAGE}`);
}

/** `--fleet N` / `--generate-fleet N` with --subscriptions and --seed. */
function fleetOptions(flag: "fleet" | "generate-fleet", values: ParsedValues): FleetScenarioOptions {
  const workspaces = parseCount(flag, values[flag], 1) as number;
  const subscriptions = parseCount("subscriptions", values.subscriptions, 1) ?? DEFAULT_FLEET_SUBSCRIPTIONS;
  const seed = values.seed === undefined ? undefined : Number(values.seed);
  if (seed !== undefined && (!Number.isInteger(seed) || values.seed?.trim() === "")) {
    throw new Error(`--seed must be an integer, got "${values.seed}"\n${USAGE}`);
  }
  const sharedDependencies = parseCount("shared-dependencies", values["shared-dependencies"], 1);
  return {
    workspaces,
    subscriptions,
    ...(seed !== undefined && { seed }),
    ...(sharedDependencies !== undefined && { sharedDependencies }),
  };
}

/** Parses a serving command line (without `node` and the script); throws with the usage on bad input. */
export function parseFakeArmArgs(argv: string[]): FakeArmCliOptions {
  const values = parseValues(argv);
  rejectFlags(values, ["generate-fleet", "out"], "when serving (--scenario or --fleet)");
  if (values.scenario !== undefined && values.fleet !== undefined)
    throw new Error(`give --scenario or --fleet, not both\n${USAGE}`);
  if (values.scenario === undefined && values.fleet === undefined)
    throw new Error(`--scenario is required (or --fleet N to serve a generated fleet)\n${USAGE}`);
  if (values.scenario !== undefined)
    rejectFlags(values, ["subscriptions", "seed", "shared-dependencies"], "with --scenario (they shape a --fleet)");
  return {
    ...(values.scenario !== undefined
      ? { scenarioFile: resolve(values.scenario) }
      : { fleet: fleetOptions("fleet", values) }),
    latencyMs: parseCount("latency-ms", values["latency-ms"], 0),
    logFile: values.log === undefined ? undefined : resolve(values.log),
    pageSize: parseCount("page-size", values["page-size"], 1),
    throttle: parseThrottle(values.throttle),
  };
}

/** Parses `--generate-fleet N [--subscriptions S] [--seed X] [--out file]`; throws with the usage on bad input. */
export function parseGenerateFleetArgs(argv: string[]): GenerateFleetCliOptions {
  const values = parseValues(argv);
  if (values["generate-fleet"] === undefined) throw new Error(`--generate-fleet N is required\n${USAGE}`);
  rejectFlags(
    values,
    ["scenario", "fleet", "latency-ms", "log", "page-size", "throttle"],
    "with --generate-fleet (it writes a scenario, it serves none)",
  );
  return {
    fleet: fleetOptions("generate-fleet", values),
    outFile: values.out === undefined ? undefined : resolve(values.out),
  };
}

/** True when the command line asks for generation rather than serving. */
export function isGenerateFleetCommand(argv: string[]): boolean {
  return argv.some((arg) => arg === "--generate-fleet" || arg.startsWith("--generate-fleet="));
}

/** The generated fleet scenario as written by --generate-fleet: JSON, one trailing newline. */
export function generatedFleetJson(options: FleetScenarioOptions): string {
  return `${JSON.stringify(generateFleetScenario(options).scenario)}\n`;
}

/** Starts the server the options describe; returns it and the one line to print once listening. */
export async function startFromCli(options: FakeArmCliOptions): Promise<{ fakeArm: FakeArm; readyLine: string }> {
  let scenario: Scenario;
  if (options.fleet)
    scenario = parseScenario(generateFleetScenario(options.fleet).scenario, `--fleet ${options.fleet.workspaces}`);
  else if (options.scenarioFile !== undefined) scenario = await loadScenario(options.scenarioFile);
  else throw new Error(`--scenario is required (or --fleet N to serve a generated fleet)\n${USAGE}`);
  const fakeArm = await startFakeArm(scenario, {
    ...(options.latencyMs !== undefined && { latencyMs: options.latencyMs }),
    ...(options.logFile !== undefined && { logFile: options.logFile }),
    ...(options.pageSize !== undefined && { pageSize: options.pageSize }),
    ...(options.throttle !== undefined && { throttle: options.throttle }),
  });
  return { fakeArm, readyLine: JSON.stringify({ url: fakeArm.url, caFile: fakeArm.caFile }) };
}

/** Writes the generated scenario; exit code 0, or 2 with one line on stderr. */
async function generateCommand(argv: string[]): Promise<number> {
  try {
    const { fleet, outFile } = parseGenerateFleetArgs(argv);
    const json = generatedFleetJson(fleet);
    if (outFile === undefined)
      await new Promise<void>((done, fail) => process.stdout.write(json, (error) => (error ? fail(error) : done())));
    else await writeFile(outFile, json);
    return 0;
  } catch (error) {
    process.stderr.write(`fake-arm: ${(error as Error).message}\n`);
    return 2;
  }
}

function isEntryPoint(moduleUrl: string): boolean {
  const script = process.argv[1];
  try {
    return script !== undefined && moduleUrl === pathToFileURL(realpathSync(script)).href;
  } catch {
    return false;
  }
}

if (isEntryPoint(import.meta.url) && isGenerateFleetCommand(process.argv.slice(2))) {
  // exitCode, not exit(): a large scenario on a pipe must be flushed before the process ends.
  void generateCommand(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
} else {
  serveAsCommand("fake-arm", import.meta.url, async () => {
    const { fakeArm, readyLine } = await startFromCli(parseFakeArmArgs(process.argv.slice(2)));
    return { readyLine, close: () => fakeArm.close() };
  });
}
