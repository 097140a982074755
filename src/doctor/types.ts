// What the image-build doctor's two commands produce: `build-log` (why did a build fail?) and `env`
// (will this environment build?). Both report findings anchored to a line of the file they read,
// in the audit's statuses, so --fail-on and the exit codes mean the same thing everywhere.

import type { Status } from "../core/status.js";

type DoctorCommand = "build-log" | "env";

/** One source line, as written (colour codes removed). */
export interface SourceLine {
  line: number;
  text: string;
}

export interface DoctorFinding {
  /** Stable id of the cause (build-log) or rule (env): what pipelines filter on. Never renamed. */
  id: string;
  status: Status;
  title: string;
  message: string;
  /** The file the finding is in (an env spec can name a conda file and a Dockerfile). */
  file: string;
  /** 1-based line the finding is anchored to. */
  line: number;
  /** The anchor line and the lines around it that explain it. */
  excerpt: SourceLine[];
  /** What to do about it. */
  fix: string;
  /** Packages named by the finding (build-log: the missing one first, then what pulled it in). */
  packages?: string[];
  /** The values that decided, for a support engineer (never a secret). */
  evidence: Record<string, string | number | boolean | string[]>;
  /** A service-side cause: the audit checks that look at it, and the command that runs them. */
  related?: { checks: string[]; command: string };
}

export interface DoctorReport {
  schemaVersion: 1;
  tool: { name: string; version: string };
  command: DoctorCommand;
  /** What was read: the path as given (`-` for stdin) and what kind of file it was taken for. */
  source: { path: string; kind: SourceKind; lines: number };
  /** Every further file read (an Azure ML environment's conda file and Dockerfile). */
  files: { path: string; kind: SourceKind; lines: number }[];
  summary: Record<Status, number>;
  findings: DoctorFinding[];
  /** build-log: did the log show the build failing, succeeding, or neither (a fragment)? */
  outcome?: "failed" | "succeeded" | "not shown";
  /** build-log with no known cause: the last lines that look like errors, never a guess. */
  lastErrorLines?: SourceLine[];
  /** env --check-index: which indexes were asked and how many requests it took. */
  index?: { pip: string[]; conda: string[]; requests: number };
}

export type SourceKind = "build-log" | "conda" | "requirements" | "dockerfile" | "azureml-environment";
