// `npm run fake-index -- --scenario <file.json> [--latency-ms N]`: serves the scenario until SIGTERM/SIGINT,
// after printing one line, `{"url":"https://127.0.0.1:PORT","caFile":"/abs/ca.pem"}`, once listening.
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { serveAsCommand } from "../fake-arm/loopback.js";
import { loadFakeIndexScenario } from "./scenario.js";
import { startFakeIndex } from "./server.js";
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
    throw new Error(`${(error as Error).message}\n${USAGE}`, { cause: error });
  }
  if (values.scenario === undefined) throw new Error(`--scenario is required\n${USAGE}`);
  const latency = values["latency-ms"];
  let latencyMs: number | undefined;
  if (latency !== undefined) {
    latencyMs = Number(latency);
    if (!Number.isInteger(latencyMs) || latencyMs < 0)
      throw new Error(`--latency-ms must be an integer >= 0, got "${latency}"\n${USAGE}`);
  }
  return { scenarioFile: resolve(values.scenario), latencyMs };
}

/** Starts the server the options describe; returns it and the one line to print once listening. */
export async function startFromCli(options: FakeIndexCliOptions): Promise<{ fakeIndex: FakeIndex; readyLine: string }> {
  const scenario = await loadFakeIndexScenario(options.scenarioFile);
  const fakeIndex = await startFakeIndex(
    scenario,
    options.latencyMs !== undefined ? { latencyMs: options.latencyMs } : {},
  );
  return { fakeIndex, readyLine: JSON.stringify({ url: fakeIndex.url, caFile: fakeIndex.caFile }) };
}

serveAsCommand("fake-index", import.meta.url, async () => {
  const { fakeIndex, readyLine } = await startFromCli(parseFakeIndexArgs(process.argv.slice(2)));
  return { readyLine, close: () => fakeIndex.close() };
});
