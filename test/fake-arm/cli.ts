// `npm run fake-arm -- --scenario <file.json> [--latency-ms N] [--log <requests.jsonl>] [--page-size N]
//   [--throttle [CAPACITY:REFILL_PER_SECOND]]`
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { serveAsCommand } from "./loopback.js";
import { loadScenario, resolveThrottle } from "./scenario.js";
import type { ThrottleSetting } from "./scenario.js";
import { startFakeArm } from "./server.js";
import type { FakeArm } from "./server.js";

export interface FakeArmCliOptions {
  scenarioFile: string;
  latencyMs: number | undefined;
  logFile: string | undefined;
  pageSize: number | undefined;
  /** `--throttle` alone: `true` (ARM's 250:25); `--throttle C:R`: those limits; absent: the scenario's. */
  throttle: ThrottleSetting | undefined;
}

const USAGE =
  "usage: fake-arm --scenario <file.json> [--latency-ms N] [--log <requests.jsonl>] [--page-size N] " +
  "[--throttle [CAPACITY:REFILL_PER_SECOND]]";

/** `""` (the flag alone): ARM's limits; `C:R`: capacity C, R tokens per second. */
function parseThrottle(value: string | undefined): ThrottleSetting | undefined {
  if (value === undefined) return undefined;
  if (value === "") return true;
  const parts = /^([^:]+):([^:]+)$/.exec(value.trim());
  const problem = `--throttle takes no value (ARM's 250:25) or CAPACITY:REFILL_PER_SECOND, e.g. 250:25; got "${value}"`;
  if (!parts) throw new Error(`${problem}\n${USAGE}`);
  try {
    return resolveThrottle({ capacity: Number(parts[1]), refillPerSecond: Number(parts[2]) }, "--throttle");
  } catch (error) {
    throw new Error(`${(error as Error).message}: ${problem}\n${USAGE}`);
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

/** Parses the command line (without `node` and the script); throws with the usage on bad input. */
export function parseFakeArmArgs(argv: string[]): FakeArmCliOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: withBareThrottle(argv),
      options: {
        scenario: { type: "string" },
        "latency-ms": { type: "string" },
        log: { type: "string" },
        "page-size": { type: "string" },
        throttle: { type: "string" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${USAGE}`);
  }
  if (values.scenario === undefined) throw new Error(`--scenario is required\n${USAGE}`);
  return {
    scenarioFile: resolve(values.scenario),
    latencyMs: parseCount("latency-ms", values["latency-ms"], 0),
    logFile: values.log === undefined ? undefined : resolve(values.log),
    pageSize: parseCount("page-size", values["page-size"], 1),
    throttle: parseThrottle(values.throttle),
  };
}

/** Starts the server the options describe; returns it and the one line to print once listening. */
export async function startFromCli(options: FakeArmCliOptions): Promise<{ fakeArm: FakeArm; readyLine: string }> {
  const scenario = await loadScenario(options.scenarioFile);
  const fakeArm = await startFakeArm(scenario, {
    ...(options.latencyMs !== undefined && { latencyMs: options.latencyMs }),
    ...(options.logFile !== undefined && { logFile: options.logFile }),
    ...(options.pageSize !== undefined && { pageSize: options.pageSize }),
    ...(options.throttle !== undefined && { throttle: options.throttle }),
  });
  return { fakeArm, readyLine: JSON.stringify({ url: fakeArm.url, caFile: fakeArm.caFile }) };
}

serveAsCommand("fake-arm", import.meta.url, async () => {
  const { fakeArm, readyLine } = await startFromCli(parseFakeArmArgs(process.argv.slice(2)));
  return { readyLine, close: () => fakeArm.close() };
});
