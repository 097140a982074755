// The image-build doctor's commands: `build-log <file|->` and `env <file>`. They read local files
// (and, with --check-index, package indexes); they never talk to ARM.

import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { renderDoctor } from "../../reports/doctor/index.js";
import { summaryLine } from "../../reports/doctor/text.js";
import { doctorExitCode, doctorExitSentence, scrubReport, sortFindings, summarise } from "../doctor/report.js";
import type { DoctorReport } from "../doctor/types.js";
import { PreflightError } from "../core/errors.js";
import type { BuildLogArgs, DoctorArgs, EnvArgs } from "./doctor-options.js";
import type { CliIo } from "./io.js";

async function readSource(path: string, io: CliIo): Promise<string> {
  if (path === "-") {
    if (!io.readStdin) throw new PreflightError("reading standard input is not available here");
    return io.readStdin();
  }
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new PreflightError(
      code === "ENOENT"
        ? `${path} does not exist`
        : code === "EISDIR"
          ? `${path} is a directory, not a file`
          : `cannot read ${path} (${code ?? "error"})`,
    );
  }
}

export async function buildLogCommand(args: BuildLogArgs, io: CliIo, toolVersion: string): Promise<number> {
  const text = await readSource(args.file, io);
  if (text.trim() === "")
    throw new PreflightError(`${args.file === "-" ? "standard input" : args.file} is empty: nothing to read`);
  // The parsers (yaml, dockerfile-ast, pip-requirements-js) load only for the command that needs them.
  const { analyzeBuildLog } = await import("../doctor/build-log/analyze.js");
  const report = analyzeBuildLog(text, {
    path: args.file,
    toolVersion,
    ...(args.workspace ? { workspace: args.workspace } : {}),
  });
  return emit(report, args, io);
}

/** Index flags that cannot mean anything are usage errors, before any file is read. */
function checkIndexFlags(args: EnvArgs): void {
  const timeout = args["request-timeout"];
  if (typeof timeout !== "number" || !Number.isFinite(timeout) || timeout <= 0)
    throw new PreflightError(`--request-timeout must be a positive number of seconds, got ${String(timeout)}`);
  if (!/^\d+\.\d+$/.test(args.glibc))
    throw new PreflightError(`--glibc must be a version such as 2.31, got "${args.glibc}"`);
  if (args.python !== undefined && !/^3\.\d+(?:\.\d+)?$/.test(args.python))
    throw new PreflightError(`--python must be a Python 3 version such as 3.10, got "${args.python}"`);
  for (const url of [
    args["index-url"],
    ...(args["extra-index-url"] ?? []),
    args["conda-channel-alias"],
    ...args["conda-defaults"],
  ]) {
    if (url !== undefined && !/^https?:\/\/[^/\s]+/i.test(url))
      throw new PreflightError(
        `index and channel URLs must be http(s) URLs, got "${url.replace(/\/\/[^/@\s]*@/, "//")}"`,
      );
  }
}

export async function envCommand(args: EnvArgs, io: CliIo, toolVersion: string): Promise<number> {
  checkIndexFlags(args);
  const text = await readSource(args.file, io);
  if (args.file === "-" && !args.kind)
    throw new PreflightError(
      "env - (standard input) needs --kind: conda, requirements, dockerfile or azureml-environment",
    );
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
  const text = renderDoctor(args.format, scrubReport(report), {
    colour,
    verbose: args.verbose,
    failOn: args["fail-on"],
  });
  if (args.out) {
    await mkdir(dirname(resolve(args.out)), { recursive: true });
    await writeFile(args.out, text, "utf8");
    io.stderr(`${summaryLine(report)}\n${doctorExitSentence(report, args["fail-on"])}\n`);
  } else {
    io.stdout(text);
  }
  return doctorExitCode(report, args["fail-on"]);
}
