// What the fake package index serves (the scenario format, documented on FakeIndexScenario), as read and
// checked from a JSON file.

import { readScenarioJson } from "../fake-arm/loopback.js";

/** One file of a PyPI project, as its PEP 691 entry (the fake fills in `url`, `hashes`, `size`). */
export interface FakePypiFile {
  filename: string;
  "requires-python"?: string;
  /** PEP 592: true, or the reason as a string. */
  yanked?: boolean | string;
  hashes?: Record<string, string>;
}

export interface FakePypiProject {
  files: FakePypiFile[];
  /** PEP 700 `versions`; default: the versions in the filenames. */
  versions?: string[];
}

interface FakePypiIndex {
  /** Projects by name; looked up PEP 503-normalised. */
  projects: Record<string, FakePypiProject>;
  /** `html`: answer PEP 503 HTML whatever the Accept header asks (an index without PEP 691). Default `json`. */
  format?: "json" | "html";
}

/** A conda package record as in repodata.json; the fake fills in depends, md5, sha256, size, subdir, timestamp. */
export interface FakeCondaRecord {
  name: string;
  version: string;
  build: string;
  [field: string]: unknown;
}

/** A fault injected into requests whose method and path match (the fake ARM's fault model). */
export interface FakeIndexFault {
  /** Regular expression matched case-insensitively against the URL path without the query string. */
  path: string;
  /** HTTP method to match (case-insensitive); absent: any. */
  method?: string;
  /** Status to answer with; absent: answer normally (after `delayMs`), or 200 when `body` is set. */
  status?: number;
  /** Only the first N matching requests get this fault; 0 or absent: every one. */
  times?: number;
  /** Wait this long before answering (or resetting). */
  delayMs?: number;
  /** Seconds, sent as Retry-After. */
  retryAfter?: number;
  /** Destroy the connection without answering. */
  reset?: boolean;
  /** Raw response body, sent with `status` or 200. */
  body?: string;
  /** Extra response headers (a `location` for a redirect); `{port}` in a value becomes the fake's port. */
  headers?: Record<string, string>;
}

/**
 * What the fake index serves, as read from a JSON file:
 *
 * ```json
 * {
 *   "pypi": {
 *     "simple": { "projects": { "numpy": { "files": [
 *       { "filename": "numpy-1.26.4-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
 *         "requires-python": ">=3.9", "yanked": false } ] } } },
 *     "private/simple": { "format": "html", "projects": { "internal-lib": { "files": [ { "filename": "internal_lib-2.0-py3-none-any.whl" } ] } } }
 *   },
 *   "conda": {
 *     "conda-forge": {
 *       "linux-64": { "numpy-1.26.4-py310h5f9d8c6_0.conda": { "name": "numpy", "version": "1.26.4", "build": "py310h5f9d8c6_0" } },
 *       "noarch": { "tqdm-4.66.1-pyhd8ed1ab_0.conda": { "name": "tqdm", "version": "4.66.1", "build": "pyhd8ed1ab_0" } }
 *     }
 *   },
 *   "auth": { "private": "user:s3cret" },
 *   "faults": [ { "path": "^/simple/numpy/$", "status": 503, "times": 1, "retryAfter": 0 } ]
 * }
 * ```
 *
 * - `pypi`: simple indexes by path. `GET /<index path>/<name>/` answers PEP 691 JSON (api-version 1.1: `name`,
 *   `files` with absolute `url`, `hashes`, `requires-python`, `yanked`, `size`; `versions`) when Accept asks for
 *   `application/vnd.pypi.simple.v1+json`, PEP 503 HTML otherwise. Names are looked up PEP 503-normalised; a
 *   non-normalised name or a missing trailing slash is redirected (301), as PyPI does; an unknown project is 404.
 * - `conda`: channels by path, then subdirs. `GET /<channel path>/<subdir>/repodata.json` answers `info`,
 *   `packages` (the `.tar.bz2` files), `packages.conda` (the `.conda` files), `removed`, `repodata_version`.
 *   Unknown channel or subdir: 404.
 * - `auth`: path prefixes (without the leading `/`) that want HTTP Basic `user:password`; otherwise 401.
 * - `faults`: as in the fake ARM; looked at before anything else.
 *
 * Any 200 answer is gzip-compressed (`Content-Encoding: gzip`) when the request's Accept-Encoding allows it.
 */
export interface FakeIndexScenario {
  pypi?: Record<string, FakePypiIndex>;
  conda?: Record<string, Record<string, Record<string, FakeCondaRecord>>>;
  auth?: Record<string, string>;
  faults?: FakeIndexFault[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Checks the parts of a scenario the server relies on; throws naming the first problem. */
function parseFakeIndexScenario(value: unknown, source = "scenario"): FakeIndexScenario {
  if (!isRecord(value)) throw new Error(`${source}: must be a JSON object`);
  for (const [path, index] of Object.entries(isRecord(value.pypi) ? value.pypi : {})) {
    if (!isRecord(index) || !isRecord(index.projects))
      throw new Error(`${source}: pypi["${path}"] must be an object with "projects"`);
    for (const [name, project] of Object.entries(index.projects)) {
      if (
        !isRecord(project) ||
        !Array.isArray(project.files) ||
        !project.files.every((file) => isRecord(file) && typeof file.filename === "string")
      ) {
        throw new Error(`${source}: pypi["${path}"].projects["${name}"].files must be an array of { "filename": ... }`);
      }
    }
  }
  if (value.pypi !== undefined && !isRecord(value.pypi))
    throw new Error(`${source}: pypi must be an object keyed by index path`);
  if (value.conda !== undefined && !isRecord(value.conda))
    throw new Error(`${source}: conda must be an object keyed by channel path`);
  for (const [channel, subdirs] of Object.entries(isRecord(value.conda) ? value.conda : {})) {
    if (!isRecord(subdirs)) throw new Error(`${source}: conda["${channel}"] must be an object keyed by subdir`);
    for (const [subdir, packages] of Object.entries(subdirs)) {
      if (!isRecord(packages))
        throw new Error(`${source}: conda["${channel}"]["${subdir}"] must be an object keyed by filename`);
      for (const [filename, record] of Object.entries(packages)) {
        if (
          !isRecord(record) ||
          typeof record.name !== "string" ||
          typeof record.version !== "string" ||
          typeof record.build !== "string"
        ) {
          throw new Error(
            `${source}: conda["${channel}"]["${subdir}"]["${filename}"] needs string name, version and build`,
          );
        }
      }
    }
  }
  if (
    value.auth !== undefined &&
    (!isRecord(value.auth) || !Object.values(value.auth).every((entry) => typeof entry === "string"))
  ) {
    throw new Error(`${source}: auth must map path prefixes to "user:password"`);
  }
  const faults = value.faults ?? [];
  if (!Array.isArray(faults)) throw new Error(`${source}: faults must be an array`);
  faults.forEach((fault: unknown, index) => {
    if (!isRecord(fault) || typeof fault.path !== "string")
      throw new Error(`${source}: faults[${index}].path must be a string (a regular expression)`);
    try {
      new RegExp(fault.path, "i");
    } catch (error) {
      throw new Error(
        `${source}: faults[${index}].path is not a valid regular expression: ${(error as Error).message}`,
        { cause: error },
      );
    }
  });
  return value;
}

export async function loadFakeIndexScenario(path: string): Promise<FakeIndexScenario> {
  return parseFakeIndexScenario(await readScenarioJson(path), path);
}
