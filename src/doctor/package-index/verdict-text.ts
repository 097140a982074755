// `preflight env --check-index`: how a verdict's message lists what it saw, for pip and conda alike.

/** How many versions, files or tags a message lists. */
export const LIST_LIMIT = 5;

/** `below` versions just under `pin` and `above` just over it, from a list sorted ascending. */
export function nearest(
  sorted: readonly string[],
  pin: string,
  compareTo: (version: string, pin: string) => number,
  below = 3,
  above = 2,
): string[] {
  const insertAt = sorted.findIndex((version) => compareTo(version, pin) > 0);
  const split = insertAt === -1 ? sorted.length : insertAt;
  return [...sorted.slice(Math.max(0, split - below), split), ...sorted.slice(split, split + above)];
}

export function listText(items: readonly string[], limit = LIST_LIMIT): string {
  const shown = items.slice(0, limit).join(", ");
  return items.length > limit ? `${shown} and ${items.length - limit} more` : shown;
}
