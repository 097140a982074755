// The --format values, apart from their renderers so that parsing the command line loads none of them.

export const FORMATS = ["text", "json", "junit", "sarif", "markdown"] as const;
export type Format = (typeof FORMATS)[number];

export function isFormat(value: string): value is Format {
  return (FORMATS as readonly string[]).includes(value);
}
