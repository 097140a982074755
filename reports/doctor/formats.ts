// The doctor's --format values, apart from their renderers so that parsing the command line loads none of them.

export const DOCTOR_FORMATS = ["text", "json", "markdown", "sarif"] as const;
export type DoctorFormat = (typeof DOCTOR_FORMATS)[number];
