// A read that failed, as everything after the collector sees it, and the two things said about it:
// the evidence that shows it and the fix that closes it (grant the read, wait out throttling, allow
// more time, or run again). One wording for the engine's part-level unknowns, the checks' ones, the
// key comparison's and the reports' lists of failed reads.

import { sh } from "./visible.js";

/** A failed read: the snapshot's CollectionError is one, with the part and message added. */
export interface FailedRead {
  resourceId: string;
  operation?: string;
  statusCode?: number;
  /** The error code (Timeout, DeadlineExceeded, an ARM code such as SubscriptionRequestsThrottled). */
  code?: string;
  /** The Azure RBAC action that would have allowed the read, when it was refused (403). */
  permission?: string;
}

/** The failed read of `resourceId`: what `error` says of it, or only its ID when nothing was read at all. */
export function failedRead(resourceId: string, error?: Omit<FailedRead, "resourceId">): FailedRead {
  return {
    resourceId,
    ...(error?.operation !== undefined ? { operation: error.operation } : {}),
    ...(error?.statusCode !== undefined ? { statusCode: error.statusCode } : {}),
    ...(error?.code !== undefined ? { code: error.code } : {}),
    ...(error?.permission !== undefined ? { permission: error.permission } : {}),
  };
}

/** The fields of a failed read that explain an `unknown`, for a finding's evidence. */
export function failedReadEvidence(read: Omit<FailedRead, "resourceId"> | undefined): Record<string, unknown> {
  if (!read) return {};
  return {
    operation: read.operation,
    statusCode: read.statusCode ?? null,
    code: read.code ?? null,
    ...(read.permission ? { missingPermission: read.permission } : {}),
  };
}

/** "403 AuthorizationFailed; needs Microsoft.Network/virtualNetworks/read": a failed read in a clause. */
export function explainFailedRead(read: Omit<FailedRead, "resourceId"> & { message?: string }): string {
  const status = [read.statusCode, read.code].filter((part) => part !== undefined && part !== "").join(" ");
  const head = status || (read.message ?? "");
  return [head, read.permission ? `needs ${read.permission}` : ""].filter((part) => part !== "").join("; ");
}

/**
 * "storage listKeys failed (403 AuthorizationFailed; needs Microsoft.Storage/storageAccounts/listKeys/action)":
 * a failed read in a list of them, which shows its message and resource apart.
 */
export function failedReadHeadline(read: Omit<FailedRead, "resourceId">): string {
  const clause = explainFailedRead({
    ...(read.statusCode !== undefined ? { statusCode: read.statusCode } : {}),
    ...(read.code !== undefined ? { code: read.code } : {}),
    ...(read.permission !== undefined ? { permission: read.permission } : {}),
  });
  return `${read.operation ?? "a read"} failed${clause ? ` (${clause})` : ""}`;
}

/**
 * How to close the reads left open; undefined when none is. `alternative`: another way out, said after
 * the fix ("run with --no-keys to skip this check").
 */
export function failedReadRemediation(
  reads: readonly FailedRead[],
  options: { alternative?: string } = {},
): string | undefined {
  if (reads.length === 0) return undefined;
  const fix = remediationOf(reads);
  // A sentence of its own: the fix may end in a command, which must not run on into the alternative.
  return options.alternative ? `${fix} Or ${options.alternative}.` : fix;
}

function remediationOf(reads: readonly FailedRead[]): string {
  const ids = [...new Set(reads.map((read) => read.resourceId))];
  const permissions = [
    ...new Set(reads.map((read) => read.permission).filter((permission): permission is string => !!permission)),
  ];
  if (permissions.length > 0) {
    // Reader grants every */read; an action such as listKeys/action needs a role that names it.
    const reader = permissions.every((permission) => permission.endsWith("/read")) ? " (Reader covers reads)" : "";
    return `Grant the identity running preflight ${permissions.join(" and ")}${reader} on ${ids.join(", ")}, then run again.`;
  }
  if (reads.some((read) => read.code === "DeadlineExceeded"))
    return "Run again with a longer --timeout (seconds for the whole run).";
  if (reads.some((read) => read.code === "Timeout"))
    return "Run again with a longer --request-timeout; if ARM stays slow, try later.";
  if (reads.some((read) => read.statusCode === 429)) {
    return "ARM is throttling reads for this subscription: run again in a few minutes, or raise --max-retry-after to wait out a long Retry-After.";
  }
  return `Run again; if it persists, check ${ids.join(", ")} with ${sh`az resource show --ids ${ids}`}.`;
}
