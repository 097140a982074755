// The diff's --format values, apart from their renderers so that parsing the command line loads none of them.

export const DIFF_FORMATS = ["text", "json", "markdown"] as const;
export type DiffFormat = (typeof DIFF_FORMATS)[number];
