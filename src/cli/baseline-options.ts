// --baseline and --fail-on-new (one workspace's audit, live or offline), apart from reading the
// report (src/cli/baseline.ts) so that parsing the command line loads nothing of it.

import type { Argv } from "yargs";
import { PreflightError } from "../core/errors.js";
import { booleanFlag, stringFlag, type ParsedArgs } from "./args.js";

export function baselineOptions(argv: Argv): Argv {
  return argv
    .option("baseline", {
      type: "string",
      describe:
        "An earlier JSON report of this workspace: mark each problem new or unchanged and list the ones fixed since",
    })
    .option("fail-on-new", {
      type: "boolean",
      default: false,
      describe: "With --baseline: only new findings at or above --fail-on make the exit code 1",
    });
}

/** --baseline and --fail-on-new, checked. */
export interface BaselineSettings {
  file?: string;
  failOnNew: boolean;
}

export function baselineSettings(args: ParsedArgs): BaselineSettings {
  const file = stringFlag(args, "baseline");
  const failOnNew = booleanFlag(args, "fail-on-new");
  if (file === "") throw new PreflightError("--baseline was given without a file; give an earlier JSON report");
  if (failOnNew && file === undefined)
    throw new PreflightError(
      "--fail-on-new needs --baseline REPORT.json: new is judged against an earlier JSON report of the workspace",
    );
  return { ...(file !== undefined ? { file } : {}), failOnNew };
}
