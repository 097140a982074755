// Reading one part of the healthy workspace (examples/healthy-workspace.json) through the real
// collector and SDK clients against the fake ARM: what the part's reader asked for, kept and
// recorded as failed. No check runs.

import type { CollectionError, PartName, RawResource, Snapshot } from "../../../src/snapshot/types.js";
import type { Scenario } from "../../fake-arm/scenario.js";
import { auditScenario, healthyScenario, type AuditOptions } from "../../harness.js";

export interface PartRead {
  snapshot: Snapshot;
  /** `METHOD path` of every request, without the query string, in the order the fake received them. */
  requests: string[];
  /** Names of the kept resources of an ARM type (case-insensitive). */
  kept(type: string): string[];
  errors(part: PartName): CollectionError[];
}

export async function readParts(
  parts: PartName[],
  mutate: (scenario: Scenario) => void = () => {},
  options: AuditOptions = {},
): Promise<PartRead> {
  const scenario = healthyScenario();
  mutate(scenario);
  const { snapshot, requests } = await auditScenario(scenario, { ...options, only: [], parts });
  return {
    snapshot,
    requests: requests.map((entry) => `${entry.method} ${entry.path.split("?")[0] ?? ""}`),
    kept: (type) =>
      snapshot.resources
        .filter((resource: RawResource) => String(resource.type).toLowerCase() === type.toLowerCase())
        .map((resource) => String(resource.name)),
    errors: (part) => snapshot.errors.filter((error) => error.part === part),
  };
}

/** The requests whose path ends with `suffix` (case-insensitive). */
export function requestsTo(read: PartRead, pattern: RegExp): string[] {
  return read.requests.filter((request) => pattern.test(request));
}
