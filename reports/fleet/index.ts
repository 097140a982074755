// One renderer per `preflight fleet --format` value: (fleet, options) => string. The CLI decides where it goes.

import type { FleetReport } from "../../src/engine/fleet.js";
import type { RenderOptions } from "../shared.js";
import { visibleStrings } from "../../src/core/visible.js";
import { renderFleetJson } from "./json.js";
import { renderFleetJunit } from "./junit.js";
import { renderFleetMarkdown } from "./markdown.js";
import { renderFleetSarif } from "./sarif.js";
import { fleetExitSentence, renderFleetText } from "./text.js";

export const FLEET_FORMATS = ["text", "json", "junit", "markdown", "sarif"] as const;
export type FleetFormat = (typeof FLEET_FORMATS)[number];

const RENDERERS: Record<FleetFormat, (fleet: FleetReport, options: RenderOptions) => string> = {
  // What came from Azure or a snapshot is shown with its control characters made visible (reports/index.ts).
  text: (fleet, options) => renderFleetText(visibleStrings(fleet), options),
  json: renderFleetJson,
  junit: (fleet, options) => renderFleetJunit(visibleStrings(fleet), options),
  markdown: (fleet, options) => renderFleetMarkdown(visibleStrings(fleet), options),
  sarif: renderFleetSarif,
};

export function renderFleet(format: FleetFormat, fleet: FleetReport, options: RenderOptions): string {
  return RENDERERS[format](fleet, options);
}

export type { RenderOptions } from "../shared.js";
export { fleetExitSentence };
