// The flags of `preflight diff`, apart from the command (src/cli/diff.ts) so that parsing the command
// line loads no snapshot reader, engine or renderer.

import type { Argv } from "yargs";
import { DIFF_FORMATS, type DiffFormat } from "../../reports/diff/formats.js";
import { PreflightError } from "../core/errors.js";
import { booleanFlag, stringFlag, type ParsedArgs } from "./args.js";
import { formatFor, type Output } from "./common.js";

export function diffOptions(argv: Argv): Argv {
  return argv
    .positional("before", { type: "string", describe: "The earlier snapshot (preflight collect --out) or JSON report" })
    .positional("after", { type: "string", describe: "The later snapshot or JSON report of the same workspace" })
    .option("format", {
      alias: ["o", "output"],
      choices: DIFF_FORMATS,
      describe: "Diff format (default: from --out's extension, else text)",
    })
    .option("out", { type: "string", describe: "Write the diff to this file (the summary still goes to stderr)" });
}

/** What `diff` was asked, checked. */
export interface DiffSettings {
  before: string;
  after: string;
  outputs: Array<Output<DiffFormat>>;
  verbose: boolean;
}

export function diffSettings(args: ParsedArgs): DiffSettings {
  const before = stringFlag(args, "before");
  const after = stringFlag(args, "after");
  if (!before || !after)
    throw new PreflightError(
      "diff needs two files: preflight diff BEFORE AFTER, each a snapshot (preflight collect --out) or a JSON report",
    );
  for (const file of [before, after])
    if (file === "-") throw new PreflightError("diff reads two files, not standard input: give both paths");
  const out = stringFlag(args, "out");
  return {
    before,
    after,
    outputs: [{ format: formatFor(args, DIFF_FORMATS), ...(out ? { path: out } : {}) }],
    verbose: booleanFlag(args, "verbose"),
  };
}
