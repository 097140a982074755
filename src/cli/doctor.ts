// The image-build doctor's commands: `build-log <file|->` and `env <file>`. They read local files
// (and, with --check-index, package indexes); they never talk to ARM.

import { readFile } from "node:fs/promises";
import { renderDoctor } from "../../reports/doctor/index.js";
import { summaryLine } from "../../reports/doctor/text.js";
import { doctorExitCode, doctorExitSentence, scrubReport, sortFindings, summarise } from "../doctor/report.js";
import { decodeNamedSource, decodeSource } from "../doctor/source-text.js";
import type { DoctorReport } from "../doctor/types.js";
import { PreflightError } from "../core/errors.js";
import type { ParsedArgs } from "./args.js";
import { writeOutputs } from "./common.js";
import { buildLogSettings, envSettings, type DoctorSettings } from "./doctor-options.js";
import type { CliIo } from "./io.js";

/** The file (or standard input) as text; empty or binary input is refused with one line. */
async function readSource(path: string, io: CliIo): Promise<string> {
  if (path === "-") {
    if (!io.readStdin) throw new PreflightError("reading standard input is not available here");
    return decodeSource(await io.readStdin(), "standard input");
  }
  return decodeSource(await readBytes(path), path);
}

async function readBytes(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
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

export async function buildLogCommand(args: ParsedArgs, io: CliIo, toolVersion: string): Promise<number> {
  const settings = buildLogSettings(args);
  const text = await readSource(settings.file, io);
  // The parsers (yaml, dockerfile-ast, pip-requirements-js) load only for the command that needs them.
  const { analyzeBuildLog } = await import("../doctor/build-log/analyze.js");
  const report = analyzeBuildLog(text, {
    path: settings.file,
    toolVersion,
    ...(settings.workspace ? { workspace: settings.workspace } : {}),
  });
  return emit(report, settings, io);
}

export async function envCommand(args: ParsedArgs, io: CliIo, toolVersion: string): Promise<number> {
  const settings = envSettings(args);
  const text = await readSource(settings.file, io);
  if (!settings.kind) {
    const { looksLikeBuildLog } = await import("../doctor/build-log/log.js");
    if (looksLikeBuildLog(text))
      throw new PreflightError(
        `${settings.file === "-" ? "standard input" : settings.file} is an image build log, not an environment file: run \`preflight build-log ${settings.file}\` (or give --kind)`,
      );
  }
  if (settings.file === "-" && !settings.kind)
    throw new PreflightError(
      "env - (standard input) needs --kind: conda, requirements, dockerfile or azureml-environment",
    );
  const { lintEnvironment } = await import("../doctor/env/lint.js");
  // The files it names (-r, conda_file, the Dockerfile) decode as the file given does (UTF-16, gzip).
  const readNamed = async (path: string) => {
    const bytes = await readFile(path).catch(() => undefined);
    return bytes && decodeNamedSource(bytes, path);
  };
  const lint = await lintEnvironment(settings.file, text, readNamed, {
    ...(settings.kind ? { kind: settings.kind } : {}),
    ...(settings.registry ? { registry: settings.registry } : {}),
  });
  let findings = lint.findings;
  let index: DoctorReport["index"];
  if (settings.checkIndex) {
    const { checkIndexes } = await import("../doctor/env/index-check.js");
    const checked = await checkIndexes(lint, settings.index);
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
  return emit(report, settings, io);
}

async function emit(report: DoctorReport, settings: DoctorSettings, io: CliIo): Promise<number> {
  const { failOn } = settings;
  const scrubbed = scrubReport(report);
  await writeOutputs(settings.outputs, io, (format, options) => renderDoctor(format, scrubbed, options), {
    verbose: settings.verbose,
    failOn,
    summary: () => `${summaryLine(report)}\n${doctorExitSentence(report, failOn)}`,
  });
  return doctorExitCode(report, failOn);
}
