// One renderer per doctor --format value.

import type { DoctorReport } from "../../src/doctor/types.js";
import { renderDoctorJson } from "./json.js";
import { renderDoctorMarkdown } from "./markdown.js";
import { renderDoctorSarif } from "./sarif.js";
import { renderDoctorText, type DoctorRenderOptions } from "./text.js";

import type { DoctorFormat } from "./formats.js";

const RENDERERS: Record<DoctorFormat, (report: DoctorReport, options: DoctorRenderOptions) => string> = {
  text: renderDoctorText,
  json: renderDoctorJson,
  markdown: renderDoctorMarkdown,
  sarif: renderDoctorSarif,
};

export function renderDoctor(format: DoctorFormat, report: DoctorReport, options: DoctorRenderOptions): string {
  return RENDERERS[format](report, options);
}

export type { DoctorFormat };
export type { DoctorRenderOptions } from "./text.js";
