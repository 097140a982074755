// `preflight env --check-index`: are the pinned packages on the indexes the build will use? Asks PyPI-style
// indexes (the PEP 691 JSON simple API, PEP 503 HTML as a fallback) and conda channels (`repodata.json`)
// the way pip and conda would, and says per pin: there, missing, there but not installable on the target,
// or not known (the index did not answer). It only reads; credentials in index URLs are sent, never shown.
//
// This file: what the client is asked and what it answers.

/** A pip requirement pinned with `name==version` (or `===`). */
export interface PipPin {
  name: string;
  version: string;
  /** `==` (PEP 440 equality, the default) or `===` (string equality). */
  operator?: "==" | "===";
  line: number;
  file: string;
  /** PEP 508 marker; a pin whose marker is false on the target is not looked up. */
  marker?: string;
}

/**
 * A conda spec pinned to a version: `name=1.2` (fuzzy: 1.2 and 1.2.*), `name==1.2.3` (exact),
 * `name=1.2.3=py310h1234_0` (with a build string, `*` allowed), `channel::name=1.2` (only that channel).
 */
export interface CondaPin {
  name: string;
  version: string;
  build?: string;
  channel?: string;
  line: number;
  file: string;
  exact: boolean;
}

export interface IndexTarget {
  /** CPython of the image, "3.10"; undefined when not known (any Python tag is then accepted). */
  python?: string;
  /** Conda platform subdir, "linux-64". */
  condaSubdir: string;
  platform: "linux_x86_64" | "linux_aarch64";
  /** glibc of the base image, "2.31". */
  glibc: string;
}

export interface PackageIndexOptions {
  /** First: `--index-url`; the rest: `--extra-index-url`s. pip consults them all. Empty: pypi.org. */
  pipIndexUrls: string[];
  /** Channel names or URLs, highest priority first; `defaults` stands for `condaDefaultChannels`. */
  condaChannels: string[];
  /** What channel names resolve against: `conda-forge` -> `<alias>/conda-forge`. */
  condaChannelAlias: string;
  /** The channels `defaults` means. */
  condaDefaultChannels: string[];
  /** PEM of a CA to trust besides the system's (a private index, a TLS-inspecting proxy). */
  ca?: string;
  /** Per request: time to the response headers, and the longest pause while a body streams in. */
  requestTimeoutMs: number;
  /** Retries after the first attempt (5xx, 408, 429, dropped connections). */
  retries: number;
  /** Requests in flight at once; default 8. */
  concurrency?: number;
  /** Base of the exponential back-off between retries; default 1000. */
  retryDelayMs?: number;
  /** Longest Retry-After waited for; a longer one ends the request; default 10 000. */
  maxRetryAfterMs?: number;
}

type IndexVerdictId =
  "package-missing-from-index" | "package-no-compatible-file" | "package-index-unreachable" | "package-on-index";

export interface IndexVerdict {
  pin: PipPin | CondaPin;
  kind: "pip" | "conda";
  id: IndexVerdictId;
  /** `skip` (with id package-on-index): a pip pin whose marker excludes the target, not looked up. */
  status: "pass" | "fail" | "warn" | "unknown" | "skip";
  message: string;
  /** What decided; URLs without credentials. */
  evidence: Record<string, string | number | boolean | string[]>;
}

/** A verdict as a check writes it, before the client adds the pin and hides the credentials. */
export type VerdictDraft = Pick<IndexVerdict, "id" | "status" | "message" | "evidence">;
