// How an answer left open by failed reads is fixed: grant the read, or run again. One wording
// for the engine's part-level unknowns and the checks' per-resource ones.

export function unresolvedRemediation(unresolved: ReadonlyArray<{ resourceId: string; missingPermission?: string | undefined }>): string | undefined {
  if (unresolved.length === 0) return undefined;
  const ids = [...new Set(unresolved.map((gap) => gap.resourceId))];
  const permissions = [...new Set(unresolved.map((gap) => gap.missingPermission).filter((permission): permission is string => !!permission))];
  return permissions.length > 0
    ? `Grant the identity running preflight ${permissions.join(" and ")} (Reader covers reads) on ${ids.join(", ")}, then run again.`
    : `Run again; if it persists, check ${ids.join(", ")} with az resource show --ids ${ids.join(" ")}.`;
}
