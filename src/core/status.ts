// The statuses every command speaks, worst first, and what --fail-on means by them.

/** Worst first. A check's status is the worst of its findings. */
export const STATUSES = ["fail", "unknown", "warn", "pass", "skip"] as const;
export type Status = (typeof STATUSES)[number];
/** The --fail-on levels: the lowest status that makes the exit code 1. */
export type FailOn = "fail" | "warn" | "unknown";
export type Severity = "critical" | "high" | "medium" | "low";

export function worstStatus(statuses: Iterable<Status>): Status | undefined {
  let worst: Status | undefined;
  for (const status of statuses) {
    if (worst === undefined || STATUSES.indexOf(status) < STATUSES.indexOf(worst)) worst = status;
  }
  return worst;
}
