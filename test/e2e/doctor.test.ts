// `preflight build-log` and `preflight env` as a user runs them: the built CLI, a minimal
// environment, files on disk or standard input; `env --check-index` against the fake package index
// on 127.0.0.1 over HTTPS, trusted through NODE_EXTRA_CA_CERTS as a private index would be.

import { readFile, writeFile, mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { createRequire } from "node:module";
import { gzipSync } from "node:zlib";
import { Ajv } from "ajv";
import AjvDraft04 from "ajv-draft-04";
import type { Log } from "sarif";
import { marked } from "marked";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { analyzeBuildLog } from "../../src/doctor/build-log/analyze.js";
import type { DoctorReport } from "../../src/doctor/types.js";
import type { FakeIndexScenario } from "../fake-index/scenario.js";
import { startFakeIndex } from "../fake-index/server.js";
import { ROOT, randomSecret, runCli, tempDir } from "./run-cli.js";

const EXAMPLE_LOG = join(ROOT, "examples", "build-logs", "20_image_build_log.txt");
const validate = new Ajv({ strict: false, allErrors: true }).compile(
  JSON.parse(await readFile(join(ROOT, "reports/doctor/doctor-report.schema.json"), "utf8")) as object,
);

function parseJson(stdout: string): DoctorReport {
  const report = JSON.parse(stdout) as DoctorReport;
  expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
  return report;
}

describe("build-log", () => {
  test("explains the bundled example log: the causes, their lines and fixes, exit 1", async () => {
    const result = await runCli(["build-log", EXAMPLE_LOG, "--format", "json"], { cwd: ROOT });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(1);
    const report = parseJson(result.stdout);
    // The CLI says what the library says about the same file.
    const direct = analyzeBuildLog(await readFile(EXAMPLE_LOG, "utf8"), {
      path: EXAMPLE_LOG,
      toolVersion: report.tool.version,
    });
    expect(report).toEqual(direct);
    expect(report.findings.map((finding) => finding.id)).toEqual(["conda-pip-not-listed", "pip-package-not-found"]);
    expect(report.findings[1]?.packages?.length).toBe(2);
  });

  test("reads standard input with -, and the text report names each line", async () => {
    const text = await readFile(EXAMPLE_LOG, "utf8");
    const result = await runCli(["build-log", "-"], { input: text });
    expect(result.code).toBe(1);
    const report = analyzeBuildLog(text, { path: "-", toolVersion: "x" });
    for (const finding of report.findings) expect(result.stdout).toContain(`${finding.id}  line ${finding.line}`);
    expect(result.stdout).toMatch(/exit 1: 1 finding at or above --fail-on fail: pip-package-not-found \(fail\)\n$/);
  });

  test("--fail-on decides the exit code: a warning alone is exit 0, or 1 with --fail-on warn; a failed build is never 0", async () => {
    const log =
      "Warning: you have pip-installed dependencies in your environment file, but you do not list pip itself as one of your conda dependencies.\nSuccessfully built 3f2a9c1b7d4e\n";
    expect((await runCli(["build-log", "-"], { input: log })).code).toBe(0);
    expect((await runCli(["build-log", "-", "--fail-on", "warn"], { input: log })).code).toBe(1);
    const unknown = "make: *** [all] Error 2\nThe command '/bin/sh -c make' returned a non-zero code: 2\n";
    const failed = await runCli(["build-log", "-"], { input: unknown });
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain("exit 1: the log shows the build failed");
    const strict = await runCli(["build-log", "-", "--fail-on", "unknown"], { input: unknown });
    expect(strict.code).toBe(1);
    expect(strict.stdout).toContain("no-known-cause");
  });

  test("markdown is valid Markdown with a table and the excerpts; --out writes it and the summary goes to stderr", async () => {
    const dir = await tempDir();
    const out = join(dir, "reports", "build.md");
    const result = await runCli([
      "build-log",
      EXAMPLE_LOG,
      "--format",
      "markdown",
      "--out",
      out,
      "--workspace",
      "ml-prod",
    ]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(/^2 findings: 1 fail, 0 unknown, 1 warn, 0 pass, 0 skip\nexit 1: /);
    const tokens = marked.lexer(await readFile(out, "utf8"));
    expect(tokens.filter((token) => token.type === "table")).toHaveLength(2);
    expect(tokens.filter((token) => token.type === "code").length).toBeGreaterThanOrEqual(2);
  });

  test.each([
    [["build-log", "/nonexistent/build.log"], /^preflight: \/nonexistent\/build\.log does not exist\n$/],
    [["build-log", ROOT], /is a directory, not a file/],
    [["build-log"], /missing a file to read \(or - for standard input\)/],
    [["build-log", "x.log", "--format", "junit"], /--format must be one of text, json, markdown, sarif, got "junit"/],
  ])("bad input exits 2 with one line: %j", async (args, message) => {
    const result = await runCli(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
  });

  test("an empty log exits 2", async () => {
    const result = await runCli(["build-log", "-"], { input: "" });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe("preflight: standard input is empty: nothing to read\n");
  });
});

const HELDOUT_LOGS = join(ROOT, "test", "fixtures", "build-logs-heldout");
const heldoutExpected = JSON.parse(await readFile(join(HELDOUT_LOGS, "expected.json"), "utf8")) as Record<
  string,
  { outcome: "failed" | "succeeded"; findings: string[] }
>;

describe("build-log on held-out logs and on files that are not logs", () => {
  test.each(Object.entries(heldoutExpected))(
    "%s: exit 1 when the build failed, 0 when it succeeded",
    async (name, want) => {
      const result = await runCli(["build-log", join(HELDOUT_LOGS, name), "--format", "json"]);
      expect(result.stderr).toBe("");
      expect(result.code).toBe(want.outcome === "failed" ? 1 : 0);
      expect(parseJson(result.stdout).findings.map((finding) => finding.id)).toEqual(want.findings);
    },
  );

  test("a log saved by Windows (UTF-16 with a byte-order mark), gzip-compressed or with a UTF-8 mark reads as its text", async () => {
    const dir = await tempDir();
    const failed = await readFile(join(HELDOUT_LOGS, "acr-import-libgl.log"), "utf8");
    const clean = await readFile(join(HELDOUT_LOGS, "clean-acr-resolver-warning.log"), "utf8");
    const utf16 = (text: string) =>
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text.replaceAll("\n", "\r\n"), "utf16le")]);
    const files: [string, Buffer, number][] = [
      ["failed-utf16.log", utf16(failed), 1],
      ["clean-utf16.log", utf16(clean), 0],
      ["failed.log.gz", gzipSync(failed), 1],
      ["clean.log.gz", gzipSync(clean), 0],
      ["failed-bom.log", Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(failed)]), 1],
    ];
    for (const [name, bytes, code] of files) {
      await writeFile(join(dir, name), bytes);
      const result = await runCli(["build-log", name], { cwd: dir });
      expect([name, result.code, result.stderr]).toEqual([name, code, ""]);
      expect(result.stdout).toContain(code === 1 ? "the build failed" : "the build succeeded");
    }
    // env sends a Windows-saved log to build-log too.
    const env = await runCli(["env", "failed-utf16.log"], { cwd: dir });
    expect(env.code).toBe(2);
    expect(env.stderr).toBe(
      "preflight: failed-utf16.log is an image build log, not an environment file: run `preflight build-log failed-utf16.log` (or give --kind)\n",
    );
  });

  test("env reads a requirements file it is led to by -r, and standard input, saved as UTF-16 or gzip", async () => {
    const dir = await tempDir();
    const utf16 = (text: string) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]);
    await writeFile(join(dir, "requirements.txt"), "-r pinned.txt\n");
    await writeFile(join(dir, "pinned.txt"), utf16("numpy==1.26.4\r\npandas==2.2.2\r\n"));
    const named = await runCli(["env", "requirements.txt", "--format", "json"], { cwd: dir });
    expect([named.code, named.stderr]).toEqual([0, ""]);
    expect(parseJson(named.stdout).findings).toEqual([]);
    for (const input of [utf16("numpy==1.26.4\r\n"), gzipSync("numpy==1.26.4\n")]) {
      const piped = await runCli(["env", "-", "--kind", "requirements", "--format", "json"], { cwd: dir, input });
      expect([piped.code, piped.stderr]).toEqual([0, ""]);
      expect(parseJson(piped.stdout).findings).toEqual([]);
    }
    const log = await runCli(["build-log", "-"], {
      input: gzipSync(await readFile(join(HELDOUT_LOGS, "acr-import-libgl.log"))),
    });
    expect([log.code, log.stderr]).toEqual([1, ""]);
  });

  test("an image, a zip, whitespace and /dev/null exit 2 with one line", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "screenshot.png"), Buffer.from("89504e470d0a1a0a0000000d4948445200000001", "hex"));
    await writeFile(join(dir, "logs.zip"), Buffer.concat([Buffer.from("504b030414000000", "hex"), Buffer.alloc(64)]));
    await writeFile(join(dir, "blank.log"), "  \n\t\n");
    for (const [file, message] of [
      ["screenshot.png", "screenshot.png is not a text file (it holds binary data); give the text file itself"],
      ["logs.zip", "logs.zip is not a text file (it holds binary data); give the text file itself"],
      ["blank.log", "blank.log is empty: nothing to read"],
      ["/dev/null", "/dev/null is empty: nothing to read"],
    ] as const) {
      const result = await runCli(["build-log", file], { cwd: dir });
      expect([file, result.code, result.stderr, result.stdout]).toEqual([file, 2, `preflight: ${message}\n`, ""]);
    }
  });

  test.each(["buildx28-parse-error.log", "compute-register-layer-no-space.log", "clean-buildkit-timestamped.log"])(
    "env on %s points to build-log",
    async (name) => {
      const result = await runCli(["env", join(HELDOUT_LOGS, name)]);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/is an image build log, not an environment file: run `preflight build-log /);
      expect(result.stderr.trim().split("\n")).toHaveLength(1);
    },
  );
});

describe("sarif", () => {
  // The official SARIF 2.1.0 schema (draft-04), as shipped in @microsoft/jest-sarif; one of its patterns needs unicodeRegExp off.
  const require = createRequire(import.meta.url);
  const validateSarif = new AjvDraft04.default({ strict: false, allErrors: true, unicodeRegExp: false }).compile(
    require("@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json") as object,
  );

  test.each([
    [
      ["build-log", "examples/build-logs/20_image_build_log.txt"],
      ["conda-pip-not-listed", "pip-package-not-found"],
    ],
    [
      ["env", "examples/env/environment.yml"],
      ["pip-unpinned", "package-unpinned", "package-unpinned", "requirement-invalid"],
    ],
  ])("%j: valid SARIF 2.1.0, each finding on its file and line", async (args, ids) => {
    const result = await runCli([...args, "--format", "sarif"], { cwd: ROOT });
    expect(result.code).toBe(1);
    const log = JSON.parse(result.stdout) as Log;
    expect(validateSarif(log), JSON.stringify(validateSarif.errors)).toBe(true);
    const json = parseJson((await runCli([...args, "--format", "json"], { cwd: ROOT })).stdout);
    const results = log.runs[0]?.results ?? [];
    expect(results.map((entry) => entry.ruleId)).toEqual(ids);
    expect(
      results.map((entry) => [
        entry.locations?.[0]?.physicalLocation?.artifactLocation?.uri,
        entry.locations?.[0]?.physicalLocation?.region?.startLine,
      ]),
    ).toEqual(json.findings.map((finding) => [finding.file, finding.line]));
    expect(results.map((entry) => entry.level)).toEqual(
      json.findings.map((finding) => (finding.status === "warn" ? "warning" : "error")),
    );
  });
});

describe("secrets quoted by the files are not repeated in any format", () => {
  const password = randomSecret();
  test.each(["text", "json", "markdown", "sarif"])("%s", async (format) => {
    const dir = await tempDir();
    await writeFile(
      join(dir, "build.log"),
      [
        `Step 7/9 : RUN pip install --index-url https://builder:${password}@pkgs.contoso.example/simple contoso-features==0.9.0`,
        `ERROR: Could not find a version that satisfies the requirement contoso-features==0.9.0 (from versions: none) password=${password}`,
        "The command '/bin/sh -c pip install' returned a non-zero code: 1",
      ].join("\n"),
    );
    await writeFile(
      join(dir, "Dockerfile"),
      `FROM mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:20240226.v1\nRUN pip install --index-url https://builder:${password}@pkgs.contoso.example/simple flask\n`,
    );
    const log = await runCli(["build-log", "build.log", "--format", format, "--verbose"], { cwd: dir });
    const env = await runCli(["env", "Dockerfile", "--format", format, "--verbose"], { cwd: dir });
    expect(log.code).toBe(1);
    expect(log.stdout).toContain("contoso-features");
    expect(env.stdout).toContain("flask");
    for (const result of [log, env]) expect(`${result.stdout}${result.stderr}`).not.toContain(password);
  });

  test("file paths are the user's own and stay as given, however random they look", async () => {
    const dir = await tempDir();
    const path = join(dir, "tmp.tH5atBrmiA", "runs", "Kq7ZxW2v9RbN4sLp1TyE", "build.log");
    await mkdir(dirname(path), { recursive: true });
    await writeFile(
      path,
      "ERROR: No matching distribution found for contoso-features==0.9.0\nThe command '/bin/sh -c pip install' returned a non-zero code: 1\n",
    );
    const report = parseJson((await runCli(["build-log", path, "--format", "json"])).stdout);
    expect(report.source.path).toBe(path);
    expect(report.findings[0]?.file).toBe(path);
  });
});

describe("env", () => {
  test("the bundled Azure ML environment: findings in the conda file it names, exit 1 for conda's pin under pip:", async () => {
    const result = await runCli(["env", "examples/env/environment.yml", "--format", "json"], { cwd: ROOT });
    expect(result.code).toBe(1);
    const report = parseJson(result.stdout);
    expect(report.source).toEqual({
      path: "examples/env/environment.yml",
      kind: "azureml-environment",
      lines: expect.any(Number),
    });
    expect(report.files.map((file) => file.path)).toEqual(["examples/env/conda.yml"]);
    expect(report.findings.map(({ id, file, line }) => `${id} ${file}:${line}`)).toEqual([
      "pip-unpinned examples/env/conda.yml:8",
      "package-unpinned examples/env/conda.yml:11",
      "package-unpinned examples/env/conda.yml:15",
      "requirement-invalid examples/env/conda.yml:16",
    ]);
    expect(report.findings.map((finding) => finding.status)).toEqual(["warn", "warn", "warn", "fail"]);
    expect(report.findings[3]?.evidence).toMatchObject({ suggestion: "fairlearn==0.10.0" });
    expect(report.index).toBeUndefined();
  });

  test("a Dockerfile from standard input needs --kind", async () => {
    const dockerfile = await readFile(join(ROOT, "examples", "env", "Dockerfile"), "utf8");
    const without = await runCli(["env", "-"], { input: dockerfile });
    expect(without.code).toBe(2);
    expect(without.stderr).toMatch(/needs --kind/);
    const withKind = await runCli(["env", "-", "--kind", "dockerfile", "--format", "json"], { input: dockerfile });
    expect(parseJson(withKind.stdout).findings.map((finding) => finding.id)).toEqual([
      "image-reference-malformed",
      "conda-too-old",
    ]);
  });

  test.each([
    [["--request-timeout", "0"], /--request-timeout must be a positive number/],
    [["--glibc", "new"], /--glibc must be a version/],
    [["--python", "2.7"], /--python must be a Python 3 version/],
    [["--index-url", "ftp://user:pw@mirror/simple"], /must be http\(s\) URLs, got "ftp:\/\/mirror\/simple"/],
  ])("index flags that mean nothing exit 2 before anything is read: %j", async (flags, message) => {
    const result = await runCli(["env", "examples/env/requirements.txt", "--check-index", ...flags], { cwd: ROOT });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toContain("pw@");
  });

  test("a curated environment's template: placeholders are unknown (exit 0), the Azure ML base keeps its conda", async () => {
    const dir = await tempDir();
    await mkdir(join(dir, "context"));
    await writeFile(
      join(dir, "spec.yaml"),
      'name: "{{asset.name}}"\nbuild:\n  path: "{{image.context.path}}"\n  dockerfile_path: "{{image.dockerfile.path}}"\n',
    );
    await writeFile(
      join(dir, "context", "Dockerfile"),
      "FROM mcr.microsoft.com/azureml/openmpi5.0-ubuntu24.04:{{latest-image-tag}}\nCOPY conda_dependencies.yaml .\nRUN conda env create -p /azureml-envs/x -f conda_dependencies.yaml\nRUN pip install azureml-core=={{latest-pypi-version}}\n",
    );
    for (const file of ["spec.yaml", "context/Dockerfile"]) {
      const result = await runCli(["env", file, "--format", "json"], { cwd: dir });
      expect(result.code, result.stderr).toBe(0);
      expect(parseJson(result.stdout).findings.map(({ id, line, status }) => `${id}:${line}:${status}`)).toEqual([
        `template-placeholder:1:unknown`,
      ]);
      expect((await runCli(["env", file, "--fail-on", "unknown"], { cwd: dir })).code).toBe(1);
    }
  });

  test("a CLI v2 preview environment: docker: and conda_file: file:... fail, though the conda file exists", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "conda.yml"), "dependencies:\n  - python=3.11\n");
    await writeFile(
      join(dir, "environment.yml"),
      "name: preview\ndocker:\n  image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:20240709.v1\nconda_file: file:conda.yml\n",
    );
    const result = await runCli(["env", "environment.yml", "--format", "json"], { cwd: dir });
    expect(result.code).toBe(1);
    expect(parseJson(result.stdout).findings.map(({ id, line, status }) => `${id}:${line}:${status}`)).toEqual([
      "environment-key-retired:2:fail",
      "environment-file-missing:4:fail",
    ]);
  });

  test("--registry catches the workspace registry written without its host", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "environment.yml"), "image: amlwsacr/base/training:1.4\n");
    const plain = await runCli(["env", "environment.yml", "--kind", "azureml-environment"], { cwd: dir });
    expect(plain.code).toBe(0);
    const named = await runCli(
      ["env", "environment.yml", "--kind", "azureml-environment", "--registry", "amlwsacr", "--format", "json"],
      { cwd: dir },
    );
    expect(named.code).toBe(1);
    expect(parseJson(named.stdout).findings[0]).toMatchObject({
      id: "image-registry-missing",
      line: 1,
      evidence: { suggestion: "amlwsacr.azurecr.io/base/training:1.4" },
    });
  });
});

describe("env --check-index against the fake package index (HTTPS on 127.0.0.1)", () => {
  let index: Awaited<ReturnType<typeof startFakeIndex>>;
  let port: string;
  const conda = { name: "numpy", version: "1.26.4", build: "py310h5f9d8c6_0" };
  beforeAll(async () => {
    const scenario = JSON.parse(
      await readFile(join(ROOT, "examples", "env", "index-scenario.json"), "utf8"),
    ) as FakeIndexScenario;
    index = await startFakeIndex({
      ...scenario,
      pypi: {
        ...scenario.pypi,
        "private/simple": {
          projects: {
            "contoso-churn-features": { files: [{ filename: "contoso_churn_features-0.9.0-py3-none-any.whl" }] },
          },
        },
      },
      conda: {
        "conda-forge": {
          "linux-64": {
            "numpy-1.26.4-py310h5f9d8c6_0.conda": conda,
            "python-3.10.13-hd12c33a_0.conda": { name: "python", version: "3.10.13", build: "hd12c33a_0" },
          },
          noarch: {},
        },
        "pkgs/main": {
          "linux-64": {
            "pip-23.3.1-py310h06a4308_0.conda": { name: "pip", version: "23.3.1", build: "py310h06a4308_0" },
          },
          noarch: {},
        },
      },
      auth: { private: "builder:index-s3cret-T0KEN" },
      faults: [{ path: "^/broken/", status: 503 }],
    });
    port = new URL(index.url).port;
  });
  afterAll(async () => {
    await index?.close();
  });

  const pipFlags = () => [
    "--index-url",
    `https://127.0.0.1:${port}/simple`,
    "--extra-index-url",
    `https://127.0.0.1:${port}/contoso/simple`,
  ];

  test("pins on the index pass, a missing version and a Windows-only wheel fail, a marker for Windows is skipped", async () => {
    const before = index.requests.length;
    const result = await runCli(
      ["env", "examples/env/requirements.txt", "--check-index", "--python", "3.10", "--format", "json", ...pipFlags()],
      { cwd: ROOT, caFile: index.caFile },
    );
    expect(result.stderr).toBe("");
    expect(result.code).toBe(1);
    const report = parseJson(result.stdout);
    expect(
      report.findings.map(({ id, status, line, packages }) => `${line} ${status} ${id} ${packages?.join(",")}`),
    ).toEqual([
      "2 pass package-on-index azureml-inference-server-http",
      "3 pass package-on-index mlflow-skinny",
      "4 pass package-on-index numpy",
      "5 pass package-on-index pandas",
      "6 fail package-missing-from-index scikit-learn",
      "7 fail package-no-compatible-file pywin32",
      "8 skip package-on-index colorama",
      "9 pass package-on-index contoso-churn-features",
    ]);
    expect(report.index).toEqual({
      pip: [`https://127.0.0.1:${port}/simple`, `https://127.0.0.1:${port}/contoso/simple`],
      conda: [],
      requests: expect.any(Number),
    });
    const sent = index.requests.slice(before);
    expect(sent.length).toBe(report.index?.requests);
    expect(new Set(sent.map((request) => request.method))).toEqual(new Set(["GET"]));
    // The skipped pin was never asked for.
    expect(sent.some((request) => request.path.includes("colorama"))).toBe(false);
  });

  test("conda pins are looked up in the file's channels through the channel alias and `defaults`", async () => {
    const dir = await tempDir();
    await writeFile(
      join(dir, "conda.yml"),
      "channels:\n  - conda-forge\n  - defaults\ndependencies:\n  - python=3.10\n  - pip=23.3.1\n  - numpy==1.26.4\n  - scipy==9.9.9\n",
    );
    const result = await runCli(
      [
        "env",
        "conda.yml",
        "--check-index",
        "--format",
        "json",
        "--conda-channel-alias",
        `https://127.0.0.1:${port}`,
        "--conda-defaults",
        `https://127.0.0.1:${port}/pkgs/main`,
      ],
      { cwd: dir, caFile: index.caFile },
    );
    const report = parseJson(result.stdout);
    expect(report.findings.map(({ id, status, line }) => `${line} ${status} ${id}`)).toEqual([
      "5 pass package-on-index",
      "6 pass package-on-index",
      "7 pass package-on-index",
      "8 fail package-missing-from-index",
    ]);
    expect(report.index?.conda).toEqual(["conda-forge", "defaults"]);
    expect(result.code).toBe(1);
  });

  test("an index that does not answer makes its pins unknown, never a pass, in one finding; --fail-on unknown makes that exit 1", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "requirements.txt"), "numpy==1.26.4\npandas==2.2.2\nscipy==1.13.1\n");
    const flags = ["--check-index", "--index-url", `https://127.0.0.1:${port}/broken/simple`, "--request-timeout", "5"];
    const result = await runCli(["env", "requirements.txt", ...flags, "--format", "json"], {
      cwd: dir,
      caFile: index.caFile,
    });
    expect(result.code).toBe(0);
    const findings = parseJson(result.stdout).findings;
    // Three pins, one index down: one finding that names them all, not three alike.
    expect(findings.map(({ id, status }) => `${status} ${id}`)).toEqual(["unknown package-index-unreachable"]);
    expect(findings[0]?.packages).toEqual(["numpy", "pandas", "scipy"]);
    expect(findings[0]?.message).toMatch(/3 pinned packages are available/);
    expect(
      (await runCli(["env", "requirements.txt", ...flags, "--fail-on", "unknown"], { cwd: dir, caFile: index.caFile }))
        .code,
    ).toBe(1);
  }, 60_000);

  test("credentials in an index URL are sent and never printed", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "requirements.txt"), "contoso-churn-features==0.9.0\n");
    const before = index.requests.length;
    const url = `https://builder:index-s3cret-T0KEN@127.0.0.1:${port}/private/simple`;
    for (const format of ["text", "json", "markdown", "sarif"]) {
      const result = await runCli(
        ["env", "requirements.txt", "--check-index", "--index-url", url, "--format", format, "--verbose"],
        { cwd: dir, caFile: index.caFile },
      );
      expect(`${result.stdout}${result.stderr}`).not.toContain("index-s3cret-T0KEN");
      if (format !== "sarif") expect(result.stdout).toContain(`127.0.0.1:${port}/private/simple`);
      expect(result.code).toBe(0);
    }
    expect(index.requests.slice(before).some((request) => request.authorization !== undefined)).toBe(true);
  });
});
