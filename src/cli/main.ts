// The command line of docs/cli.md. `main` returns an exit code and never touches
// `process` itself: bin.ts owns argv, env and exit.

import yargs, { type Argv } from "yargs";
import { scrubFreeText } from "../core/redact.js";
import { PreflightError } from "../core/errors.js";
import { reportOptions } from "./common.js";
import { buildLogOptions, envOptions } from "./doctor-options.js";
import { fleetOptions } from "./fleet-options.js";
import { targetOptions } from "./target-options.js";
import type { CliIo } from "./io.js";
import packageJson from "../../package.json" with { type: "json" };

const TOOL_VERSION: string = packageJson.version;

export type { CliIo } from "./io.js";

/** The commands the parser can dispatch to. */
export type CommandName = "live" | "collect" | "audit" | "checks" | "build-log" | "env" | "fleet";

/**
 * The CLI's own parser: flags, choices and commands, with `onCommand` called for the command the
 * arguments name. `main` runs the command; tests (the pipeline file's command line) only record it.
 */
export function createParser(
  args: string[],
  onCommand: (command: CommandName, argv: Record<string, unknown>) => Promise<void>,
): Argv {
  return (
    yargs(args)
      .scriptName("preflight")
      // Options are read by their dashed names; camelCase copies would only double "Unknown argument" messages.
      .parserConfiguration({ "camel-case-expansion": false })
      .usage(
        "$0 --workspace <name | resource ID> [options]\n\nAudits an Azure Machine Learning workspace and its network for what breaks environment image builds.",
      )
      .option("verbose", {
        type: "boolean",
        default: false,
        describe: "Show passing findings, evidence and stack traces",
      })
      .command(
        "$0",
        "Collect and audit one workspace",
        (y) => reportOptions(targetOptions(y)),
        (argv) => onCommand("live", argv),
      )
      .command(
        "collect",
        "Collect a workspace into a snapshot file (holds no secrets)",
        (y) =>
          targetOptions(y)
            .option("out", { type: "string", demandOption: true, describe: "Snapshot file to write" })
            .option("only", { type: "string", array: true, describe: "Collect only what these checks need" })
            .option("skip", { type: "string", array: true, describe: "Collect nothing only these checks need" }),
        (argv) => onCommand("collect", argv),
      )
      .command(
        "fleet",
        "Audit every workspace of some subscriptions, a management group or the tenant (also: preflight --all)",
        fleetOptions,
        (argv) => onCommand("fleet", argv),
      )
      .command(
        "audit",
        "Audit a collected snapshot offline",
        (y) =>
          reportOptions(y).option("snapshot", {
            type: "string",
            demandOption: true,
            describe: "Snapshot file from `preflight collect` or `preflight fleet --save-snapshot`",
          }),
        (argv) => onCommand("audit", argv),
      )
      .command(
        "checks [id]",
        "List the checks, or print one check's documentation",
        (y) => y.positional("id", { type: "string", describe: "Check id" }),
        (argv) => onCommand("checks", argv),
      )
      .command(
        "build-log <file>",
        "Explain a failed image build log: each known cause with its line and fix",
        buildLogOptions,
        (argv) => onCommand("build-log", argv),
      )
      .command(
        "env <file>",
        "Lint an environment (conda file, requirements, Dockerfile, Azure ML environment) before it is built",
        envOptions,
        (argv) => onCommand("env", argv),
      )
      .strict()
      .help()
      .version(TOOL_VERSION)
      .wrap(100)
      .exitProcess(false)
      .fail((message, error) => {
        // yargs spreads some messages over several lines ("Invalid values:\n  Argument: ..."): exit 2 says one.
        throw error ?? new PreflightError(`${oneLine(message ?? "invalid arguments")} (see preflight --help)`);
      })
  );
}

/** Each command: its module, loaded when it runs, and its entry point. */
const COMMANDS: Record<CommandName, (argv: Record<string, unknown>, io: CliIo) => Promise<number>> = {
  live: async (argv, io) => (await import("./audit.js")).liveAudit(argv, io, TOOL_VERSION),
  collect: async (argv, io) => (await import("./audit.js")).collectCommand(argv, io, TOOL_VERSION),
  audit: async (argv, io) => (await import("./audit.js")).offlineAudit(argv, io, TOOL_VERSION),
  checks: async (argv, io) => (await import("./audit.js")).checksCommand(argv, io),
  "build-log": async (argv, io) => (await import("./doctor.js")).buildLogCommand(argv, io, TOOL_VERSION),
  env: async (argv, io) => (await import("./doctor.js")).envCommand(argv, io, TOOL_VERSION),
  fleet: async (argv, io) => (await import("./fleet.js")).fleetCommand(argv, io, TOOL_VERSION),
};

/** yargs-parser reads a lone `-` as an empty flag; `build-log -` and `env -` mean standard input. */
const STDIN_ARGUMENT = "\u0000stdin";

/** `preflight --all ...` is `preflight fleet ...`. */
function allAsFleet(args: string[]): string[] {
  if (!args.includes("--all")) return args;
  const rest = args.filter((arg) => arg !== "--all");
  if (rest.some((arg) => arg === "--workspace" || arg === "-w" || arg.startsWith("--workspace="))) {
    throw new PreflightError("--all audits every workspace in scope; drop --workspace (or drop --all to audit one)");
  }
  const first = rest[0];
  if (first !== undefined && !first.startsWith("-") && first !== "fleet")
    throw new PreflightError(
      `--all does not go with the ${first} command; use \`preflight fleet\` or \`preflight --all\``,
    );
  return first === "fleet" ? rest : ["fleet", ...rest];
}

export async function main(rawArgs: string[], io: CliIo): Promise<number> {
  let exitCode = 0;
  const verbose = rawArgs.includes("--verbose");
  const run = async (command: CommandName, argv: Record<string, unknown>): Promise<void> => {
    if (argv.file === STDIN_ARGUMENT) argv.file = "-";
    // Each command's code is loaded only when it runs: parsing and --help stay light. Each reads
    // and checks its own flags before it does anything.
    exitCode = await COMMANDS[command](argv, io);
  };
  try {
    const args = allAsFleet(rawArgs.map((arg) => (arg === "-" ? STDIN_ARGUMENT : arg)));
    let helpText: string | undefined;
    await createParser(args, run).parseAsync(args, {}, (_error, _argv, output) => {
      helpText = output;
    });
    if (helpText) io.stdout(`${helpText}\n`);
    return exitCode;
  } catch (error) {
    // Error text can quote a server's answer (an SDK error echoing a body): scrubbed like ARM messages.
    if (error instanceof PreflightError) {
      io.stderr(`preflight: ${scrubFreeText(oneLine(error.message))}\n`);
      return 2;
    }
    const message = error instanceof Error ? error.message : String(error);
    io.stderr(`preflight: ${scrubFreeText(firstLine(message))}${verbose ? "" : " (run with --verbose for details)"}\n`);
    if (verbose && error instanceof Error && error.stack) io.stderr(`${scrubFreeText(error.stack)}\n`);
    return 2;
  }
}

function firstLine(text: string): string {
  return text.split(/\r?\n/)[0] ?? "";
}

/** Several lines joined into one, their indentation dropped. */
function oneLine(text: string): string {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean)
    .join(" ");
}
