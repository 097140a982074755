// One renderer per doctor --format value.

import type { DoctorReport } from "../../src/doctor/types.js";
import { visibleStrings } from "../../src/core/visible.js";
import { renderDoctorJson } from "./json.js";
import { renderDoctorMarkdown } from "./markdown.js";
import { renderDoctorSarif } from "./sarif.js";
import { renderDoctorText, type DoctorRenderOptions } from "./text.js";

import type { DoctorFormat } from "./formats.js";

const RENDERERS: Record<DoctorFormat, (report: DoctorReport, options: DoctorRenderOptions) => string> = {
  // What came from a log or an environment file is shown with its control characters made visible.
  text: (report, options) => renderDoctorText(visibleStrings(report), options),
  json: renderDoctorJson,
  markdown: (report, options) => renderDoctorMarkdown(visibleStrings(report), options),
  sarif: renderDoctorSarif,
};

export function renderDoctor(format: DoctorFormat, report: DoctorReport, options: DoctorRenderOptions): string {
  return RENDERERS[format](report, options);
}

export type { DoctorFormat };
export type { DoctorRenderOptions } from "./text.js";
