// `npm run fake-index -- --scenario <file.json> [--latency-ms N]`: serves the scenario until SIGTERM/SIGINT,
// after printing one line, `{"url":"https://127.0.0.1:PORT","caFile":"/abs/ca.pem"}`, once listening.
import { realpathSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { loadFakeIndexScenario, startFakeIndex } from "./server.js";
import type { FakeIndex } from "./server.js";

export interface FakeIndexCliOptions {
  scenarioFile: string;
  latencyMs: number | undefined;
}

const USAGE = "usage: fake-index --scenario <file.json> [--latency-ms N]";

/** Parses the command line (without `node` and the script); throws with the usage on bad input. */
export function parseFakeIndexArgs(argv: string[]): FakeIndexCliOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { scenario: { type: "string" }, "latency-ms": { type: "string" } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${USAGE}`);
  }
  if (values.scenario === undefined) throw new Error(`--scenario is required\n${USAGE}`);
  const latency = values["latency-ms"];
  let latencyMs: number | undefined;
  if (latency !== undefined) {
    latencyMs = Number(latency);
    if (!Number.isInteger(latencyMs) || latencyMs < 0) throw new Error(`--latency-ms must be an integer >= 0, got "${latency}"\n${USAGE}`);
  }
  return { scenarioFile: resolve(values.scenario), latencyMs };
}

/** Starts the server the options describe; returns it and the one line to print once listening. */
export async function startFromCli(options: FakeIndexCliOptions): Promise<{ fakeIndex: FakeIndex; readyLine: string }> {
  const scenario = await loadFakeIndexScenario(options.scenarioFile);
  const fakeIndex = await startFakeIndex(scenario, options.latencyMs !== undefined ? { latencyMs: options.latencyMs } : {});
  return { fakeIndex, readyLine: JSON.stringify({ url: fakeIndex.url, caFile: fakeIndex.caFile }) };
}

async function main(): Promise<void> {
  let started: { fakeIndex: FakeIndex; readyLine: string };
  try {
    started = await startFromCli(parseFakeIndexArgs(process.argv.slice(2)));
  } catch (error) {
    process.stderr.write(`fake-index: ${(error as Error).message}\n`);
    process.exit(2);
  }
  const { fakeIndex, readyLine } = started;
  const stop = () => {
    void fakeIndex.close().then(() => process.exit(0));
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
  process.stdout.write(`${readyLine}\n`);
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(script)).href;
  } catch {
    return false;
  }
}

if (isEntryPoint()) void main();
