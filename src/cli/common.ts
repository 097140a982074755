// What the audit commands share: report flags, check selection, where reports go, and the ARM
// connection (endpoint, credential, timeouts, retries) that live, collect and fleet open alike.

import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Argv } from "yargs";
import { FORMATS, isFormat, type Format } from "../../reports/formats.js";
import type { RenderOptions } from "../../reports/shared.js";
import type { ArmReader } from "../collect/arm.js";
import type { Redactor } from "../core/redact.js";
import { PreflightError } from "../core/errors.js";
import type { CliIo } from "./io.js";

const FAIL_ON = ["fail", "warn", "unknown"] as const;

export interface AuditArgs {
  format: Format;
  out?: string;
  report?: string[];
  "docs-url"?: string;
  only?: string[];
  skip?: string[];
  "fail-on": (typeof FAIL_ON)[number];
  ticket?: string;
  verbose: boolean;
}

/** How to reach ARM: the flags live, collect and fleet share. */
export interface ConnectionArgs {
  "arm-endpoint"?: string;
  keys: boolean;
  "request-timeout": number;
  timeout: number;
  retries: number;
  "retry-delay": number;
  "max-retry-after": number;
}

export function reportOptions(argv: Argv): Argv {
  return argv
    .option("format", { choices: FORMATS, default: "text", describe: "Report format on stdout" })
    .option("out", { type: "string", describe: "Write the report to this file (the summary still goes to stderr)" })
    .option("only", { type: "string", array: true, describe: "Run only these checks (comma-separated ids)" })
    .option("skip", { type: "string", array: true, describe: "Skip these checks (comma-separated ids)" })
    .option("fail-on", {
      choices: FAIL_ON,
      default: "fail" as const,
      describe: "Lowest status that makes the exit code 1",
    })
    .option("report", {
      type: "string",
      array: true,
      describe: `Also write <format>=<path> from the same run (repeatable; formats: ${FORMATS.join(", ")})`,
    })
    .option("ticket", { type: "string", describe: "Support ticket id, printed in every report format" })
    .option("docs-url", {
      type: "string",
      describe:
        "URL of the published check pages, {id} for the check id (default: PREFLIGHT_DOCS_URL; else reports name docs/checks/<id>.md)",
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
      type: "number",
      default: 30,
      describe: "Seconds before one ARM request is abandoned (its reads become unknown)",
    })
    .option("timeout", {
      type: "number",
      default: defaultTimeoutSeconds,
      describe: "Seconds for the whole collection; what is unread by then is unknown, the report still comes out",
    })
    .option("retries", {
      type: "number",
      default: 3,
      describe: "Retries of a throttled (429), failed (5xx) or dropped request",
    })
    .option("retry-delay", {
      type: "number",
      default: 1,
      describe: "Seconds before the first retry of a 5xx or dropped request; doubles each time",
    })
    .option("max-retry-after", {
      type: "number",
      default: 60,
      describe: "Longest Retry-After (seconds) waited for; a longer one leaves the read unknown",
    });
}

/** A flag in seconds: a finite number above zero (or zero, where `zeroAllowed`). */
export function positiveSeconds(args: object, flag: string, zeroAllowed = false): number {
  const value = (args as Record<string, unknown>)[flag];
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || (value === 0 && !zeroAllowed)) {
    throw new PreflightError(
      `--${flag} must be a ${zeroAllowed ? "non-negative" : "positive"} number of seconds, got ${String(value)}`,
    );
  }
  return value;
}

/**
 * A reader on the ARM endpoint the flags name, signed in and with the run's deadline started.
 * The Azure SDK takes most of start-up: it is loaded only by commands that talk to ARM.
 */
export async function openReader(
  args: ConnectionArgs,
  io: CliIo,
  extra: { concurrency?: number } = {},
): Promise<{ reader: ArmReader; redactor: Redactor; endpoint: string }> {
  const [{ ArmReader, DEFAULT_ARM_ENDPOINT }, { createCredential, ensureToken }, { Redactor }, { DEFAULT_RETRY }] =
    await Promise.all([
      import("../collect/arm.js"),
      import("../collect/credential.js"),
      import("../core/redact.js"),
      import("../core/retry.js"),
    ]);
  const endpoint = (args["arm-endpoint"] || io.env.PREFLIGHT_ARM_ENDPOINT || DEFAULT_ARM_ENDPOINT).replace(/\/+$/, "");
  if (!/^https:\/\//i.test(endpoint)) {
    throw new PreflightError(`--arm-endpoint "${endpoint}" must be an https:// URL`);
  }
  const requestTimeout = positiveSeconds(args, "request-timeout");
  const runTimeout = positiveSeconds(args, "timeout");
  const retryDelay = positiveSeconds(args, "retry-delay", true);
  const maxRetryAfter = positiveSeconds(args, "max-retry-after", true);
  const retries = args.retries;
  if (!Number.isInteger(retries) || retries < 0 || retries > 10)
    throw new PreflightError(`--retries must be a whole number from 0 to 10, got ${String(retries)}`);
  // The deadline runs from here: signing in counts against it too.
  const deadline = AbortSignal.timeout(runTimeout * 1000);
  const credential = createCredential(io.env);
  await ensureToken(credential, endpoint, Math.min(20_000, runTimeout * 1000));
  const redactor = new Redactor();
  const reader = new ArmReader({
    credential,
    endpoint,
    requestTimeoutMs: requestTimeout * 1000,
    retry: {
      ...DEFAULT_RETRY,
      maxRetries: retries,
      retryDelayMs: retryDelay * 1000,
      maxRetryAfterMs: maxRetryAfter * 1000,
    },
    deadline,
    deadlineSeconds: runTimeout,
    redactor,
    ...(extra.concurrency !== undefined ? { concurrency: extra.concurrency } : {}),
  });
  return { reader, redactor, endpoint };
}

/** One report to write: stdout (path undefined) or a file. */
export interface Output {
  format: Format;
  path?: string;
}

/** --format/--out plus every --report <format>=<path>, checked: known formats, one writer per path. */
export function outputsFor(args: AuditArgs): Output[] {
  const outputs: Output[] = [{ format: args.format, ...(args.out ? { path: args.out } : {}) }];
  for (const entry of args.report ?? []) {
    const at = entry.indexOf("=");
    const format = at > 0 ? entry.slice(0, at).trim() : "";
    const path = at > 0 ? entry.slice(at + 1).trim() : "";
    if (!format || !path)
      throw new PreflightError(`--report "${entry}" must be <format>=<path>, e.g. --report junit=out/preflight.xml`);
    if (!isFormat(format))
      throw new PreflightError(`--report "${entry}": unknown format "${format}"; known: ${FORMATS.join(", ")}`);
    outputs.push({ format, path });
  }
  const paths = outputs.flatMap((output) => (output.path ? [resolve(output.path)] : []));
  const twice = paths.find((path, index) => paths.indexOf(path) !== index);
  if (twice)
    throw new PreflightError(`two reports would be written to ${twice}; give each --report/--out its own path`);
  return outputs;
}

/** Where the check pages are published: the --docs-url template, checked; undefined when none is given. */
export function docsUrlFor(args: AuditArgs, env: NodeJS.ProcessEnv): ((check: { id: string }) => string) | undefined {
  const template = (args["docs-url"] || env.PREFLIGHT_DOCS_URL || "").trim();
  if (!template) return undefined;
  if (!template.includes("{id}"))
    throw new PreflightError(
      `--docs-url "${template}" must contain {id}, e.g. https://example.org/docs/checks/{id}.md`,
    );
  try {
    new URL(template.replaceAll("{id}", "x"));
  } catch {
    throw new PreflightError(`--docs-url "${template}" is not an absolute URL`);
  }
  return (check) => template.replaceAll("{id}", check.id);
}

/** The package root (where docs/checks/ is), from src/cli or dist/src/cli alike. */
function packageRoot(): string {
  const here = fileURLToPath(import.meta.url);
  return here.includes("/dist/") ? here.slice(0, here.lastIndexOf("/dist/")) : here.slice(0, here.lastIndexOf("/src/"));
}

export function docsPath(check: { docs: string }): string {
  return join(packageRoot(), check.docs);
}

/**
 * Renders and writes every output the flags ask for (--format on stdout or --out, each --report),
 * one rendering per output; `redactor`, when the run read secrets, goes over each text last.
 */
export async function writeOutputs(
  args: AuditArgs,
  io: CliIo,
  render: (format: Format, options: RenderOptions) => string | Promise<string>,
  redactor?: Redactor,
): Promise<void> {
  const docsUrl = docsUrlFor(args, io.env);
  for (const output of outputsFor(args)) {
    const colour = !output.path && output.format === "text" && io.stdoutIsTTY && !io.env.NO_COLOR;
    let text = await render(output.format, {
      colour,
      verbose: args.verbose,
      failOn: args["fail-on"],
      ...(docsUrl ? { docsUrl } : {}),
      installedDocsUrl: (check) => pathToFileURL(docsPath(check)).href,
    });
    // Last line of defence: nothing seen as a secret during this run is printed.
    if (redactor) text = redactor.redact(text);
    if (!output.path) {
      io.stdout(text);
      continue;
    }
    await mkdir(dirname(resolve(output.path)), { recursive: true });
    await writeFile(output.path, text, "utf8");
    if (output.path !== args.out) io.stderr(`preflight: wrote ${output.format} report to ${output.path}\n`);
  }
}
