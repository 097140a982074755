// The fleet report's record of ARM's buckets and the key comparisons: the JSON schema holds it, text
// says it in two lines with the comparisons not made under them, Markdown in the header table, and a
// fleet snapshot from before it was recorded renders without it.

import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Ajv } from "ajv";
import { describe, expect, test } from "vitest";
import { renderFleet } from "../../reports/fleet/index.js";
import type { RenderOptions } from "../../reports/shared.js";
import { buildFleetReport, type FleetReport } from "../../src/engine/fleet.js";
import type { FleetCollection } from "../../src/snapshot/fleet.js";
import { ROOT } from "../harness.js";

const OPTIONS: RenderOptions = { colour: false, verbose: false, failOn: "fail" };
const SUB_A = "6f1c2b3a-4d5e-4f60-8a71-92b3c4d5e6f7";
const SUB_B = "0b7e9c1d-2a3f-4e5d-9c8b-7a6f5e4d3c2b";

const BASE: FleetCollection = {
  requests: { resourceGraph: 7, arm: 1411 },
  resourceGraph: { queries: 7, rows: 6226 },
  errors: [],
};
const RECORDED: FleetCollection = {
  ...BASE,
  throttling: {
    limits: { reads: { capacity: 250, refillPerSecond: 25 }, writes: { capacity: 200, refillPerSecond: 10 } },
    floorSeconds: 30.1,
    estimate: { posts: 1001, subscriptions: 2, seconds: 30.1 },
    subscriptions: [
      { subscriptionId: SUB_B, reads: 205, writes: 500, resourceRequests: 0, throttled: 1, floorSeconds: 30 },
      { subscriptionId: SUB_A, reads: 205, writes: 501, resourceRequests: 0, throttled: 0, floorSeconds: 30.1 },
    ],
  },
  keyComparisons: {
    requests: { "workspace listKeys": 400, "storage listKeys": 400, "registry listCredentials": 201 },
    skipped: [
      {
        kind: "storage",
        reason:
          "the storage account disallows shared-key access (allowSharedKeyAccess false), so the workspace uses identity, not keys",
        workspaces: 3,
      },
      { kind: "registry", reason: "the registry's admin user is disabled", workspaces: 199 },
    ],
  },
};

function fleetOf(collection: FleetCollection): FleetReport {
  return buildFleetReport([], {
    toolVersion: "0.0.0-test",
    ticket: null,
    startedAt: "2026-11-25T09:00:00.000Z",
    durationMs: 32_400,
    scope: { subscriptions: [SUB_A, SUB_B], managementGroups: [], resourceGroups: [], tags: [], via: "resource-graph" },
    collection,
  });
}

describe("ARM's buckets in the fleet report", () => {
  test("json: the schema holds the buckets and the key comparisons, and refuses a negative count", async () => {
    const schema = (name: string) =>
      readFile(join(ROOT, "reports", name), "utf8").then((text) => JSON.parse(text) as object);
    const validate = new Ajv({ strict: false, validateFormats: false })
      .addSchema(await schema("report.schema.json"))
      .compile(await schema("fleet-report.schema.json"));
    const json = JSON.parse(renderFleet("json", fleetOf(RECORDED), OPTIONS)) as FleetReport;
    expect(validate(json), JSON.stringify(validate.errors)).toBe(true);
    expect(json.collection.throttling?.floorSeconds).toBe(30.1);
    const broken = structuredClone(json);
    broken.collection.throttling!.subscriptions[0]!.writes = -1;
    expect(validate(broken)).toBe(false);
  });

  test("text: the buckets met and the floor, the key POSTs, and each comparison not made with why", () => {
    const lines = renderFleet("text", fleetOf(RECORDED), OPTIONS).split("\n");
    const at = lines.findIndex((line) => line.startsWith("Requests: "));
    expect(lines.slice(at + 1, at + 5)).toEqual([
      `ARM buckets: 410 reads and 1,001 writes over 2 subscriptions, 1 answered 429; the buckets' floor 30.1 s (subscription ${SUB_A})`,
      "Key comparisons: 400 workspace listKeys, 400 storage listKeys, 201 registry listCredentials",
      "  storage key not compared in 3 workspaces: the storage account disallows shared-key access (allowSharedKeyAccess false), so the workspace uses identity, not keys",
      "  registry password not compared in 199 workspaces: the registry's admin user is disabled",
    ]);
  });

  test("markdown: a row for each in the header table", () => {
    const markdown = renderFleet("markdown", fleetOf(RECORDED), OPTIONS);
    expect(markdown).toMatch(
      /\| ARM buckets +\| 410 reads and 1,001 writes over 2 subscriptions, 1 answered 429; the buckets' floor 30\.1 s/,
    );
    expect(markdown).toMatch(
      /\| Key comparisons +\| 400 workspace listKeys, 400 storage listKeys, 201 registry listCredentials/,
    );
  });

  test("a fleet snapshot from before they were recorded renders without them; a floor of 0 says so", () => {
    const text = renderFleet("text", fleetOf(BASE), OPTIONS);
    expect(text).not.toMatch(/ARM buckets|Key comparisons/);
    const quiet = renderFleet(
      "text",
      fleetOf({
        ...BASE,
        throttling: {
          ...RECORDED.throttling!,
          floorSeconds: 0,
          subscriptions: [{ ...RECORDED.throttling!.subscriptions[0]!, throttled: 0, floorSeconds: 0, writes: 120 }],
        },
        keyComparisons: { requests: {}, skipped: [] },
      }),
      OPTIONS,
    );
    expect(quiet).toContain(
      "ARM buckets: 205 reads and 120 writes over 1 subscription, 0 answered 429; within the buckets' first fill (floor 0 s)",
    );
    expect(quiet).toContain("Key comparisons: no key read");
  });
});
