// A fake package index for `preflight env --check-index` tests: PyPI-style simple indexes (PEP 691 JSON,
// PEP 503 HTML) and conda channels (repodata.json), over HTTPS on 127.0.0.1 with a fresh self-signed
// certificate, with injected faults and a log of every request.

import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { gzipSync } from "node:zlib";
import { createServerCertificate } from "../fake-arm/cert.js";
import { listenOnLoopback, readScenarioJson } from "../fake-arm/loopback.js";

/** One file of a PyPI project, as its PEP 691 entry (the fake fills in `url`, `hashes`, `size`). */
export interface FakePypiFile {
  filename: string;
  "requires-python"?: string;
  /** PEP 592: true, or the reason as a string. */
  yanked?: boolean | string;
  hashes?: Record<string, string>;
}

interface FakePypiProject {
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
interface FakeCondaRecord {
  name: string;
  version: string;
  build: string;
  [field: string]: unknown;
}

/** A fault injected into requests whose method and path match (the fake ARM's fault model). */
interface FakeIndexFault {
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

interface FakeIndexRequest {
  method: string;
  /** URL path with its query string, as sent. */
  path: string;
  /** Status sent; 0 when the connection was reset without an answer. */
  status: number;
  accept?: string;
  acceptEncoding?: string;
  /** `gzip` when the answer was compressed. */
  contentEncoding?: string;
  /** The Authorization header as received (the fake's own test credentials only). */
  authorization?: string;
}

export interface FakeIndex {
  /** `https://127.0.0.1:PORT`, no trailing slash. */
  url: string;
  /** Absolute path of the PEM file to trust. */
  caFile: string;
  /** The same certificate, for a client's `ca`. */
  ca: string;
  /** Every request answered (or reset) so far, in order. */
  requests: FakeIndexRequest[];
  /** Stops listening, drops open connections and removes the certificate's temp dir. */
  close(): Promise<void>;
}

export interface FakeIndexOptions {
  /** Added delay before every answer. */
  latencyMs?: number;
}

interface Reply {
  status: number;
  body: string;
  contentType: string;
  headers?: Record<string, string>;
}

const JSON_SIMPLE = "application/vnd.pypi.simple.v1+json";

function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, "-");
}

function trimSlashes(path: string): string {
  return path.replace(/^\/+|\/+$/g, "");
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** The version in a wheel or sdist filename, independently of the client's parser. */
function filenameVersion(filename: string): string | undefined {
  if (filename.endsWith(".whl")) return filename.split("-")[1];
  const stem = /^(.*)\.(tar\.gz|tar\.bz2|tgz|zip)$/.exec(filename)?.[1];
  return stem === undefined ? undefined : stem.slice(stem.lastIndexOf("-") + 1);
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
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

export async function startFakeIndex(scenario: FakeIndexScenario, options: FakeIndexOptions = {}): Promise<FakeIndex> {
  const latencyMs = options.latencyMs ?? 0;
  const pypi = new Map<
    string,
    { format: "json" | "html"; projects: Map<string, { name: string; project: FakePypiProject }> }
  >();
  for (const [path, index] of Object.entries(scenario.pypi ?? {})) {
    const projects = new Map<string, { name: string; project: FakePypiProject }>();
    for (const [name, project] of Object.entries(index.projects)) projects.set(normalizeName(name), { name, project });
    pypi.set(trimSlashes(path), { format: index.format ?? "json", projects });
  }
  // Longest first, so `private/simple` is not taken for a project of an index at `private`.
  const pypiPaths = [...pypi.keys()].sort((a, b) => b.length - a.length);
  const conda = new Map<string, Record<string, Record<string, FakeCondaRecord>>>();
  for (const [path, subdirs] of Object.entries(scenario.conda ?? {})) conda.set(trimSlashes(path), subdirs);
  const auth = Object.entries(scenario.auth ?? {}).map(([prefix, credentials]) => ({
    prefix: `/${trimSlashes(prefix)}/`,
    expected: `Basic ${Buffer.from(credentials).toString("base64")}`,
  }));
  const faults = (scenario.faults ?? []).map((fault) => ({ fault, pattern: new RegExp(fault.path, "i"), matches: 0 }));

  const certificate = await createServerCertificate();
  const requests: FakeIndexRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let baseUrl = "";
  let closed = false;

  function sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });
  }

  function text(status: number, body: string, headers?: Record<string, string>): Reply {
    return { status, body, contentType: "text/plain; charset=utf-8", ...(headers ? { headers } : {}) };
  }

  function takeFault(method: string, path: string): FakeIndexFault | undefined {
    for (const active of faults) {
      if (active.fault.method !== undefined && active.fault.method.toUpperCase() !== method) continue;
      if (!active.pattern.test(path)) continue;
      const times = active.fault.times ?? 0;
      if (times > 0 && active.matches >= times) continue;
      active.matches += 1;
      return active.fault;
    }
    return undefined;
  }

  function projectPage(
    indexPath: string,
    format: "json" | "html",
    name: string,
    project: FakePypiProject,
    wantsJson: boolean,
  ): Reply {
    const files = project.files.map((file) => ({
      filename: file.filename,
      url: `${baseUrl}/files/${indexPath}/${encodeURIComponent(file.filename)}`,
      hashes: file.hashes ?? { sha256: sha256(file.filename) },
      ...(file["requires-python"] !== undefined ? { "requires-python": file["requires-python"] } : {}),
      yanked: file.yanked ?? false,
      size: 1000 + file.filename.length,
    }));
    if (wantsJson && format === "json") {
      const versions = project.versions ?? [
        ...new Set(
          project.files.map((file) => filenameVersion(file.filename)).filter((version) => version !== undefined),
        ),
      ];
      const body = { meta: { "api-version": "1.1" }, name: normalizeName(name), files, versions };
      return { status: 200, body: JSON.stringify(body), contentType: JSON_SIMPLE };
    }
    const anchors = files.map((file) => {
      const attributes = [`href="${escapeHtml(`${file.url}#sha256=${file.hashes.sha256 ?? ""}`)}"`];
      if (file["requires-python"] !== undefined)
        attributes.push(`data-requires-python="${escapeHtml(file["requires-python"])}"`);
      if (file.yanked !== false)
        attributes.push(file.yanked === true ? "data-yanked" : `data-yanked="${escapeHtml(file.yanked)}"`);
      return `    <a ${attributes.join(" ")}>${escapeHtml(file.filename)}</a><br/>`;
    });
    const body = `<!DOCTYPE html>\n<html>\n  <head><meta name="pypi:repository-version" content="1.1"><title>Links for ${escapeHtml(name)}</title></head>\n  <body>\n    <h1>Links for ${escapeHtml(name)}</h1>\n${anchors.join("\n")}\n  </body>\n</html>\n`;
    // An index without PEP 691 answers plain text/html, as old servers do.
    return {
      status: 200,
      body,
      contentType: format === "html" ? "text/html; charset=utf-8" : "application/vnd.pypi.simple.v1+html",
    };
  }

  function repodata(subdir: string, packages: Record<string, FakeCondaRecord>): Reply {
    const tarBz2: Record<string, unknown> = {};
    const condaFormat: Record<string, unknown> = {};
    for (const [filename, record] of Object.entries(packages)) {
      const entry = {
        build_number: 0,
        depends: [],
        license: "BSD-3-Clause",
        md5: createHash("md5").update(filename).digest("hex"),
        sha256: sha256(filename),
        size: 1000 + filename.length,
        subdir,
        timestamp: 1_700_000_000_000,
        ...record,
      };
      if (filename.endsWith(".conda")) condaFormat[filename] = entry;
      else tarBz2[filename] = entry;
    }
    const body = {
      info: { subdir },
      packages: tarBz2,
      "packages.conda": condaFormat,
      removed: [],
      repodata_version: 1,
    };
    return { status: 200, body: JSON.stringify(body), contentType: "application/json" };
  }

  function answer(method: string, path: string, accept: string): Reply {
    if (method !== "GET" && method !== "HEAD")
      return text(405, `The fake index is read-only: ${method} is not allowed.\n`);
    const condaMatch = /^\/(.+)\/([^/]+)\/repodata\.json$/.exec(path);
    if (condaMatch) {
      const packages = conda.get(condaMatch[1] ?? "")?.[condaMatch[2] ?? ""];
      return packages ? repodata(condaMatch[2] ?? "", packages) : text(404, "Not Found\n");
    }
    for (const indexPath of pypiPaths) {
      const prefix = `/${indexPath}/`;
      if (!path.startsWith(prefix)) continue;
      const index = pypi.get(indexPath);
      const rest = /^([^/]+)(\/?)$/.exec(path.slice(prefix.length));
      if (!index || !rest) continue;
      const requested = rest[1] ?? "";
      const normalized = normalizeName(requested);
      if (normalized !== requested || rest[2] !== "/")
        return text(301, "Moved Permanently\n", { location: `${baseUrl}${prefix}${normalized}/` });
      const entry = index.projects.get(normalized);
      if (!entry) return text(404, "Not Found\n");
      return projectPage(indexPath, index.format, entry.name, entry.project, accept.includes(JSON_SIMPLE));
    }
    return text(404, "Not Found\n");
  }

  function record(entry: FakeIndexRequest): void {
    requests.push(entry);
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const method = (request.method ?? "GET").toUpperCase();
    const target = request.url ?? "/";
    const rawPath = target.split("?")[0] ?? "/";
    let path = rawPath;
    try {
      path = decodeURIComponent(rawPath);
    } catch {
      // Left raw: it matches nothing and answers 404.
    }
    const accept = request.headers.accept ?? "";
    const acceptEncoding = request.headers["accept-encoding"] ?? "";
    const authorization = request.headers.authorization;
    request.resume();

    const fault = takeFault(method, path);
    let reply: Reply | "reset";
    if (fault?.reset) {
      reply = "reset";
    } else if (fault && (fault.status !== undefined || fault.body !== undefined)) {
      reply = text(fault.status ?? 200, fault.body ?? `Fault injected by the fake index for ${fault.path}.\n`);
    } else {
      const required = auth.find((entry) => path.startsWith(entry.prefix));
      reply =
        required && authorization !== required.expected
          ? text(401, "Unauthorized\n", { "www-authenticate": 'Basic realm="fake index"' })
          : answer(method, path, accept);
    }
    if (fault?.retryAfter !== undefined && reply !== "reset")
      reply.headers = { ...reply.headers, "retry-after": String(fault.retryAfter) };
    if (fault?.headers !== undefined && reply !== "reset") {
      const port = baseUrl.slice(baseUrl.lastIndexOf(":") + 1);
      for (const [name, value] of Object.entries(fault.headers))
        reply.headers = { ...reply.headers, [name]: value.split("{port}").join(port) };
    }
    await sleep(latencyMs + (fault?.delayMs ?? 0));
    if (closed) return;

    const logged: FakeIndexRequest = {
      method,
      path: target,
      status: reply === "reset" ? 0 : reply.status,
      ...(accept ? { accept } : {}),
      ...(acceptEncoding ? { acceptEncoding } : {}),
      ...(authorization ? { authorization } : {}),
    };
    if (reply === "reset") {
      record(logged);
      request.socket.destroy();
      return;
    }
    let body: Buffer = Buffer.from(reply.body, "utf8");
    const headers: Record<string, string | number> = { "content-type": reply.contentType, ...reply.headers };
    if (reply.status === 200 && /\bgzip\b/i.test(acceptEncoding)) {
      body = gzipSync(body);
      headers["content-encoding"] = "gzip";
      logged.contentEncoding = "gzip";
    }
    headers["content-length"] = body.length;
    record(logged);
    response.writeHead(reply.status, headers);
    response.end(method === "HEAD" ? undefined : body);
  }

  const server = await listenOnLoopback(certificate, (request, response) => {
    void handle(request, response);
  });
  baseUrl = server.url;

  let closing: Promise<void> | undefined;
  async function close(): Promise<void> {
    closed = true;
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
    await server.stop();
    await certificate.dispose();
  }

  return {
    url: baseUrl,
    caFile: certificate.caFile,
    ca: certificate.certPem,
    requests,
    close: () => (closing ??= close()),
  };
}
