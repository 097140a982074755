// The planted failures of a generated fleet: an exact, seeded share of the workspaces gets each seed
// check's failure (fleet-workspace.ts plants it the way a real misconfiguration looks).

import { choose, hash32, rng } from "./random.js";

export type SeedFailure =
  "subnet-colocation" | "private-endpoint-region" | "acr-vnet-image-build" | "service-tags-outbound" | "key-sync";

/** The seed checks' failures, in the order `planted` lists them. */
export const SEED_FAILURES: readonly SeedFailure[] = [
  "subnet-colocation",
  "private-endpoint-region",
  "acr-vnet-image-build",
  "service-tags-outbound",
  "key-sync",
];

/** Share (0..1) of workspaces given each seed failure. */
export type FailureShare = Partial<Record<SeedFailure, number>>;

const DEFAULT_FAILURE_SHARE = 0.1;

/** How many workspaces get each failure: round(share × N). */
function plantedCounts(workspaces: number, failureShare: FailureShare | undefined): Record<SeedFailure, number> {
  return Object.fromEntries(
    SEED_FAILURES.map((failure) => [
      failure,
      Math.round((failureShare?.[failure] ?? DEFAULT_FAILURE_SHARE) * workspaces),
    ]),
  ) as Record<SeedFailure, number>;
}

/** Which workspaces (by index) get which failure. */
export class PlantedFailures {
  private readonly plantedOn: Map<SeedFailure, Set<number>>;

  /** `failureShare`: default 0.1 for each failure. */
  constructor(workspaces: number, failureShare: FailureShare | undefined, seed: number) {
    // One stream per failure, so one share's change leaves the others be.
    const counts = plantedCounts(workspaces, failureShare);
    this.plantedOn = new Map<SeedFailure, Set<number>>(
      SEED_FAILURES.map((failure) => [
        failure,
        new Set(choose(workspaces, counts[failure], rng(hash32(`${seed}:${failure}`)))),
      ]),
    );
  }

  has(failure: SeedFailure, index: number): boolean {
    return this.plantedOn.get(failure)?.has(index) === true;
  }

  /** The failures planted on workspace `index`, in {@link SEED_FAILURES} order. */
  on(index: number): SeedFailure[] {
    return SEED_FAILURES.filter((failure) => this.has(failure, index));
  }
}
