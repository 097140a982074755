// Which checks a run selects (--only, --skip) and the parts they need read. Loads every check, so
// only the commands that run checks import it.

import { CHECKS, findCheck } from "../../checks/index.js";
import { PreflightError } from "../core/errors.js";
import type { Check } from "../engine/types.js";
import type { PartName } from "../snapshot/types.js";

/** Ids from repeatable, comma-separated flags; unknown ids are a usage error. */
export function selectChecks(only: string[] | undefined, skip: string[] | undefined): Check[] {
  const split = (values: string[] | undefined) =>
    (values ?? [])
      .flatMap((value) => value.split(","))
      .map((value) => value.trim())
      .filter(Boolean);
  const onlyIds = split(only);
  const skipIds = split(skip);
  for (const id of [...onlyIds, ...skipIds]) {
    if (!findCheck(id))
      throw new PreflightError(`unknown check id "${id}"; known: ${CHECKS.map((check) => check.id).join(", ")}`);
  }
  const selected = CHECKS.filter(
    (check) => (onlyIds.length === 0 || onlyIds.includes(check.id)) && !skipIds.includes(check.id),
  );
  // No check at all would be an audit that always passes.
  if (selected.length === 0)
    throw new PreflightError(
      `${onlyIds.length > 0 ? `--only ${onlyIds.join(",")} with ` : ""}--skip ${skipIds.join(",")} leaves no check to run`,
    );
  return selected;
}

export function partsFor(checks: readonly Check[]): PartName[] {
  return [...new Set(checks.flatMap((check) => check.requires))];
}
