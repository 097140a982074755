// The fake package index's answers: PyPI simple project pages (PEP 691 JSON or PEP 503 HTML), conda
// repodata.json, and plain-text statuses.

import { createHash } from "node:crypto";
import type { FakeCondaRecord, FakePypiProject } from "./scenario.js";

/** An answer before it is sent (and perhaps gzip-compressed). */
export interface Reply {
  status: number;
  body: string;
  contentType: string;
  headers?: Record<string, string>;
}

export const JSON_SIMPLE = "application/vnd.pypi.simple.v1+json";

export function text(status: number, body: string, headers?: Record<string, string>): Reply {
  return { status, body, contentType: "text/plain; charset=utf-8", ...(headers ? { headers } : {}) };
}

export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, "-");
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

/** A project found in an index: where the index lives, how it answers, and the project as the scenario names it. */
export interface FoundProject {
  /** The index's path, without leading or trailing slashes. */
  indexPath: string;
  format: "json" | "html";
  name: string;
  project: FakePypiProject;
}

/** A project's page: PEP 691 JSON when asked for and the index speaks it, PEP 503 HTML otherwise. */
export function projectPage(found: FoundProject, wantsJson: boolean, baseUrl: string): Reply {
  const { indexPath, format, name, project } = found;
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

/** A conda subdir's repodata.json: `.conda` files under `packages.conda`, the others under `packages`. */
export function repodata(subdir: string, packages: Record<string, FakeCondaRecord>): Reply {
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
