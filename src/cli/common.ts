// What the audit commands share: the report flags and the ARM connection flags (endpoint,
// credential, timeouts, retries), each defined for yargs and read back once into typed, checked
// settings; opening the reader; and writing every report a run asks for (the doctor's too).

import { mkdir, writeFile } from "node:fs/promises";
import { dirname, extname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Argv } from "yargs";
import { FORMATS, isFormat, type Format } from "../../reports/formats.js";
import type { RenderOptions } from "../../reports/shared.js";
import type { ArmReader } from "../collect/arm.js";
import type { Redactor } from "../core/redact.js";
import { PreflightError } from "../core/errors.js";
import { visibleText } from "../core/visible.js";
import { FAIL_ON_LEVELS, type FailOn } from "../core/status.js";
import { booleanFlag, choiceFlag, countFlag, listFlag, secondsFlag, stringFlag, type ParsedArgs } from "./args.js";
import type { CliIo } from "./io.js";
import type { ConfigDefaults } from "./config.js";

/** Azure's public cloud; --arm-endpoint (or PREFLIGHT_ARM_ENDPOINT) names another. */
const DEFAULT_ARM_ENDPOINT = "https://management.azure.com";

/** The report flags, read and checked. */
export interface ReportSettings {
  /** Where each report goes: first --format (stdout, or --out), then every --report. */
  outputs: Array<Output<Format>>;
  only: string[];
  skip: string[];
  failOn: FailOn;
  ticket: string | null;
  verbose: boolean;
  color: ColorChoice;
  /** --fix-script: where to write the fix plan as a bash script. */
  fixScript?: string;
  /** --docs-url (or PREFLIGHT_DOCS_URL) as a function of the check; absent when neither is given. */
  docsUrl?: (check: { id: string }) => string;
}

/** How to reach ARM, read and checked: the flags live, collect and fleet share. */
export interface ConnectionSettings {
  endpoint: string;
  readKeys: boolean;
  requestTimeoutSeconds: number;
  timeoutSeconds: number;
  retries: number;
  retryDelaySeconds: number;
  maxRetryAfterSeconds: number;
}

/** --fail-on, one definition for the audit, the fleet and the doctor; its default is applied when settings are read. */
export function failOnOption(defaultIs: string) {
  return { choices: FAIL_ON_LEVELS, describe: `Lowest status that makes the exit code 1 (default: ${defaultIs})` };
}

/** The report flags; a fleet keeps --fix-script out of its help (it refuses it: a plan is for one workspace). */
export function reportOptions(argv: Argv, { fixScript = true }: { fixScript?: boolean } = {}): Argv {
  return argv
    .option("format", {
      alias: ["o", "output"],
      choices: FORMATS,
      describe: "Report format (default: from --out's extension, else text)",
    })
    .option("out", { type: "string", describe: "Write the report to this file (the summary still goes to stderr)" })
    .option("only", { type: "string", array: true, describe: "Run only these checks (comma-separated ids)" })
    .option("skip", { type: "string", array: true, describe: "Skip these checks (comma-separated ids)" })
    .option("fail-on", failOnOption("the config file's fail-on, else fail"))
    .option("report", {
      type: "string",
      array: true,
      describe: `Also write <format>=<path> from the same run (repeatable; formats: ${FORMATS.join(", ")})`,
    })
    .option("ticket", { type: "string", describe: "Support ticket id, printed in every report format" })
    .option("color", {
      choices: COLOR_CHOICES,
      describe: "Colour in the text report: auto (a terminal without NO_COLOR or TERM=dumb), always, never",
    })
    .option("fix-script", {
      type: "string",
      hidden: !fixScript,
      describe: "Also write the fix plan as a bash script to this file (nothing is run)",
    })
    .option("docs-url", {
      type: "string",
      describe:
        "URL of the published check pages, {id} for the check id (default: PREFLIGHT_DOCS_URL; else reports name docs/checks/<id>.md)",
    })
    .option("config", {
      type: "string",
      describe:
        "Config file (YAML or JSON): flag defaults and waivers (default: preflight.config.yaml, .yml or .json here; --no-config: none)",
    });
}

/** The flags that say how to reach ARM and how long to wait for it. */
export function connectionOptions(argv: Argv, defaultTimeoutSeconds = 300): Argv {
  return argv
    .option("arm-endpoint", {
      type: "string",
      describe: "ARM endpoint (default: PREFLIGHT_ARM_ENDPOINT or https://management.azure.com)",
    })
    .option("keys", {
      type: "boolean",
      default: true,
      describe: "Read listKeys/listCredentials to compare keys (--no-keys to skip)",
    })
    .option("request-timeout", {
      type: "string",
      default: 30,
      describe: "Seconds before one ARM request is abandoned (its reads become unknown)",
    })
    .option("timeout", {
      type: "string",
      default: defaultTimeoutSeconds,
      describe: "Seconds for the whole collection; what is unread by then is unknown, the report still comes out",
    })
    .option("retries", {
      type: "string",
      default: 3,
      describe: "Retries of a throttled (429), failed (5xx) or dropped request",
    })
    .option("retry-delay", {
      type: "string",
      default: 1,
      describe: "Seconds before the first retry of a 5xx or dropped request; doubles each time",
    })
    .option("max-retry-after", {
      type: "string",
      default: 60,
      describe: "Longest Retry-After (seconds) waited for; a longer one leaves the read unknown",
    });
}

/**
 * The report flags of a parsed command line, checked before any request is sent. `defaults` are the
 * config file's (src/cli/config.ts): a flag given beats its default, and so does PREFLIGHT_DOCS_URL.
 */
export function reportSettings(
  args: ParsedArgs,
  env: NodeJS.ProcessEnv,
  defaults: ConfigDefaults = {},
): ReportSettings {
  const docsUrl = docsUrlFor(stringFlag(args, "docs-url") || env.PREFLIGHT_DOCS_URL || defaults.docsUrl);
  const fixScript = stringFlag(args, "fix-script");
  return {
    outputs: outputsFor(formatFor(args, FORMATS), stringFlag(args, "out"), listFlag(args, "report", false)),
    only: args.only === undefined ? (defaults.only ?? []) : listFlag(args, "only"),
    skip: args.skip === undefined ? (defaults.skip ?? []) : listFlag(args, "skip"),
    failOn: args["fail-on"] === undefined ? (defaults.failOn ?? "fail") : choiceFlag(args, "fail-on", FAIL_ON_LEVELS),
    ticket: stringFlag(args, "ticket") ?? null,
    verbose: booleanFlag(args, "verbose"),
    color: args.color === undefined ? "auto" : choiceFlag(args, "color", COLOR_CHOICES),
    ...(fixScript !== undefined ? { fixScript } : {}),
    ...(docsUrl ? { docsUrl } : {}),
  };
}

/** The connection flags of a parsed command line, checked. */
export function connectionSettings(args: ParsedArgs, env: NodeJS.ProcessEnv): ConnectionSettings {
  const endpoint = (stringFlag(args, "arm-endpoint") || env.PREFLIGHT_ARM_ENDPOINT || DEFAULT_ARM_ENDPOINT).replace(
    /\/+$/,
    "",
  );
  if (!/^https:\/\//i.test(endpoint)) throw new PreflightError(`--arm-endpoint "${endpoint}" must be an https:// URL`);
  return {
    endpoint,
    readKeys: booleanFlag(args, "keys"),
    requestTimeoutSeconds: secondsFlag(args, "request-timeout"),
    timeoutSeconds: secondsFlag(args, "timeout"),
    retries: countFlag(args, "retries", 0, 10),
    retryDelaySeconds: secondsFlag(args, "retry-delay", true),
    maxRetryAfterSeconds: secondsFlag(args, "max-retry-after", true),
  };
}

/**
 * A reader on the ARM endpoint of `connection`, signed in and with the run's deadline started.
 * The Azure SDK takes most of start-up: it is loaded only by commands that talk to ARM.
 */
export async function openReader(
  connection: ConnectionSettings,
  io: CliIo,
  extra: { concurrency?: number } = {},
): Promise<{ reader: ArmReader; redactor: Redactor; endpoint: string }> {
  const [{ ArmReader }, { createCredential, ensureToken }, { Redactor }, { DEFAULT_RETRY }] = await Promise.all([
    import("../collect/arm.js"),
    import("../collect/credential.js"),
    import("../core/redact.js"),
    import("../core/retry.js"),
  ]);
  const { endpoint, timeoutSeconds } = connection;
  // The deadline runs from here: signing in counts against it too.
  const deadline = AbortSignal.timeout(timeoutSeconds * 1000);
  const credential = createCredential(io.env);
  await ensureToken(credential, endpoint, Math.min(20_000, timeoutSeconds * 1000));
  const redactor = new Redactor();
  const reader = new ArmReader({
    credential,
    endpoint,
    requestTimeoutMs: connection.requestTimeoutSeconds * 1000,
    retry: {
      ...DEFAULT_RETRY,
      maxRetries: connection.retries,
      retryDelayMs: connection.retryDelaySeconds * 1000,
      maxRetryAfterMs: connection.maxRetryAfterSeconds * 1000,
    },
    deadline,
    deadlineSeconds: timeoutSeconds,
    redactor,
    ...(extra.concurrency !== undefined ? { concurrency: extra.concurrency } : {}),
  });
  return { reader, redactor, endpoint };
}

/** One report to write: stdout (path undefined) or a file. */
export interface Output<F extends string> {
  format: F;
  path?: string;
}

/** --format/--out plus every --report <format>=<path>, checked: known formats, one writer per path. */
function outputsFor(format: Format, out: string | undefined, reports: readonly string[]): Array<Output<Format>> {
  const outputs: Array<Output<Format>> = [{ format, ...(out ? { path: out } : {}) }];
  for (const entry of reports) {
    const at = entry.indexOf("=");
    const reportFormat = at > 0 ? entry.slice(0, at).trim() : "";
    const path = at > 0 ? entry.slice(at + 1).trim() : "";
    if (!reportFormat || !path)
      throw new PreflightError(`--report "${entry}" must be <format>=<path>, e.g. --report junit=out/preflight.xml`);
    if (!isFormat(reportFormat))
      throw new PreflightError(`--report "${entry}": unknown format "${reportFormat}"; known: ${FORMATS.join(", ")}`);
    outputs.push({ format: reportFormat, path });
  }
  const paths = outputs.flatMap((output) => (output.path ? [resolve(output.path)] : []));
  const twice = paths.find((path, index) => paths.indexOf(path) !== index);
  if (twice)
    throw new PreflightError(`two reports would be written to ${twice}; give each --report/--out its own path`);
  return outputs;
}

/** What each file extension means to --out, as `az` users expect of `-o`. */
const FORMAT_OF_EXTENSION: Readonly<Record<string, string>> = {
  ".json": "json",
  ".xml": "junit",
  ".sarif": "sarif",
  ".md": "markdown",
  ".markdown": "markdown",
  ".txt": "text",
  ".log": "text",
  // Formats a user may expect (az writes YAML) that no command writes: refused, not written as text.
  ".yaml": "yaml",
  ".yml": "yaml",
  ".html": "html",
  ".htm": "html",
  ".csv": "csv",
};

/**
 * --format (or -o, --output) as given; else what --out's extension says (`report.json` is JSON);
 * else text. A --format that contradicts the extension is refused rather than written under a
 * misleading name.
 */
export function formatFor<F extends string>(args: ParsedArgs, formats: readonly F[]): F {
  const out = stringFlag(args, "out");
  const extension = out === undefined ? "" : extname(out).toLowerCase();
  const implied = FORMAT_OF_EXTENSION[extension];
  const supported = implied !== undefined && (formats as readonly string[]).includes(implied);
  if (args.format === undefined) {
    if (implied !== undefined && !supported)
      throw new PreflightError(
        `--out ${out ?? ""}: ${extension} would be ${implied}, which this command does not write; give --format (${formats.join(", ")})`,
      );
    return (supported ? implied : "text") as F;
  }
  const format = choiceFlag(args, "format", formats);
  // A contradiction only when the extension names a format this command writes: `--out r.yaml --format
  // json` is how a file with another extension is written.
  if (supported && implied !== format)
    throw new PreflightError(
      `--format ${format} contradicts --out ${out ?? ""} (a ${extension} file is ${implied}); drop one or rename the file`,
    );
  return format;
}

/** Where the check pages are published: the --docs-url template, checked; undefined when none is given. */
function docsUrlFor(given: string | undefined): ((check: { id: string }) => string) | undefined {
  const template = (given ?? "").trim();
  if (!template) return undefined;
  const problem = docsUrlProblem(template);
  if (problem) throw new PreflightError(`--docs-url ${problem}`);
  return (check) => template.replaceAll("{id}", check.id);
}

/** What is wrong with a --docs-url template (flag, PREFLIGHT_DOCS_URL or config file), if anything. */
export function docsUrlProblem(template: string): string | undefined {
  if (!template.includes("{id}"))
    return `"${template}" must contain {id}, e.g. https://example.org/docs/checks/{id}.md`;
  try {
    new URL(template.trim().replaceAll("{id}", "x"));
  } catch {
    return `"${template}" is not an absolute URL`;
  }
  return undefined;
}

/** The package root (where docs/checks/ is), from src/cli or dist/src/cli alike. */
function packageRoot(): string {
  const here = fileURLToPath(import.meta.url);
  return here.includes("/dist/") ? here.slice(0, here.lastIndexOf("/dist/")) : here.slice(0, here.lastIndexOf("/src/"));
}

export function docsPath(check: { docs: string }): string {
  return join(packageRoot(), check.docs);
}

/** What every renderer is told: colour, verbosity, the --fail-on level. */
export interface BaseRenderOptions {
  colour: boolean;
  verbose: boolean;
  failOn: FailOn;
  width: number;
}

const COLOR_CHOICES = ["auto", "always", "never"] as const;
export type ColorChoice = (typeof COLOR_CHOICES)[number];

/** Colour on stdout: --color always/never, else a terminal without NO_COLOR and not TERM=dumb. */
function useColour(choice: ColorChoice, io: CliIo): boolean {
  if (choice !== "auto") return choice === "always";
  return io.stdoutIsTTY && !io.env.NO_COLOR && io.env.TERM !== "dumb";
}

/** The width text wraps to: COLUMNS, else the terminal's, else 100. */
function widthOf(io: CliIo): number {
  const columns = Number(io.env.COLUMNS);
  if (Number.isInteger(columns) && columns >= 40) return columns;
  return io.stdoutColumns && io.stdoutColumns >= 40 ? io.stdoutColumns : 100;
}

/**
 * Renders and writes every output of a run (--format on stdout or --out, each --report), one
 * rendering per output, for the audit, the fleet and the doctor alike. `redactor`, when the run read
 * secrets, goes over each text last. When the main report went to a file, `summary` (the summary
 * line and the exit sentence) goes to stderr so the terminal still says what happened.
 */
export async function writeOutputs<F extends string>(
  outputs: ReadonlyArray<Output<F>>,
  io: CliIo,
  render: (format: F, options: BaseRenderOptions) => string | Promise<string>,
  options: { verbose: boolean; failOn: FailOn; color?: ColorChoice; redactor?: Redactor; summary: () => string },
): Promise<void> {
  const width = widthOf(io);
  for (const [index, output] of outputs.entries()) {
    const colour = !output.path && output.format === "text" && useColour(options.color ?? "auto", io);
    let text = await render(output.format, { colour, verbose: options.verbose, failOn: options.failOn, width });
    // Last line of defence: nothing seen as a secret during this run is printed.
    if (options.redactor) text = options.redactor.redact(text);
    if (!output.path) {
      io.stdout(text);
      continue;
    }
    await mkdir(dirname(resolve(output.path)), { recursive: true });
    await writeFile(output.path, text, "utf8");
    if (index > 0) io.stderr(`preflight: wrote ${output.format} report to ${output.path}\n`);
  }
  // The summary can name a workspace from a snapshot: its control characters are written out.
  if (outputs[0]?.path) io.stderr(`${visibleText(options.summary())}\n`);
}

/** What the audit's renderers are told beyond the basics: where check pages are. */
export function auditRenderOptions(settings: ReportSettings, base: BaseRenderOptions): RenderOptions {
  return {
    ...base,
    ...(settings.docsUrl ? { docsUrl: settings.docsUrl } : {}),
    installedDocsUrl: (check) => pathToFileURL(docsPath(check)).href,
  };
}
