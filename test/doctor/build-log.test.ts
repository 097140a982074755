// The build-log doctor against its corpus: realistic logs written for this project, each with the
// findings it must give in expected.json (ids, anchor lines, packages). Clean logs must give none.

import { stripVTControlCharacters } from "node:util";
import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { analyzeBuildLog } from "../../src/doctor/build-log/analyze.js";
import { CAUSES, CAUSE_IDS } from "../../src/doctor/build-log/causes.js";
import { looksLikeError, outcomeOf, toLogLines } from "../../src/doctor/build-log/log.js";
import { ROOT } from "../e2e/run-cli.js";

const CORPUS = join(ROOT, "test", "fixtures", "build-logs");

interface Expected {
  description: string;
  findings: { id: string; line: number; packages?: string[] }[];
  lastErrorLine?: number;
}

const expected = JSON.parse(await readFile(join(CORPUS, "expected.json"), "utf8")) as Record<string, Expected>;
const logs = (await readdir(CORPUS)).filter((name) => name.endsWith(".log")).sort();

async function analyse(name: string) {
  const text = await readFile(join(CORPUS, name), "utf8");
  return { text, report: analyzeBuildLog(text, { path: name, toolVersion: "test" }) };
}

describe("corpus", () => {
  test("every log has expectations and every expectation a log", () => {
    expect(Object.keys(expected).sort()).toEqual(logs);
  });

  test.each(logs)("%s", async (name) => {
    const { text, report } = await analyse(name);
    const want = expected[name];
    expect(want, `${name} has no entry in expected.json`).toBeDefined();
    if (!want) return;
    expect(report.findings.map(({ id, line }) => ({ id, line }))).toEqual(
      want.findings.map(({ id, line }) => ({ id, line })),
    );
    for (const [index, finding] of want.findings.entries()) {
      if (finding.packages) expect(report.findings[index]?.packages ?? []).toEqual(finding.packages);
    }
    // The excerpt shows the anchor line exactly as the file has it (colour codes removed).
    const fileLines = text.split("\n");
    for (const finding of report.findings) {
      const anchor = finding.excerpt.find((line) => line.line === finding.line);
      expect(anchor, `${finding.id} excerpt lacks line ${finding.line}`).toBeDefined();
      expect(stripVTControlCharacters(fileLines[finding.line - 1]?.replace(/\r$/, "") ?? "")).toContain(
        anchor?.text.trim().slice(0, 40) ?? "",
      );
      expect(finding.fix.length).toBeGreaterThan(20);
    }
    if (want.lastErrorLine !== undefined) {
      expect(report.lastErrorLines?.at(-1)?.line).toBe(want.lastErrorLine);
      expect(report.findings.at(-1)?.status).toBe("unknown");
    }
    if (want.findings.length === 0) expect(report.summary).toMatchObject({ fail: 0, unknown: 0, warn: 0 });
  });

  test("every cause is recognised in at least one log, and clean logs exist", () => {
    const seen = new Set(Object.values(expected).flatMap((entry) => entry.findings.map((finding) => finding.id)));
    for (const id of [...CAUSE_IDS, "no-known-cause"]) expect(seen, `no corpus log for ${id}`).toContain(id);
    expect(Object.values(expected).filter((entry) => entry.findings.length === 0).length).toBeGreaterThanOrEqual(4);
  });
});

describe("reading a log", () => {
  const failed = "The command '/bin/sh -c conda env create -f env.yml' returned a non-zero code: 1";

  test("BuildKit prefixes, ACR timestamps, colour codes and CRLF do not hide a cause", () => {
    const log = [
      "#9 [5/9] RUN conda env create -f env.yml",
      "#9 41.20 \u001b[91mERROR: Could not find a version that satisfies the requirement torchx==9.9 (from versions: 0.1.0, 0.2.0)\u001b[0m",
      "2024/03/11 09:15:41 ERROR: No matching distribution found for torchx==9.9",
      failed,
    ].join("\r\n");
    const report = analyzeBuildLog(log, { path: "-", toolVersion: "test" });
    expect(report.findings).toMatchObject([
      { id: "pip-package-not-found", line: 2, packages: ["torchx"], evidence: { versionsOnIndex: "0.1.0, 0.2.0" } },
    ]);
    const lastLine = report.findings[0]?.excerpt.at(-1)?.text ?? "";
    expect([lastLine.includes("\u001b"), lastLine.includes("\r")]).toEqual([false, false]);
  });

  test("a recovered pip retry is noise in a build that succeeded and the lead in one that failed", () => {
    const retry =
      "WARNING: Retrying (Retry(total=4, connect=None, read=None, redirect=None, status=None)) after connection broken by 'ReadTimeoutError(\"HTTPSConnectionPool(host='pypi.org', port=443): Read timed out. (read timeout=15)\")': /simple/torch/";
    const succeeded = analyzeBuildLog(
      [retry, "Successfully installed torch-2.1.0", "Successfully built 3f2a9c1b7d4e"].join("\n"),
      { path: "-", toolVersion: "test" },
    );
    expect(succeeded.findings).toEqual([]);
    expect(succeeded.outcome).toBe("succeeded");
    const failedRun = analyzeBuildLog(
      [
        retry,
        "ERROR: Could not find a version that satisfies the requirement torch==2.1.0 (from versions: none)",
        failed,
      ].join("\n"),
      { path: "-", toolVersion: "test" },
    );
    expect(failedRun.findings.map((finding) => finding.id)).toEqual(["network-timeout"]);
    expect(failedRun.findings[0]?.evidence).toMatchObject({ hosts: ["pypi.org"], thenNotFound: ["torch"] });
  });

  test("pip's old '(from -r file (line 3))' names a file, not a package that pulled it in", () => {
    const report = analyzeBuildLog(
      [
        "ERROR: Could not find a version that satisfies the requirement azureml-foo==0.0.1 (from -r /azureml-environment-setup/condaenv.x.requirements.txt (line 3)) (from versions: none)",
        failed,
      ].join("\n"),
      { path: "-", toolVersion: "test" },
    );
    expect(report.findings[0]).toMatchObject({
      id: "pip-package-not-found",
      packages: ["azureml-foo"],
      evidence: { requiredBy: "-r /azureml-environment-setup/condaenv.x.requirements.txt (line 3)" },
    });
  });

  test("registry causes point at the audit checks, with the workspace filled in when given", () => {
    const log = [
      "Step 1/9 : FROM 3b1c9e0d2f7a.azurecr.io/azureml/base:1",
      "unauthorized: authentication required, visit https://aka.ms/acr/authorization for more information.",
      failed,
    ].join("\n");
    const report = analyzeBuildLog(log, { path: "-", toolVersion: "test", workspace: "ml-prod" });
    expect(report.findings[0]).toMatchObject({
      id: "registry-unauthorized",
      evidence: { registry: "3b1c9e0d2f7a.azurecr.io" },
      related: { checks: ["key-sync"], command: "preflight --workspace ml-prod --only key-sync" },
    });
    const unresolved = analyzeBuildLog("dial tcp: lookup 3b1c9e0d2f7a.azurecr.io on 168.63.129.16:53: no such host\n", {
      path: "-",
      toolVersion: "test",
    });
    expect(unresolved.findings[0]?.related?.checks).toEqual([
      "private-dns",
      "subnet-colocation",
      "acr-vnet-image-build",
    ]);
    // A host that is not a registry (pip's index) is not a registry problem.
    expect(analyzeBuildLog("Could not resolve host: pypi.org\n", { path: "-", toolVersion: "test" }).findings).toEqual(
      [],
    );
  });

  test("a timeout talking to Microsoft's registry points at the NSG and route checks; one talking to PyPI does not", () => {
    const failed =
      "ERROR: failed to solve: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:20240226.v1: failed to resolve source metadata";
    const mcr = analyzeBuildLog(`Get "https://mcr.microsoft.com/v2/": net/http: TLS handshake timeout\n${failed}\n`, {
      path: "-",
      toolVersion: "test",
    });
    expect(mcr.findings[0]).toMatchObject({
      id: "network-timeout",
      evidence: { hosts: ["mcr.microsoft.com"] },
      related: { checks: ["service-tags-outbound", "required-outbound", "forced-tunneling"] },
    });
    expect(mcr.findings[0]?.fix).toContain("MicrosoftContainerRegistry");
    const pypi = analyzeBuildLog(
      `pip._vendor.urllib3.exceptions.ReadTimeoutError: HTTPSConnectionPool(host='files.pythonhosted.org', port=443): Read timed out.\n${failed}\n`,
      { path: "-", toolVersion: "test" },
    );
    expect(pypi.findings[0]?.related).toBeUndefined();
  });

  test("pip 25's resolution-too-deep is the endless backtracking too", () => {
    const log = [
      "INFO: pip is looking at multiple versions of langchain to determine which version is compatible with other requirements. This could take a while.",
      "error: resolution-too-deep",
      "",
      "× Dependency resolution exceeded maximum depth",
      "The command '/bin/sh -c pip install -r requirements.txt' returned a non-zero code: 1",
    ].join("\n");
    const report = analyzeBuildLog(log, { path: "-", toolVersion: "test" });
    expect(report.findings).toMatchObject([{ id: "pip-resolver-backtracking", line: 2, packages: ["langchain"] }]);
  });

  test("a failed build with nothing recognised shows its last error lines and guesses nothing", () => {
    const report = analyzeBuildLog(
      [
        "Step 4/9 : RUN make all",
        "make: *** [Makefile:12: all] Error 2",
        failed,
        "failed to run step ID: acb_step_0: exit status 1",
      ].join("\n"),
      { path: "-", toolVersion: "test" },
    );
    expect(report.findings).toHaveLength(1);
    expect(report.findings[0]).toMatchObject({ id: "no-known-cause", status: "unknown", line: 2 });
    expect(report.lastErrorLines?.map((line) => line.line)).toEqual([2]);
  });

  test("a fragment that does not show the build ending, with nothing in it, is quiet", () => {
    const report = analyzeBuildLog("Collecting numpy==1.26.4\n  Downloading numpy-1.26.4.whl (18.2 MB)\n", {
      path: "-",
      toolVersion: "test",
    });
    expect(report.outcome).toBe("not shown");
    expect(report.findings).toEqual([]);
  });

  test("a daemon error fails the build only when no success follows it; the runner's closing line always does", () => {
    const outcome = (...lines: string[]) => outcomeOf(toLogLines(lines.join("\n")));
    const ignored = "Error response from daemon: No such container: old-builder";
    const done = "#12 naming to myacr.azurecr.io/app:1 done";
    expect(outcome(ignored, "toomanyrequests: You have reached your pull rate limit", done)).toBe("succeeded");
    expect(
      outcome("pull access denied for contoso/cache, repository does not exist or may require 'docker login'", done),
    ).toBe("succeeded");
    expect(outcome(done, ignored)).toBe("failed");
    expect(outcome(ignored)).toBe("failed");
    expect(outcome("ERROR: failed to solve: process did not complete successfully", done)).toBe("failed");
  });

  test("an exception name counts only in CamelCase: ValueError does, a file named myerror.txt does not", () => {
    const line = (content: string) => ({ line: 1, text: content, content });
    expect(looksLikeError(line("ValueError: bad input"))).toBe(true);
    expect(looksLikeError(line("CondaValueException raised"))).toBe(true);
    expect(looksLikeError(line("writing report to myerror.txt"))).toBe(false);
    expect(looksLikeError(line("loading the myexception module"))).toBe(false);
  });

  test("every cause has a title, a fix and a unique id", () => {
    expect(new Set(CAUSES.map((cause) => cause.id)).size).toBe(CAUSES.length);
    expect(CAUSES.map((cause) => cause.id)).toEqual([...CAUSE_IDS]);
    for (const cause of CAUSES) expect(cause.fix.length).toBeGreaterThan(40);
  });
});

describe("image tags", () => {
  test.each([
    ["myacr.azurecr.io/team/base:9.9", "az acr repository show-tags -n myacr --repository team/base"],
    [
      "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:20240230.v1",
      "curl -s https://mcr.microsoft.com/v2/azureml/openmpi4.1.0-ubuntu22.04/tags/list",
    ],
  ])("the fix for a missing %s lists that registry's tags", (image, command) => {
    const log = `manifest for ${image} not found: manifest unknown: manifest unknown\n`;
    const report = analyzeBuildLog(log, { path: "-", toolVersion: "test" });
    expect(report.findings[0]).toMatchObject({ id: "image-manifest-unknown", evidence: { image } });
    expect(report.findings[0]?.fix).toContain(command);
  });

  test("a name planted in the log is quoted in the command, so pasting it runs nothing", () => {
    const fixOf = (image: string) =>
      analyzeBuildLog(`manifest for ${image} not found: manifest unknown: manifest unknown\n`, {
        path: "-",
        toolVersion: "test",
      }).findings[0]?.fix;
    expect(fixOf("myacr.azurecr.io/team/$(touch${IFS}pwned)")).toContain(
      "`az acr repository show-tags -n myacr --repository 'team/$(touch${IFS}pwned)'`",
    );
    expect(fixOf("mcr.microsoft.com/azureml/$(id)")).toContain(
      "`curl -s 'https://mcr.microsoft.com/v2/azureml/$(id)/tags/list'`",
    );
  });
});
