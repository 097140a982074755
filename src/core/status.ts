// The statuses every command speaks, worst first, and what --fail-on means by them: one rule, one
// count, one exit sentence for the audit, the fleet and the doctor alike.

/** Worst first. A check's status is the worst of its findings. */
export const STATUSES = ["fail", "unknown", "warn", "pass", "skip"] as const;
export type Status = (typeof STATUSES)[number];
/** The --fail-on levels: the lowest status that makes the exit code 1. */
export const FAIL_ON_LEVELS = ["fail", "warn", "unknown"] as const;
export type FailOn = (typeof FAIL_ON_LEVELS)[number];
export type Severity = "critical" | "high" | "medium" | "low";

export function worstStatus(statuses: Iterable<Status>): Status | undefined {
  let worst: Status | undefined;
  for (const status of statuses) {
    if (worst === undefined || STATUSES.indexOf(status) < STATUSES.indexOf(worst)) worst = status;
  }
  return worst;
}

/** The --fail-on rule: a status at or above the level (`unknown` is worse than `warn`) makes the exit code 1. */
export function reachesFailOn(status: Status, failOn: FailOn): boolean {
  return STATUSES.indexOf(status) <= STATUSES.indexOf(failOn);
}

/** How many of each status, every status present. */
export function countStatuses(statuses: Iterable<Status>): Record<Status, number> {
  const counts = Object.fromEntries(STATUSES.map((status) => [status, 0])) as Record<Status, number>;
  for (const status of statuses) counts[status] += 1;
  return counts;
}

/** fail, unknown and warn: what a reader has to act on (pass and skip are not). */
export function isProblem(status: Status): boolean {
  return status === "fail" || status === "unknown" || status === "warn";
}

/** "1 check", "2 checks" ("2 fixes" where the plural is given). */
export function plural(count: number, noun: string, nouns = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : nouns}`;
}

/**
 * One sentence: the exit code and why. `reached` things (checks, findings, workspaces: `unit`) are at
 * or above --fail-on, `detail` says which; with none, the problems below the level are counted.
 */
export function exitSentence(options: {
  unit: string;
  reached: number;
  detail: string;
  failOn: FailOn;
  counts: Record<Status, number>;
  /** Said after an exit 0 instead of the counts below --fail-on (e.g. `(--fail-on-new)`). */
  passNote?: string;
}): string {
  const { unit, reached, detail, failOn, counts, passNote } = options;
  if (reached > 0) return `exit 1: ${plural(reached, unit)} at or above --fail-on ${failOn}${detail}`;
  if (passNote !== undefined) return `exit 0: no ${unit} at or above --fail-on ${failOn} ${passNote}`;
  const below = STATUSES.slice(STATUSES.indexOf(failOn) + 1).filter(
    (status) => isProblem(status) && counts[status] > 0,
  );
  const note = below.length > 0 ? ` (${below.map((status) => `${counts[status]} ${status}`).join(", ")} below it)` : "";
  return `exit 0: no ${unit} at or above --fail-on ${failOn}${note}`;
}
