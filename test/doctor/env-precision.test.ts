// Precision of `preflight env` on files shaped like Microsoft's own (test/fixtures/env/realistic): each
// gives exactly the findings in its expected.json, and no rule says `fail` about a file that builds.
// Then, per rule, the table cases that decide its status, with the source that decides it.

import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { describe, expect, test } from "vitest";
import { lintEnvironment } from "../../src/doctor/env/lint.js";
import { judgeRequirement } from "../../src/doctor/env/requirements.js";
import { ENV_RULES } from "../../src/doctor/env/rules.js";
import { placeholdersIn } from "../../src/doctor/env/shared.js";
import { ROOT } from "../e2e/run-cli.js";

const CORPUS = join(ROOT, "test", "fixtures", "env", "realistic");

interface Expected {
  builds: boolean;
  model: string;
  note?: string;
  findings: { id: string; line: number; status: string; file?: string; packages?: string[] }[];
}

const expected = JSON.parse(await readFile(join(CORPUS, "expected.json"), "utf8")) as Record<string, Expected>;
const read = (path: string) => readFile(join(CORPUS, path), "utf8").catch(() => undefined);
const lintFixture = async (path: string) => lintEnvironment(path, await readFile(join(CORPUS, path), "utf8"), read);

/** Findings as a set: same-line order between two rules is not part of the contract. */
const shape = (findings: { id: string; line: number; status: string; file?: string; packages?: string[] }[]) =>
  findings
    .map(({ id, line, status, file, packages }) => ({ id, line, status, file, ...(packages ? { packages } : {}) }))
    .sort((left, right) => left.line - right.line || left.id.localeCompare(right.id));

describe("realistic corpus", () => {
  test("every file has an expectation, at least 30 of them build, and the failing shapes are there", async () => {
    const files = (await readdir(CORPUS, { recursive: true, withFileTypes: true }))
      .filter((entry) => entry.isFile() && !["expected.json", "README.md"].includes(entry.name))
      .map((entry) => relative(CORPUS, join(entry.parentPath, entry.name)).replaceAll("\\", "/"))
      .sort();
    expect(Object.keys(expected).sort()).toEqual(files);
    const entries = Object.values(expected);
    expect(entries.filter((entry) => entry.builds).length).toBeGreaterThanOrEqual(30);
    expect(entries.filter((entry) => !entry.builds).length).toBeGreaterThan(0);
    // A file that does not build must say so with a fail, or the corpus would not test the other direction.
    for (const [path, entry] of Object.entries(expected))
      if (!entry.builds)
        expect(
          entry.findings.map((finding) => finding.status),
          path,
        ).toContain("fail");
  });

  test.each(Object.keys(expected))("%s", async (path) => {
    const want = expected[path]?.findings ?? [];
    const result = await lintFixture(path);
    expect(shape(result.findings)).toEqual(shape(want.map((finding) => ({ ...finding, file: finding.file ?? path }))));
  });

  test.each(Object.keys(expected).filter((path) => expected[path]?.builds))(
    "meta: %s builds, so no rule says fail",
    async (path) => {
      const result = await lintFixture(path);
      expect(result.findings.filter((finding) => finding.status === "fail").map((finding) => finding.id)).toEqual([]);
    },
  );
});

/** Lints one in-memory file (and the files it names) and returns `id:line:status` per finding. */
async function lint(path: string, text: string, files: Record<string, string> = {}): Promise<string[]> {
  const result = await lintEnvironment(path, text, async (named) => files[named]);
  return result.findings.map((finding) => `${finding.id}:${finding.line}:${finding.status}`);
}

const conda = (pip: string, entries: string[], channels = ["conda-forge"]) =>
  [
    "channels:",
    ...channels.map((channel) => `  - ${channel}`),
    "dependencies:",
    "  - python=3.11",
    ...(pip ? [`  - ${pip}`] : []),
    "  - pip:",
    ...entries.map((entry) => `    - ${entry}`),
    "",
  ].join("\n");

// Learn, how-to-troubleshoot-environments, current: conda-forge first is recommended ("it's recommended to
// prioritize the community-maintained conda-forge channel"); the 2021 page's pip 20.3 note is gone.
describe("conda-forge-unpinned-pip is retired", () => {
  test("the rule keeps its id and says what covers it", () => {
    expect(ENV_RULES["conda-forge-unpinned-pip"]).toMatchObject({ retired: expect.stringContaining("pip-unpinned") });
  });

  test.each([
    ["conda-forge first, pip free, every pip package ==", "pip", ["numpy==1.26.4"], ["pip-unpinned:5:warn"]],
    ["conda-forge first, pip absent, every pip package ==", "", ["numpy==1.26.4"], ["pip-not-listed:5:warn"]],
    [
      "conda-forge first, pip free, a range",
      "pip",
      ["numpy>=1.26"],
      ["pip-unpinned:5:warn", "package-unpinned:7:warn"],
    ],
    ["conda-forge first, pip pinned", "pip=24.2", ["numpy>=1.26"], ["package-unpinned:7:warn"]],
  ])("%s: never conda-forge-unpinned-pip", async (_name, pip, entries, findings) => {
    expect(await lint("conda.yml", conda(pip, entries))).toEqual(findings);
  });
});

// PEP 440 "Version matching": `==1.6.*` is a prefix match, one release series, like conda's `python=3.7.*`.
describe("a version wildcard is a pin", () => {
  test.each([
    ["azureml-sdk==1.6.*", "pinned"],
    ["azureml-dataprep[pandas]==1.8.*", "pinned"],
    ["numpy==1.26.4", "pinned"],
    ["typing_extensions===4.12.2", "pinned"],
    ["mlflow==2.*", "unpinned"],
    ["numpy!=1.26.*", "unpinned"],
    ["numpy~=1.26.0", "unpinned"],
    ["numpy>=1.26,<2", "unpinned"],
    ["numpy", "unpinned"],
  ])("%s is %s", (requirement, verdict) => {
    expect(judgeRequirement(requirement).verdict).toBe(verdict);
  });

  test("a series pin passes in every place pip lines are read, and is not looked up by --check-index", async () => {
    expect(await lint("requirements.txt", "azureml-core==1.57.*\n")).toEqual([]);
    expect(await lint("conda.yml", conda("pip=24.2", ["azureml-sdk==1.6.*"], ["defaults"]))).toEqual([]);
    expect(await lint("Dockerfile", "FROM python:3.11-slim\nRUN pip install 'azureml-core==1.57.*'\n")).toEqual([]);
    const result = await lintEnvironment("requirements.txt", "azureml-core==1.57.*\nnumpy==1.26.4\n", async () => "");
    expect(result.hints.pip.map((pin) => pin.name)).toEqual(["numpy"]);
  });
});

// pip (checked with pip 23.2 and packaging 26): `numpy=1.26.4` is "Invalid requirement ... Hint: = is not a
// valid operator. Did you mean == ?". Learn, troubleshooting, "Invalid operator": the build fails.
describe("what pip refuses is requirement-invalid (fail)", () => {
  test.each([
    ["numpy=1.26.4", "invalid"],
    ["scikit-learn=>1.4", "invalid"],
    ["numpy=<2", "invalid"],
    ["numpy~=1", "invalid"],
    ["numpy==1.26.4;", "invalid"],
    ["broken ===", "invalid"],
    ["numpy, scipy", "invalid"],
    // pip 24.1 dropped legacy versions: these parse as PEP 508 but are not PEP 440 specifiers.
    ["numpy>=1.*", "legacy"],
    ["numpy==latest", "legacy"],
    ["torch>=2.0+cpu", "legacy"],
    // ...and these are fine.
    ["numpy (>=1.0)", "unpinned"],
    ["torch==2.3.1+cpu", "pinned"],
    ["numpy===1.26.4", "pinned"],
    ["tomli==2.0.1 ; python_version < '3.11'", "pinned"],
    ["numpy==1!2.0", "pinned"],
  ])("%s: %s", (requirement, verdict) => {
    expect(judgeRequirement(requirement).verdict).toBe(verdict);
  });

  test("conda's pin under pip:, in a requirements file and in RUN pip install is a fail with pip's hint", async () => {
    const result = await lintEnvironment("conda.yml", conda("pip=24.2", ["numpy=1.26.4"]), async () => undefined);
    expect(result.findings.map(({ id, line, status }) => `${id}:${line}:${status}`)).toEqual([
      "requirement-invalid:7:fail",
    ]);
    expect(result.findings[0]?.message).toMatch(/= is not a valid operator/);
    expect(result.findings[0]?.evidence).toMatchObject({ suggestion: "numpy==1.26.4" });
    expect(result.findings[0]?.fix).toMatch(/numpy==1\.26\.4.*conda dependencies/);
    expect(await lint("requirements.txt", "pandas==2.2.2\nnumpy=1.26.4\n")).toEqual(["requirement-invalid:2:fail"]);
    expect(await lint("Dockerfile", "FROM python:3.11-slim\nRUN pip install numpy=1.26.4\n")).toEqual([
      "requirement-invalid:2:fail",
    ]);
  });

  test("a legacy specifier is a fail, but only a risk under a pip pinned below 24.1", async () => {
    expect(await lint("requirements.txt", "numpy>=1.*\n")).toEqual(["requirement-invalid:1:fail"]);
    expect(await lint("conda.yml", conda("pip=24.2", ["numpy>=1.*"]))).toEqual(["requirement-invalid:7:fail"]);
    expect(await lint("conda.yml", conda("pip", ["numpy>=1.*"]))).toEqual([
      "pip-unpinned:5:warn",
      "requirement-invalid:7:fail",
    ]);
    expect(await lint("conda.yml", conda("pip=23.2.1", ["numpy>=1.*"]))).toEqual(["package-unpinned:7:warn"]);
    // conda's own `=` is never excused by an old pip: no pip ever took it.
    expect(await lint("conda.yml", conda("pip=20.1.1", ["numpy=1.26.4"]))).toEqual(["requirement-invalid:7:fail"]);
  });
});

// azureml-assets fills `{{latest-image-tag}}`, `{{latest-pypi-version}}` and `{{asset.*}}` when it publishes.
describe("template placeholders are recognised, and the rest is still judged", () => {
  test.each([
    ["{{latest-image-tag}}", 1],
    ["{{latest-image-tag:biweekly\\.\\d{6}\\.\\d{1}.*}}", 1],
    ["{{ asset.name }}", 1],
    ["{{ .Values.tag }}", 0],
    ["{{}}", 0],
    ["${TAG}", 0],
  ])("%s: %i placeholder(s)", (text, count) => {
    expect(placeholdersIn(`prefix:${text}`)).toHaveLength(count);
  });

  test.each([
    [
      "an Azure ML base keeps its conda exemption",
      "FROM mcr.microsoft.com/azureml/openmpi5.0-ubuntu24.04:{{latest-image-tag}}\nRUN conda env create -f c.yml\n",
      ["template-placeholder:1:unknown"],
    ],
    [
      "a custom base is still unknown",
      "FROM contoso.azurecr.io/ml/base:{{latest-image-tag}}\nRUN conda env create -f c.yml\n",
      ["template-placeholder:1:unknown", "conda-version-unknown:1:unknown"],
    ],
    [
      "a missing host is still a fail",
      "FROM azureml/openmpi5.0-ubuntu24.04:{{latest-image-tag}}\n",
      ["template-placeholder:1:unknown", "image-registry-missing:1:fail"],
    ],
    [
      "a malformed repository is still a fail",
      "FROM contoso.azurecr.io/ML/Base:{{latest-image-tag}}\n",
      ["template-placeholder:1:unknown", "image-reference-malformed:1:fail"],
    ],
    [
      "a placeholder tag is no evidence of an old conda",
      "FROM continuumio/miniconda3:{{latest-image-tag}}\nRUN conda env create -f c.yml\n",
      ["template-placeholder:1:unknown", "conda-version-unknown:1:unknown"],
    ],
    [
      "a placeholder pin is a pin; a range around one is not",
      "FROM python:3.11-slim\nRUN pip install azureml-core=={{latest-pypi-version}} mltable>={{v}}\n",
      ["template-placeholder:2:unknown", "package-unpinned:2:warn"],
    ],
    [
      "braces in a shell string are not a placeholder",
      "FROM python:3.11-slim\nRUN echo '{{ .motd }}' > /etc/motd\n",
      [],
    ],
    ["a whole-image placeholder may carry its tag", "FROM {{base-image}}\n", ["template-placeholder:1:unknown"]],
    [
      "a placeholder package name is no unpinned package",
      "FROM python:3.11-slim\nRUN pip install {{requirement}}\n",
      ["template-placeholder:2:unknown"],
    ],
  ])("Dockerfile: %s", async (_name, text, findings) => {
    expect(await lint("Dockerfile", text)).toEqual(findings);
  });

  test("one finding per file, on the first placeholder, naming each; placeholder pins are not looked up", async () => {
    const text = "azureml-core=={{latest-pypi-version}}\nnumpy==1.26.4\nazureml-mlflow=={{latest-pypi-version}}\n";
    const result = await lintEnvironment("requirements.txt", text, async () => undefined);
    expect(result.findings.map(({ id, line }) => `${id}:${line}`)).toEqual(["template-placeholder:1"]);
    expect(result.findings[0]?.evidence).toEqual({ placeholders: ["{{latest-pypi-version}}"], lines: ["1", "3"] });
    expect(result.hints.pip.map((pin) => pin.name)).toEqual(["numpy"]);
  });

  test("a conda spec with a placeholder is not looked up, and a placeholder pip is no old pip", async () => {
    const text = conda("pip={{pip-version}}", ["numpy>=1.*", "azureml-core=={{latest-pypi-version}}"]);
    const result = await lintEnvironment("conda.yml", `${text}  - pandas={{pandas-version}}\n`, async () => "");
    expect(result.findings.map(({ id, line, status }) => `${id}:${line}:${status}`)).toEqual([
      "template-placeholder:5:unknown",
      "requirement-invalid:7:fail",
    ]);
    expect(result.hints.conda.map((pin) => pin.name)).toEqual(["python"]);
  });

  test("a spec's templated paths are not followed; its image is judged as filled", async () => {
    const spec = [
      "$schema: https://azuremlschemas.azureedge.net/latest/environment.schema.json",
      'name: "{{asset.name}}"',
      "image: mcr.microsoft.com/azureml/openmpi5.0-ubuntu24.04:{{latest-image-tag}}",
      'conda_file: "{{conda.path}}"',
      "build:",
      '  path: "{{image.context.path}}"',
      "",
    ].join("\n");
    expect(await lint("spec.yaml", spec)).toEqual(["template-placeholder:2:unknown"]);
    expect(await lint("spec.yaml", 'name: e\nimage: "{{image}}"\n')).toEqual(["template-placeholder:2:unknown"]);
  });
});

// Learn, troubleshooting, "Pip not specified": "For reproducibility, you should specify and pin pip";
// conda prints "Warning: you have pip-installed dependencies ... I'm adding one for you" and builds on
// (build-log: conda-pip-not-listed is a warn).
describe("pip-not-listed is a warning", () => {
  test.each([
    [["azureml-defaults==1.57.0"], ["pip-not-listed:4:warn"]],
    [["azureml-defaults"], ["pip-not-listed:4:warn", "package-unpinned:5:warn"]],
    [["--extra-index-url https://pkgs.example/simple"], []],
  ])("%j under pip: with no pip", async (entries, findings) => {
    const text = [
      "dependencies:",
      "  - python=3.11",
      "  - numpy=1.26.4",
      "  - pip:",
      ...entries.map((e) => `    - ${e}`),
      "",
    ];
    expect(await lint("conda.yml", text.join("\n"))).toEqual(findings);
  });
});

// Learn, reference-yaml-environment: keys are $schema, name, version, description, tags, image, conda_file,
// build (path, dockerfile_path), os_type, inference_config. azure-ai-ml refuses unknown keys
// (Azure/azure-cli#23078: `{"build": {"local_path": ["Unknown field."]}}`).
describe("retired environment keys are a fail", () => {
  test.each([
    [
      "name: e\ndocker:\n  image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:20240709.v1\n",
      ["environment-key-retired:2:fail"],
    ],
    ["name: e\nbuild:\n  local_path: context\n", ["environment-key-retired:3:fail"]],
    ["name: e\nbuild:\n  path: context\n  context_uri: https://x.example/c.zip\n", ["environment-key-retired:4:fail"]],
    [
      "image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:20240709.v1\nconda_file: file:conda.yml\n",
      ["environment-file-missing:2:fail"],
    ],
    [
      "image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:20240709.v1\nos_type: linux\ninference_config:\n  scoring_route:\n    port: 5001\n    path: /score\n",
      [],
    ],
  ])("%j", async (text, findings) => {
    // conda.yml and context/Dockerfile exist: a retired key must fail even when what it names is there.
    const files = { "conda.yml": "dependencies: [python=3.11]\n", "context/Dockerfile": "FROM python:3.11-slim\n" };
    expect(await lint("environment.yml", text, files)).toEqual(findings);
  });

  test("the docker: block's fix names the image to write", async () => {
    const result = await lintEnvironment(
      "environment.yml",
      "name: e\ndocker:\n  image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:20240709.v1\n",
      async () => undefined,
    );
    expect(result.source.kind).toBe("azureml-environment");
    expect(result.findings[0]?.fix).toContain("image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:20240709.v1");
    expect(result.findings[0]?.evidence).toEqual({ key: "docker" });
  });
});

describe("docs/doctor.md", () => {
  test("the env table lists every rule with its status, and each status has its source under it", async () => {
    const page = await readFile(join(ROOT, "docs", "doctor.md"), "utf8");
    const section = page.slice(page.indexOf("## `preflight env`"));
    const rows = new Map(
      [...section.matchAll(/^\| `([a-z-]+)` \| ([a-z]+)[^|]* \|/gm)].map((match) => [match[1], match[2]] as const),
    );
    const sources = section.slice(section.indexOf("Where each status comes from"));
    for (const [id, rule] of Object.entries(ENV_RULES)) {
      expect(rows.get(id), id).toBe("retired" in rule ? "retired" : rule.status);
      expect(sources, `no source for ${id}`).toMatch(
        new RegExp(`\`${id.startsWith("package-") && id !== "package-unpinned" ? "package-\\*" : id}\``),
      );
    }
  });
});
