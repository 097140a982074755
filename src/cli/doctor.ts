// The image-build doctor's commands: `build-log <file|->` and `env <file>`. They read local files
// (and, with --check-index, package indexes); they never talk to ARM.

import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import type { Argv } from "yargs";
import { DOCTOR_FORMATS, renderDoctor, type DoctorFormat } from "../../reports/doctor/index.js";
import { summaryLine } from "../../reports/doctor/text.js";
import { ENV_KINDS, type EnvKind } from "../doctor/env/shared.js";
import { doctorExitCode, doctorExitSentence, scrubReport, sortFindings, summarise } from "../doctor/report.js";
import type { DoctorReport } from "../doctor/types.js";
import { PreflightError } from "../engine/errors.js";
import type { FailOn } from "../engine/types.js";
import type { IndexFlags } from "../doctor/env/index-check.js";
import type { CliIo } from "./io.js";


interface DoctorArgs {
  file: string;
  format: DoctorFormat;
  out?: string;
  "fail-on": FailOn;
  verbose: boolean;
}

export interface BuildLogArgs extends DoctorArgs {
  workspace?: string;
}

export interface EnvArgs extends DoctorArgs, IndexFlags {
  kind?: EnvKind;
  registry?: string;
  "check-index": boolean;
}

const FAIL_ON = ["fail", "warn", "unknown"] as const;

function doctorOptions(argv: Argv): Argv {
  return argv
    .option("format", { choices: DOCTOR_FORMATS, default: "text" as DoctorFormat, describe: "Report format on stdout" })
    .option("out", { type: "string", describe: "Write the report to this file (the summary still goes to stderr)" })
    .option("fail-on", { choices: FAIL_ON, default: "fail" as const, describe: "Lowest status that makes the exit code 1" });
}

export function buildLogOptions(argv: Argv): Argv {
  return doctorOptions(argv.positional("file", { type: "string", describe: "The image build log (20_image_build_log.txt), or - for standard input" })).option("workspace", {
    alias: "w",
    type: "string",
    describe: "Workspace to name in the `preflight --workspace` command offered for registry causes",
  });
}

export function envOptions(argv: Argv): Argv {
  return doctorOptions(argv.positional("file", { type: "string", describe: "conda.yml, requirements.txt, Dockerfile or an Azure ML environment YAML" }))
    .option("kind", { choices: ENV_KINDS, describe: "What the file is (default: from its name and content)" })
    .option("registry", { type: "string", describe: "The workspace's container registry name, to catch `<registry>/image` written without its host" })
    .option("check-index", { type: "boolean", default: false, describe: "Look every pinned package up on its index (PEP 691) and conda channels (repodata.json)" })
    .option("index-url", { type: "string", describe: "Pip index for --check-index (default: the file's --index-url, else https://pypi.org/simple)" })
    .option("extra-index-url", { type: "string", array: true, describe: "More pip indexes for --check-index (added to the file's)" })
    .option("channel", { type: "string", array: true, describe: "Conda channels for --check-index, in priority order (default: the file's channels, else defaults)" })
    .option("conda-channel-alias", { type: "string", default: "https://conda.anaconda.org", describe: "Where named conda channels live (conda's channel_alias)" })
    .option("conda-defaults", {
      type: "string",
      array: true,
      default: ["https://repo.anaconda.com/pkgs/main", "https://repo.anaconda.com/pkgs/r"],
      describe: "What the conda channel `defaults` means (conda's default_channels)",
    })
    .option("python", { type: "string", describe: "Target Python for --check-index, e.g. 3.10 (default: the conda file's python pin)" })
    .option("platform", { choices: ["linux-64", "linux-aarch64"] as const, default: "linux-64" as const, describe: "Target platform for --check-index" })
    .option("glibc", { type: "string", default: "2.31", describe: "Target glibc for manylinux wheels (2.31: Ubuntu 20.04 images; 2.35: 22.04)" })
    .option("request-timeout", { type: "number", default: 30, describe: "Seconds before one index request is abandoned (its packages become unknown)" });
}

async function readSource(path: string, io: CliIo): Promise<string> {
  if (path === "-") {
    if (!io.readStdin) throw new PreflightError("reading standard input is not available here");
    return io.readStdin();
  }
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new PreflightError(code === "ENOENT" ? `${path} does not exist` : code === "EISDIR" ? `${path} is a directory, not a file` : `cannot read ${path} (${code ?? "error"})`);
  }
}

export async function buildLogCommand(args: BuildLogArgs, io: CliIo, toolVersion: string): Promise<number> {
  const text = await readSource(args.file, io);
  if (text.trim() === "") throw new PreflightError(`${args.file === "-" ? "standard input" : args.file} is empty: nothing to read`);
  // The parsers (yaml, dockerfile-ast, pip-requirements-js) load only for the command that needs them.
  const { analyzeBuildLog } = await import("../doctor/build-log/analyze.js");
  const report = analyzeBuildLog(text, { path: args.file, toolVersion, ...(args.workspace ? { workspace: args.workspace } : {}) });
  return emit(report, args, io);
}

/** Index flags that cannot mean anything are usage errors, before any file is read. */
function checkIndexFlags(args: EnvArgs): void {
  const timeout = args["request-timeout"];
  if (typeof timeout !== "number" || !Number.isFinite(timeout) || timeout <= 0) throw new PreflightError(`--request-timeout must be a positive number of seconds, got ${String(timeout)}`);
  if (!/^\d+\.\d+$/.test(args.glibc)) throw new PreflightError(`--glibc must be a version such as 2.31, got "${args.glibc}"`);
  if (args.python !== undefined && !/^3\.\d+(?:\.\d+)?$/.test(args.python)) throw new PreflightError(`--python must be a Python 3 version such as 3.10, got "${args.python}"`);
  for (const url of [args["index-url"], ...(args["extra-index-url"] ?? []), args["conda-channel-alias"], ...args["conda-defaults"]]) {
    if (url !== undefined && !/^https?:\/\/[^/\s]+/i.test(url)) throw new PreflightError(`index and channel URLs must be http(s) URLs, got "${url.replace(/\/\/[^/@\s]*@/, "//")}"`);
  }
}

export async function envCommand(args: EnvArgs, io: CliIo, toolVersion: string): Promise<number> {
  checkIndexFlags(args);
  const text = await readSource(args.file, io);
  if (args.file === "-" && !args.kind) throw new PreflightError("env - (standard input) needs --kind: conda, requirements, dockerfile or azureml-environment");
  const { lintEnvironment } = await import("../doctor/env/lint.js");
  const lint = await lintEnvironment(args.file, text, (path) => readFile(path, "utf8").catch(() => undefined), {
    ...(args.kind ? { kind: args.kind } : {}),
    ...(args.registry ? { registry: args.registry } : {}),
  });
  let findings = lint.findings;
  let index: DoctorReport["index"];
  if (args["check-index"]) {
    const { checkIndexes } = await import("../doctor/env/index-check.js");
    const checked = await checkIndexes(lint, args);
    findings = [...findings, ...checked.findings];
    index = checked.index;
  }
  findings = sortFindings(findings, [lint.source.path, ...lint.files.map((file) => file.path)]);
  const report: DoctorReport = {
    schemaVersion: 1,
    tool: { name: "aml-preflight", version: toolVersion },
    command: "env",
    source: lint.source,
    files: lint.files,
    summary: summarise(findings),
    findings,
    ...(index ? { index } : {}),
  };
  return emit(report, args, io);
}

async function emit(report: DoctorReport, args: DoctorArgs, io: CliIo): Promise<number> {
  const colour = !args.out && args.format === "text" && io.stdoutIsTTY && !io.env.NO_COLOR;
  const text = renderDoctor(args.format, scrubReport(report), { colour, verbose: args.verbose, failOn: args["fail-on"] });
  if (args.out) {
    await mkdir(dirname(resolve(args.out)), { recursive: true });
    await writeFile(args.out, text, "utf8");
    io.stderr(`${summaryLine(report)}\n${doctorExitSentence(report, args["fail-on"])}\n`);
  } else {
    io.stdout(text);
  }
  return doctorExitCode(report, args["fail-on"]);
}
