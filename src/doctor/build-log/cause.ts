// What a cause of `preflight build-log` is: its permanent id, its metadata, and the matcher that
// finds it in a log. The causes themselves live by family beside this file.

import type { LogLine, Outcome } from "./log.js";

export const CAUSE_IDS = [
  "network-timeout",
  "conda-package-not-found",
  "pip-package-not-found",
  "pip-distutils-uninstall",
  "pip-hash-mismatch",
  "conda-pip-not-listed",
  "pip-resolver-backtracking",
  "pip-dependency-conflict",
  "conda-lock-wait",
  "registry-unauthorized",
  "image-manifest-unknown",
  "registry-host-unresolved",
] as const;
type CauseId = (typeof CAUSE_IDS)[number];

/** One place a cause shows in the log. */
export interface CauseMatch {
  line: number;
  /** Last line of the block that belongs to it (a list of packages, a hash table). */
  end?: number;
  message: string;
  packages?: string[];
  evidence?: Record<string, string | number | boolean | string[]>;
  /** A fix naming this match's specifics; else the cause's generic fix. */
  fix?: string;
  /** Audit checks for this match when they differ from the cause's (a timeout talking to a registry). */
  related?: readonly string[];
}

export interface CauseDefinition {
  id: CauseId;
  /** The cause in a few words. */
  title: string;
  status: "fail" | "warn";
  fix: string;
  /** Audit checks that look at a service-side cause (`preflight --workspace ... --only <these>`). */
  related?: readonly string[];
  find(lines: readonly LogLine[], outcome: Outcome): CauseMatch[];
}

/** The values in order of first appearance, each once. */
export function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}
