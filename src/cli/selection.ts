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
  return CHECKS.filter((check) => (onlyIds.length === 0 || onlyIds.includes(check.id)) && !skipIds.includes(check.id));
}

export function partsFor(checks: readonly Check[]): PartName[] {
  return [...new Set(checks.flatMap((check) => check.requires))];
}
