import type { FleetReport } from "../../src/engine/fleet.js";

/** The fleet report as is; reports/fleet-report.schema.json describes it. */
export function renderFleetJson(fleet: FleetReport): string {
  return `${JSON.stringify(fleet, null, 2)}\n`;
}
