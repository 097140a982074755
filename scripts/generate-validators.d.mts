// Types of scripts/generate-validators.mjs, for the test that imports it (test/meta/generated.test.ts).

export interface ValidatorSpec {
  /** The JSON Schema, relative to the repository. */
  schema: string;
  /** The generated file, relative to the repository. */
  out: string;
  options: Record<string, unknown>;
}

export const ROOT: string;
export const SNAPSHOT_AJV_OPTIONS: { allErrors: boolean; strict: boolean; validateFormats: boolean };
export const VALIDATORS: ValidatorSpec[];
export function generateValidator(validator: ValidatorSpec): Promise<string>;
