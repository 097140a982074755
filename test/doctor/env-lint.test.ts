// The environment linter against its corpus: conda files, requirements, Dockerfiles and Azure ML
// environment specs written for this project, each with the findings it must give in expected.json.

import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { judgeImageReference } from "../../src/doctor/env/image-reference.js";
import { detectKind, lintEnvironment } from "../../src/doctor/env/lint.js";
import { ENV_RULES } from "../../src/doctor/env/rules.js";
import { ROOT } from "../e2e/run-cli.js";

const CORPUS = join(ROOT, "test", "fixtures", "env");

interface Expected {
  description: string;
  findings: { id: string; line: number; status: string; file?: string; packages?: string[] }[];
}

const expected = JSON.parse(await readFile(join(CORPUS, "expected.json"), "utf8")) as Record<string, Expected>;
const read = (path: string) => readFile(join(CORPUS, path), "utf8").catch(() => undefined);

async function lint(path: string, options: { registry?: string } = {}) {
  const text = await readFile(join(CORPUS, path), "utf8");
  return lintEnvironment(path, text, read, options);
}

describe("corpus", () => {
  test.each(Object.keys(expected))("%s", async (path) => {
    const want = expected[path]?.findings ?? [];
    const result = await lint(path);
    expect(
      result.findings.map((finding) => ({
        id: finding.id,
        line: finding.line,
        status: finding.status,
        file: finding.file,
      })),
    ).toEqual(
      want.map((finding) => ({
        id: finding.id,
        line: finding.line,
        status: finding.status,
        file: finding.file ?? path,
      })),
    );
    for (const [index, finding] of want.entries()) {
      if (finding.packages) expect(result.findings[index]?.packages).toEqual(finding.packages);
    }
    for (const finding of result.findings) {
      expect(
        finding.excerpt.find((line) => line.line === finding.line),
        `${finding.id} excerpt`,
      ).toBeDefined();
      expect(finding.fix.length).toBeGreaterThan(20);
    }
  });

  test("every lint rule that needs no index is exercised by a corpus (this one or realistic/)", async () => {
    const realistic = JSON.parse(await readFile(join(CORPUS, "realistic", "expected.json"), "utf8")) as Record<
      string,
      Expected
    >;
    const seen = new Set(
      [...Object.values(expected), ...Object.values(realistic)].flatMap((entry) =>
        entry.findings.map((finding) => finding.id),
      ),
    );
    const offline = Object.entries(ENV_RULES)
      .filter(([id, rule]) => !("retired" in rule) && (!id.startsWith("package-") || id === "package-unpinned"))
      .map(([id]) => id);
    for (const id of offline) expect(seen, `no fixture for ${id}`).toContain(id);
  });

  test("a retired rule is never reported by either corpus", async () => {
    const realistic = JSON.parse(await readFile(join(CORPUS, "realistic", "expected.json"), "utf8")) as Record<
      string,
      Expected
    >;
    const retired = Object.entries(ENV_RULES)
      .filter(([, rule]) => "retired" in rule)
      .map(([id]) => id);
    expect(retired).toEqual(["conda-forge-unpinned-pip"]);
    for (const entry of [...Object.values(expected), ...Object.values(realistic)])
      for (const finding of entry.findings) expect(retired).not.toContain(finding.id);
  });
});

describe("pieces", () => {
  test("file kinds come from the name, else the content", () => {
    expect(detectKind("docker/Dockerfile.gpu", "")).toBe("dockerfile");
    expect(detectKind("requirements-dev.txt", "")).toBe("requirements");
    expect(detectKind("env.yml", "channels: [defaults]\ndependencies: [python=3.10]\n")).toBe("conda");
    expect(
      detectKind("env.yml", "$schema: https://azuremlschemas.azureedge.net/latest/environment.schema.json\nimage: x\n"),
    ).toBe("azureml-environment");
    expect(detectKind("-", "FROM ubuntu:22.04\n")).toBe("dockerfile");
  });

  test.each([
    ["mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:20240226.v1", "ok"],
    ["localhost:5000/team/base@sha256:" + "a".repeat(64), "ok"],
    ["python:3.10-slim", "ok"],
    ["myacr.azurecr.io//team/base:1", "malformed"],
    ["myacr.azurecr.io\\team\\base:1", "malformed"],
    ["myacr.azurecr.io/Team/Base:1", "malformed"],
    ["myacr.azurecr.io/team/base:", "malformed"],
    ["myacr.azurecr/team/base:1", "malformed"],
    ["myacr.azurecr.io/team/base:bad tag", "malformed"],
    ["azureml/openmpi4.1.0-ubuntu20.04", "registry-missing"],
    ["myacr/team/base:1", "registry-missing"],
    ["otheruser/team-base:1", "ok"],
  ])("image reference %s is %s", (reference, verdict) => {
    const result = judgeImageReference(reference, { registry: "myacr" });
    expect(result.ok ? "ok" : result.problem).toBe(verdict);
  });

  test("a requirements file with a line pip cannot parse fails on that line", async () => {
    const result = await lintEnvironment("requirements.txt", "numpy==1.26.4\nbroken ===\n", async () => undefined);
    expect(result.findings.map(({ id, line, status }) => ({ id, line, status }))).toEqual([
      { id: "requirement-invalid", line: 2, status: "fail" },
    ]);
    expect(result.hints.pip).toEqual([
      { name: "numpy", version: "1.26.4", operator: "==", file: "requirements.txt", line: 1 },
    ]);
  });

  test("a conda file the environment names but that is missing is a finding on the naming line", async () => {
    const result = await lintEnvironment(
      "env/environment.yml",
      "image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:20240226.v1\nconda_file: missing.yml\n",
      async () => undefined,
    );
    expect(result.findings.map(({ id, line, file }) => ({ id, line, file }))).toEqual([
      { id: "environment-file-missing", line: 2, file: "env/environment.yml" },
    ]);
  });

  test("nested requirements files are followed relative to the file that names them, once each", async () => {
    const files: Record<string, string> = {
      "app/requirements.txt": "-r base/common.txt\nnumpy==1.26.4\n-r missing.txt\n",
      "app/base/common.txt": "requests\n-r ../requirements.txt\n",
    };
    const read = async (path: string) => files[path];
    const result = await lintEnvironment("app/requirements.txt", files["app/requirements.txt"] ?? "", read);
    expect(result.files.map((file) => file.path)).toEqual(["app/base/common.txt"]);
    expect(result.findings.map(({ id, file, line }) => `${id} ${file}:${line}`)).toEqual([
      "environment-file-missing app/requirements.txt:3",
      "package-unpinned app/base/common.txt:1",
    ]);
    // A conda file's `-r` is relative to the conda file.
    const conda = await lintEnvironment(
      "env/conda.yml",
      "dependencies:\n  - pip=23.3.1\n  - pip:\n    - -r requirements.txt\n",
      async (path) => (path === "env/requirements.txt" ? "torch==2.1.0\n" : undefined),
    );
    expect(conda.files.map((file) => file.path)).toEqual(["env/requirements.txt"]);
    expect(conda.hints.pip.map((pin) => `${pin.name} ${pin.file}:${pin.line}`)).toEqual([
      "torch env/requirements.txt:1",
    ]);
  });

  test("pins, indexes, channels and the python version are collected for --check-index", async () => {
    const result = await lintEnvironment(
      "conda.yml",
      "channels:\n  - conda-forge\ndependencies:\n  - python=3.11.6\n  - pip=23.3.1\n  - numpy==1.26.4\n  - pip:\n    - --index-url https://idx.example/simple\n    - torch==2.1.0 ; sys_platform == 'linux'\n",
      async () => undefined,
    );
    expect(result.findings).toEqual([]);
    expect(result.hints).toMatchObject({
      python: "3.11",
      channels: ["conda-forge"],
      indexUrl: "https://idx.example/simple",
      pip: [{ name: "torch", version: "2.1.0", line: 9, marker: "sys_platform == 'linux'" }],
      conda: [
        { name: "python", version: "3.11.6", exact: false, line: 4 },
        { name: "numpy", version: "1.26.4", exact: true, line: 6 },
        { name: "pip", version: "23.3.1", exact: false, line: 5 },
      ],
    });
  });
});

describe("what --check-index prints of index and channel URLs", () => {
  test.each([
    ["https://builder:s3cret-T0KEN@pkgs.example/pypi/simple", "https://pkgs.example/pypi/simple"],
    ["https://conda.anaconda.org/t/ab-12cd34ef56/contoso", "https://conda.anaconda.org/t/***/contoso"],
    ["conda-forge", "conda-forge"],
  ])("%s is shown as %s", async (url, shown) => {
    const { displayIndexUrl } = await import("../../src/doctor/package-index/sources.js");
    expect(displayIndexUrl(url)).toBe(shown);
  });
});
