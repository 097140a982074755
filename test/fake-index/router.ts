// The fake package index's routes: the paths that want credentials, conda channels' repodata.json and
// PyPI simple indexes' project pages.

import { JSON_SIMPLE, normalizeName, projectPage, repodata, text, type Reply } from "./pages.js";
import type { FakeCondaRecord, FakeIndexScenario, FakePypiProject } from "./scenario.js";

function trimSlashes(path: string): string {
  return path.replace(/^\/+|\/+$/g, "");
}

interface PypiIndex {
  format: "json" | "html";
  /** By PEP 503-normalised name: the name as the scenario spells it, and the project. */
  projects: Map<string, { name: string; project: FakePypiProject }>;
}

export class IndexRouter {
  /** `https://127.0.0.1:PORT` once the server listens: file URLs and redirects point here. */
  baseUrl = "";
  /** Simple indexes by path without slashes. */
  private readonly pypi = new Map<string, PypiIndex>();
  /** The index paths, longest first. */
  private readonly pypiPaths: string[];
  /** Channels by path without slashes: subdir -> filename -> record. */
  private readonly conda = new Map<string, Record<string, Record<string, FakeCondaRecord>>>();
  /** Path prefixes (`/prefix/`) and the Authorization header each wants. */
  private readonly auth: { prefix: string; expected: string }[];

  constructor(scenario: FakeIndexScenario) {
    for (const [path, index] of Object.entries(scenario.pypi ?? {})) {
      const projects = new Map<string, { name: string; project: FakePypiProject }>();
      for (const [name, project] of Object.entries(index.projects))
        projects.set(normalizeName(name), { name, project });
      this.pypi.set(trimSlashes(path), { format: index.format ?? "json", projects });
    }
    // Longest first, so `private/simple` is not taken for a project of an index at `private`.
    this.pypiPaths = [...this.pypi.keys()].sort((a, b) => b.length - a.length);
    for (const [path, subdirs] of Object.entries(scenario.conda ?? {})) this.conda.set(trimSlashes(path), subdirs);
    this.auth = Object.entries(scenario.auth ?? {}).map(([prefix, credentials]) => ({
      prefix: `/${trimSlashes(prefix)}/`,
      expected: `Basic ${Buffer.from(credentials).toString("base64")}`,
    }));
  }

  /** 401 when the path wants credentials the request lacks; otherwise the path's answer. */
  answer(method: string, path: string, accept: string, authorization: string | undefined): Reply {
    const required = this.auth.find((entry) => path.startsWith(entry.prefix));
    return required && authorization !== required.expected
      ? text(401, "Unauthorized\n", { "www-authenticate": 'Basic realm="fake index"' })
      : this.route(method, path, accept);
  }

  private route(method: string, path: string, accept: string): Reply {
    if (method !== "GET" && method !== "HEAD")
      return text(405, `The fake index is read-only: ${method} is not allowed.\n`);
    const condaMatch = /^\/(.+)\/([^/]+)\/repodata\.json$/.exec(path);
    if (condaMatch) {
      const packages = this.conda.get(condaMatch[1] ?? "")?.[condaMatch[2] ?? ""];
      return packages ? repodata(condaMatch[2] ?? "", packages) : text(404, "Not Found\n");
    }
    for (const indexPath of this.pypiPaths) {
      const prefix = `/${indexPath}/`;
      if (!path.startsWith(prefix)) continue;
      const index = this.pypi.get(indexPath);
      const rest = /^([^/]+)(\/?)$/.exec(path.slice(prefix.length));
      if (!index || !rest) continue;
      const requested = rest[1] ?? "";
      const normalized = normalizeName(requested);
      if (normalized !== requested || rest[2] !== "/")
        return text(301, "Moved Permanently\n", { location: `${this.baseUrl}${prefix}${normalized}/` });
      const entry = index.projects.get(normalized);
      if (!entry) return text(404, "Not Found\n");
      const found = { indexPath, format: index.format, name: entry.name, project: entry.project };
      return projectPage(found, accept.includes(JSON_SIMPLE), this.baseUrl);
    }
    return text(404, "Not Found\n");
  }
}
