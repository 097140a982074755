import { safeJson } from "../../src/core/visible.js";
import type { DoctorReport } from "../../src/doctor/types.js";

/** The doctor report as is (reports/doctor/doctor-report.schema.json). */
export function renderDoctorJson(report: DoctorReport): string {
  return safeJson(report);
}
