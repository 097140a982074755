// How an answer left open by failed reads is fixed: grant the read, wait out throttling, allow
// more time, or run again. One wording for the engine's part-level unknowns and the checks' ones.

export interface UnresolvedRead {
  resourceId: string;
  missingPermission?: string | undefined;
  /** The failed read's error code (Timeout, DeadlineExceeded, an ARM code such as SubscriptionRequestsThrottled). */
  code?: string | undefined;
  statusCode?: number | undefined;
}

export function unresolvedRemediation(unresolved: readonly UnresolvedRead[]): string | undefined {
  if (unresolved.length === 0) return undefined;
  const ids = [...new Set(unresolved.map((gap) => gap.resourceId))];
  const permissions = [
    ...new Set(
      unresolved.map((gap) => gap.missingPermission).filter((permission): permission is string => !!permission),
    ),
  ];
  if (permissions.length > 0)
    return `Grant the identity running preflight ${permissions.join(" and ")} (Reader covers reads) on ${ids.join(", ")}, then run again.`;
  if (unresolved.some((gap) => gap.code === "DeadlineExceeded"))
    return "Run again with a longer --timeout (seconds for the whole run).";
  if (unresolved.some((gap) => gap.code === "Timeout"))
    return "Run again with a longer --request-timeout; if ARM stays slow, try later.";
  if (unresolved.some((gap) => gap.statusCode === 429)) {
    return "ARM is throttling reads for this subscription: run again in a few minutes, or raise --max-retry-after to wait out a long Retry-After.";
  }
  return `Run again; if it persists, check ${ids.join(", ")} with az resource show --ids ${ids.join(" ")}.`;
}
