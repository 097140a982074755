// Property tests: randomly mutated ARM resources (properties deleted, nulled, of the wrong type, oddly
// cased, unknown fields added) go through snapshot loading and every check. Loading either succeeds
// or refuses the file with a PreflightError; every check gives a verdict from its own logic (never
// `check-crashed`); and re-casing IDs, enum values and names changes no verdict, because ARM compares
// them case-insensitively and returns `resourcegroups`, `Microsoft.network`, `enabled` and the like.
//
// Seeded: FC_SEED=<n> replays another seed, FC_RUNS=<n> changes the number of runs. A failure prints
// the seed, the shrunk counterexample and, for the metamorphic property, the findings that differ.

import fc from "fast-check";
import { beforeAll, describe, expect, test } from "vitest";
import { CHECKS } from "../../checks/index.js";
import { PreflightError } from "../../src/core/errors.js";
import { prepareSnapshot } from "../../src/engine/parts.js";
import { buildReport } from "../../src/engine/run.js";
import { type Report } from "../../src/engine/types.js";
import { STATUSES } from "../../src/core/status.js";
import { idKey } from "../../src/snapshot/ids.js";
import { parseSnapshot } from "../../src/snapshot/io.js";
import type { Snapshot } from "../../src/snapshot/types.js";
import {
  FULL_LOWER,
  READ_KEYS,
  mutate,
  mutation,
  pathsOf,
  recasePlan,
  recaseSnapshot,
  setAt,
  type JsonValue,
  type Path,
  type RecasePlan,
  type Scope,
} from "./mutate.js";
import { collectBases, type Bases } from "./snapshots.js";

const SEED = process.env.FC_SEED ? Number(process.env.FC_SEED) : 424242;
const RUNS = process.env.FC_RUNS ? Number(process.env.FC_RUNS) : 200;
const PARAMETERS: fc.Parameters<unknown> = { seed: SEED, numRuns: RUNS, endOnFailure: false };

const OPTIONS = { toolVersion: "0.0.0-test", startedAt: "2026-03-01T12:00:00.000Z", durationMs: 0 };

let bases: Bases;
let names: string[];

beforeAll(async () => {
  bases = await collectBases();
  names = Object.keys(bases).sort();
});

/** The snapshot loaded from this JSON value, or undefined when loading refuses it (with a PreflightError only). */
function load(value: JsonValue | Snapshot, label = "mutated"): Snapshot | undefined {
  let text: string;
  try {
    text = JSON.stringify(value);
  } catch {
    return undefined;
  }
  try {
    return parseSnapshot(text, label);
  } catch (error) {
    if (error instanceof PreflightError) return undefined;
    throw new Error(
      `parseSnapshot threw ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}, not a PreflightError`,
      { cause: error },
    );
  }
}

/** Every check gives a verdict from its own logic, run by the engine and called directly. */
function expectVerdicts(snapshot: Snapshot): Report {
  const report = buildReport(snapshot, CHECKS, OPTIONS);
  expect(report.checks.map((check) => check.id).sort()).toEqual(CHECKS.map((check) => check.id).sort());
  for (const result of report.checks) {
    expect(STATUSES, result.id).toContain(result.status);
    expect(result.findings.length, result.id).toBeGreaterThan(0);
    for (const finding of result.findings) {
      expect(STATUSES, result.id).toContain(finding.status);
      if (finding.messageId === "check-crashed") throw new Error(`${result.id} crashed: ${finding.message}`);
    }
  }
  // The engine does not call a check whose part failed; call each one anyway: it must cope with what it gets.
  const prepared = prepareSnapshot(snapshot);
  for (const check of CHECKS) {
    let findings;
    try {
      findings = check.run(prepared.parts, {
        target: snapshot.target,
        audited: snapshot.target,
        collectedAt: snapshot.collectedAt,
      });
    } catch (error) {
      throw new Error(`${check.id}.run threw: ${error instanceof Error ? error.stack : String(error)}`, {
        cause: error,
      });
    }
    expect(findings.length, `${check.id} returned no findings`).toBeGreaterThan(0);
    for (const finding of findings) {
      expect(STATUSES, check.id).toContain(finding.status);
      expect(Object.keys(check.messages), check.id).toContain(finding.messageId);
      expect(typeof finding.resourceId, check.id).toBe("string");
    }
  }
  return report;
}

/** The report's checks by id, not by status: a changed status must not shift which check is compared with which. */
function byId(report: Report): Report["checks"] {
  return [...report.checks].sort((a, b) => a.id.localeCompare(b.id));
}

/** Per check (by id): its status and its findings' `status:messageId`, in report order. */
function verdicts(report: Report): Array<{ id: string; status: string; findings: string[] }> {
  return byId(report).map((check) => ({
    id: check.id,
    status: check.status,
    findings: check.findings.map((finding) => `${finding.status}:${finding.messageId}`),
  }));
}

/** Per check (by id): every finding whole (resource, message, evidence, remediation), compared case-insensitively. */
function deepVerdicts(report: Report): Array<{ id: string; findings: string[] }> {
  return byId(report).map((check) => ({
    id: check.id,
    findings: check.findings.map((finding) =>
      JSON.stringify({ ...finding, resourceId: idKey(finding.resourceId) }).toLowerCase(),
    ),
  }));
}

/** Fails with the findings of the first check that differs, not two whole reports. */
function expectSameVerdicts(original: Report, recased: Report, context: string): void {
  const before = verdicts(original);
  const after = verdicts(recased);
  const differs = before.findIndex((check, index) => JSON.stringify(check) !== JSON.stringify(after[index]));
  if (differs !== -1) {
    throw new Error(
      `${context}\nverdicts differ after re-casing:\n  before: ${JSON.stringify(before[differs])}\n  after:  ${JSON.stringify(after[differs])}`,
    );
  }
  const deepBefore = deepVerdicts(original);
  const deepAfter = deepVerdicts(recased);
  const deepDiffers = deepBefore.findIndex(
    (check, index) => JSON.stringify(check) !== JSON.stringify(deepAfter[index]),
  );
  if (deepDiffers !== -1) {
    const a = deepBefore[deepDiffers] as { id: string; findings: string[] };
    const b = deepAfter[deepDiffers] as { id: string; findings: string[] };
    const index = a.findings.findIndex((finding, i) => finding !== b.findings[i]);
    throw new Error(
      `${context}\n${a.id}: finding ${index} differs after re-casing (compared lower-cased):\n  before: ${a.findings[index]}\n  after:  ${b.findings[index]}`,
    );
  }
}

/** The snapshot re-cased by the plan, loaded back (re-casing never makes a snapshot unloadable). */
function recased(snapshot: Snapshot, plan: RecasePlan): { snapshot: Snapshot; changed: number } {
  const result = recaseSnapshot(snapshot, plan);
  const loaded = load(result.snapshot, "recased");
  if (!loaded) throw new Error(`re-cased snapshot does not load (plan ${JSON.stringify(plan)})`);
  return { snapshot: loaded, changed: result.changed };
}

/** Paths of object properties inside the resources; `focus`: only those the views read. */
function objectPropertyPaths(snapshot: Snapshot, focus: boolean): Path[] {
  const all = pathsOf(snapshot.resources as unknown as JsonValue, ["resources"]).filter(
    (path) => path.length > 2 && typeof path[path.length - 1] === "string",
  );
  const focused = all.filter(
    (path) => READ_KEYS.has(path[path.length - 1] as string) && path[path.length - 1] !== "id",
  );
  return focus && focused.length > 0 ? focused : all;
}

const baseName = () => fc.constantFrom(...names);
const scope = fc.constantFrom<Scope>("resources", "resources", "resources", "snapshot");
const mutations = fc.array(mutation, { minLength: 1, maxLength: 6 });

describe("robust parsing", () => {
  test("the bases load and every check gives a verdict on each (no property below runs on a broken base)", () => {
    expect(names.length).toBeGreaterThanOrEqual(8);
    for (const name of names) {
      const snapshot = load(bases[name] as Snapshot, name);
      expect(snapshot, name).toBeDefined();
      expectVerdicts(snapshot as Snapshot);
    }
    // The bases reach more than one verdict per check, so the metamorphic property compares something.
    const statuses = new Map<string, Set<string>>();
    for (const name of names) {
      for (const check of buildReport(bases[name] as Snapshot, CHECKS, OPTIONS).checks) {
        for (const finding of check.findings)
          statuses.set(check.id, (statuses.get(check.id) ?? new Set()).add(finding.status));
      }
    }
    for (const check of CHECKS) expect([...(statuses.get(check.id) ?? [])].length, check.id).toBeGreaterThanOrEqual(3);
  });

  test("(1) parseSnapshot either returns a snapshot or throws a PreflightError", () => {
    fc.assert(
      fc.property(baseName(), mutations, scope, (name, steps, where) => {
        const { value } = mutate(bases[name] as Snapshot, steps, where);
        load(value);
      }),
      PARAMETERS,
    );
    // Text that is not a snapshot at all: cut short, or not JSON.
    fc.assert(
      fc.property(baseName(), fc.double({ min: 0, max: 1, noNaN: true }), fc.string(), (name, cut, junk) => {
        const text = JSON.stringify(bases[name]);
        for (const candidate of [text.slice(0, Math.floor(text.length * cut)), junk, `${text}${junk}`]) {
          try {
            parseSnapshot(candidate, "x");
          } catch (error) {
            expect(error).toBeInstanceOf(PreflightError);
          }
        }
      }),
      { ...PARAMETERS, numRuns: Math.max(1, Math.floor(RUNS / 4)) },
    );
  });

  test("(2) on every snapshot that loads, every check gives a verdict: no crash, no empty run", () => {
    let loaded = 0;
    fc.assert(
      fc.property(baseName(), mutations, scope, (name, steps, where) => {
        const { value, log } = mutate(bases[name] as Snapshot, steps, where);
        const snapshot = load(value);
        if (!snapshot) return;
        loaded++;
        try {
          expectVerdicts(snapshot);
        } catch (error) {
          throw new Error(
            `base ${name}, mutations:\n  ${log.join("\n  ")}\n${error instanceof Error ? error.message : String(error)}`,
            { cause: error },
          );
        }
      }),
      PARAMETERS,
    );
    // Most mutations stay loadable: the checks, not the schema, are what this property exercises.
    expect(loaded).toBeGreaterThan(RUNS / 2);
  });

  test("(3) re-casing IDs, enum values and names (consistently or not) changes no verdict, on a base or a mutated one", () => {
    let compared = 0;
    fc.assert(
      fc.property(baseName(), fc.option(mutations, { nil: undefined, freq: 2 }), recasePlan, (name, steps, plan) => {
        let original = bases[name] as Snapshot;
        let log: string[] = [];
        if (steps) {
          const mutated = mutate(original, steps, "resources");
          const snapshot = load(mutated.value);
          if (!snapshot) return;
          original = snapshot;
          log = mutated.log;
        }
        const copy = recased(original, plan);
        compared++;
        const context = `base ${name}; plan ${JSON.stringify(plan)}; ${copy.changed} strings re-cased${log.length ? `; after mutations:\n  ${log.join("\n  ")}` : ""}`;
        expectSameVerdicts(
          buildReport(original, CHECKS, OPTIONS),
          buildReport(copy.snapshot, CHECKS, OPTIONS),
          context,
        );
      }),
      PARAMETERS,
    );
    expect(compared).toBeGreaterThan(RUNS / 2);
  });

  test("(4) null reads as absent: a property ARM sends as null gives the verdicts of one it leaves out", () => {
    fc.assert(
      fc.property(
        baseName(),
        fc.uniqueArray(fc.nat(), { minLength: 1, maxLength: 3 }),
        fc.boolean(),
        (name, picks, focus) => {
          const base = bases[name] as Snapshot;
          // Object properties inside the resources (not array items: a null item is not a missing one).
          const candidates = objectPropertyPaths(base, focus);
          const chosen = [...new Set(picks.map((pick) => candidates[pick % candidates.length] as Path))];
          const nulled = structuredClone(base) as unknown as JsonValue;
          const deleted = structuredClone(base) as unknown as JsonValue;
          for (const path of chosen) setAt(nulled, path, null);
          for (const path of [...chosen].reverse()) setAt(deleted, path, undefined);
          const a = load(deleted);
          const b = load(nulled);
          if (!a || !b) return;
          const context = `base ${name}; null vs absent at:\n  ${chosen.map((path) => `/${path.join("/")}`).join("\n  ")}`;
          const before = verdicts(buildReport(a, CHECKS, OPTIONS));
          const after = verdicts(buildReport(b, CHECKS, OPTIONS));
          const differs = before.findIndex((check, index) => JSON.stringify(check) !== JSON.stringify(after[index]));
          if (differs !== -1)
            throw new Error(
              `${context}\n  absent: ${JSON.stringify(before[differs])}\n  null:   ${JSON.stringify(after[differs])}`,
            );
        },
      ),
      PARAMETERS,
    );
  });
});

describe("re-casing regressions (fixed examples)", () => {
  const plans: Array<[string, RecasePlan]> = [
    ["everything lower-cased", FULL_LOWER],
    ["everything upper-cased", { ...FULL_LOWER, casings: ["upper"] }],
    [
      "IDs as ARM varies them (resourcegroups, Microsoft.network, virtualnetworks), names kept",
      { ...FULL_LOWER, enums: false, names: false, casings: ["structure"], seed: 7 },
    ],
    [
      "referrers lower-cased, the resources' own IDs as they were",
      { ...FULL_LOWER, idScope: "references", enums: false, names: false },
    ],
    [
      "the resources' own IDs upper-cased, referrers as they were",
      { ...FULL_LOWER, idScope: "own", enums: false, names: false, casings: ["upper"] },
    ],
    [
      "enum values only, swapped case (eNABLED, dENY, aPPROVED)",
      { ...FULL_LOWER, ids: false, names: false, casings: ["swap"] },
    ],
    ["every occurrence on its own, random case", { ...FULL_LOWER, mode: "independent", casings: ["random"], seed: 99 }],
  ];

  test.each(plans)("%s: every base keeps its verdicts", (_name, plan) => {
    for (const name of names) {
      const copy = recased(bases[name] as Snapshot, plan);
      expect(copy.changed, name).toBeGreaterThan(0);
      expectSameVerdicts(
        buildReport(bases[name] as Snapshot, CHECKS, OPTIONS),
        buildReport(copy.snapshot, CHECKS, OPTIONS),
        `base ${name}`,
      );
    }
  });

  test("the demo with everything lower-cased still fails image build, NSG and key checks", () => {
    const copy = recased(bases.demo as Snapshot, FULL_LOWER).snapshot;
    const text = JSON.stringify(copy);
    expect(text).toContain("/resourcegroups/ml-platform-rg/providers/microsoft.network/virtualnetworks/ml-vnet");
    // No ID, resource type or enum value keeps a capital (apiVersions keys and free text may).
    expect(text.match(/"\/subscriptions\/[^"]*[A-Z][^"]*"/g)).toBeNull();
    expect(
      text.match(
        /"(type|publicNetworkAccess|defaultAction|status|access|direction|protocol|computeType|provisioningState)":"[^"]*[A-Z][^"]*"/g,
      ),
    ).toBeNull();
    const report = buildReport(copy, CHECKS, OPTIONS);
    const status = (id: string) => report.checks.find((check) => check.id === id)?.status;
    expect(status("acr-vnet-image-build")).toBe("fail");
    expect(status("service-tags-outbound")).toBe("fail");
    expect(status("key-sync")).toBe("fail");
    expect(status("subnet-colocation")).toBe("pass");
  });

  test("the comparison can tell verdicts apart (it is not vacuous)", () => {
    const healthy = buildReport(bases.healthy as Snapshot, CHECKS, OPTIONS);
    const demo = buildReport(bases.demo as Snapshot, CHECKS, OPTIONS);
    expect(() => expectSameVerdicts(healthy, demo, "healthy vs demo")).toThrow(/verdicts differ/);
  });
});

describe("null regressions (fixed examples)", () => {
  test("a virtual-network rule whose action and state ARM sends as null admits the subnet like one without them", () => {
    const base = bases["service-endpoints"] as Snapshot;
    const nulled = structuredClone(base);
    let rules = 0;
    for (const resource of nulled.resources) {
      const properties = resource.properties as
        | {
            networkAcls?: { virtualNetworkRules?: Array<Record<string, unknown>> };
            networkRuleSet?: { virtualNetworkRules?: Array<Record<string, unknown>> };
          }
        | undefined;
      for (const rule of [
        ...(properties?.networkAcls?.virtualNetworkRules ?? []),
        ...(properties?.networkRuleSet?.virtualNetworkRules ?? []),
      ]) {
        rule.action = null;
        rule.state = null;
        rules++;
      }
    }
    expect(rules).toBeGreaterThanOrEqual(2);
    const report = buildReport(nulled, CHECKS, OPTIONS);
    expect(verdicts(report)).toEqual(verdicts(buildReport(base, CHECKS, OPTIONS)));
    const colocation = report.checks.find((check) => check.id === "subnet-colocation");
    expect(colocation?.status).toBe("pass");
    // Storage and registry are reached by their (nulled) rules; the key vault keeps its private endpoint.
    const paths = colocation?.findings.map((finding) => finding.evidence.path) ?? [];
    expect(paths.filter((path) => path === "service-endpoint").length).toBeGreaterThanOrEqual(2);
    expect(paths.every((path) => path === "service-endpoint" || path === "private-endpoint")).toBe(true);
  });
});

describe("regressions outside the checks", () => {
  // src/engine/parts.ts once matched a failed availablePrivateEndpointTypes read to its region
  // case-sensitively: with "/Locations/" the 403 was lost and no permission was named.
  test("a failed availablePrivateEndpointTypes read is found whatever the casing of its ID", () => {
    const snapshot = bases.faults as Snapshot;
    expect(snapshot.errors.some((error) => error.part === "privateEndpointTypes")).toBe(true);
    const copy = structuredClone(snapshot);
    for (const error of copy.errors) error.resourceId = error.resourceId.replace(/\/locations\//, "/Locations/");
    expectSameVerdicts(
      buildReport(snapshot, CHECKS, OPTIONS),
      buildReport(copy, CHECKS, OPTIONS),
      "errors' /locations/ re-cased",
    );
  });
});
