import { safeJson } from "../../src/core/visible.js";
import type { FleetReport } from "../../src/engine/fleet.js";

/** The fleet report as is; reports/fleet-report.schema.json describes it. */
export function renderFleetJson(fleet: FleetReport): string {
  return safeJson(fleet);
}
