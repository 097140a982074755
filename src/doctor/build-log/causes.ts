// The causes `preflight build-log` recognises: one entry each, metadata and matcher together.
// Patterns are the tools' own words (pip, conda, docker, ACR); fixes follow Azure ML's guidance for
// image build failures. Ids are permanent: pipelines and tickets filter on them.

import type { CauseDefinition, CauseMatch } from "./cause.js";
import { condaLockWait, condaPackageNotFound, condaPipNotListed } from "./conda-causes.js";
import { networkTimeout } from "./network-causes.js";
import {
  pipDependencyConflict,
  pipDistutilsUninstall,
  pipHashMismatch,
  pipPackageNotFound,
  pipResolverBacktracking,
} from "./pip-causes.js";
import { imageManifestUnknown, registryHostUnresolved, registryUnauthorized } from "./registry-causes.js";

export { CAUSE_IDS, type CauseDefinition, type CauseMatch } from "./cause.js";

export const CAUSES: readonly CauseDefinition[] = [
  networkTimeout,
  condaPackageNotFound,
  pipPackageNotFound,
  pipDistutilsUninstall,
  pipHashMismatch,
  condaPipNotListed,
  pipResolverBacktracking,
  pipDependencyConflict,
  condaLockWait,
  registryUnauthorized,
  imageManifestUnknown,
  registryHostUnresolved,
];

function preflightCommand(checks: readonly string[]): string {
  return `preflight --workspace <workspace> --only ${checks.join(",")}`;
}

/** The audit checks that look at a match's service-side cause, and the command that runs them. */
export function relatedChecks(
  cause: CauseDefinition,
  match: CauseMatch,
  workspace?: string,
): { checks: string[]; command: string } | undefined {
  const checks = match.related ?? cause.related;
  if (!checks) return undefined;
  const command = preflightCommand(checks);
  return { checks: [...checks], command: workspace ? command.replace("<workspace>", workspace) : command };
}
