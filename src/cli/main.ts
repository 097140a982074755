// The command line of docs/cli.md. `main` returns an exit code and never touches
// `process` itself: bin.ts owns argv, env and exit.

import leven from "leven";
import yargs, { type Argv } from "yargs";
import { scrubFreeText } from "../core/redact.js";
import { PreflightError } from "../core/errors.js";
import { baselineOptions } from "./baseline-options.js";
import { reportOptions } from "./common.js";
import { diffOptions } from "./diff-options.js";
import { buildLogOptions, envOptions } from "./doctor-options.js";
import { fleetOptions } from "./fleet-options.js";
import { targetOptions } from "./target-options.js";
import type { CliIo } from "./io.js";
import packageJson from "../../package.json" with { type: "json" };

const TOOL_VERSION: string = packageJson.version;

export type { CliIo } from "./io.js";

/** The commands the parser can dispatch to. */
export type CommandName = "live" | "collect" | "audit" | "checks" | "build-log" | "env" | "fleet" | "diff";

interface CommandSpec {
  /** yargs' command string (`$0` for the default, `<file>` for a positional). */
  usage: string;
  describe: string;
  options: (argv: Argv) => Argv;
  /** Real command lines, shown at the end of the command's help. */
  examples: Array<[command: string, what: string]>;
  /** The module that runs it, loaded only when it runs: parsing and --help stay light. */
  run: (argv: Record<string, unknown>, io: CliIo) => Promise<number>;
}

const COMMANDS: Record<CommandName, CommandSpec> = {
  live: {
    usage: "$0",
    describe: "Collect and audit one workspace",
    options: (y) => baselineOptions(reportOptions(targetOptions(y))),
    examples: [
      ["$0 --workspace ml-research", "audit a workspace of the default subscription"],
      ["$0 -w ml-research -g ml-rg -o json --out preflight.json", "write the JSON report to a file"],
      ["$0 -w ml-research --only key-sync,private-dns --fail-on warn", "two checks, failing on warnings too"],
      ["$0 -w ml-research --baseline yesterday.json --fail-on-new", "fail only on what is new since yesterday"],
    ],
    run: async (argv, io) => (await import("./audit.js")).liveAudit(argv, io, TOOL_VERSION),
  },
  collect: {
    usage: "collect",
    describe: "Collect a workspace into a snapshot file (holds no secrets)",
    options: (y) =>
      targetOptions(y)
        .option("out", { type: "string", demandOption: true, describe: "Snapshot file to write" })
        .option("only", { type: "string", array: true, describe: "Collect only what these checks need" })
        .option("skip", { type: "string", array: true, describe: "Collect nothing only these checks need" }),
    examples: [
      ["$0 collect -w ml-research --out snapshot.json", "read everything once; audit it later, offline"],
      ["$0 collect -w ml-research --out dns.json --only private-dns", "only what private-dns needs"],
    ],
    run: async (argv, io) => (await import("./audit.js")).collectCommand(argv, io, TOOL_VERSION),
  },
  fleet: {
    usage: "fleet",
    describe: "Audit every workspace of some subscriptions, a management group or the tenant (also: preflight --all)",
    options: fleetOptions,
    examples: [
      ["$0 fleet --subscription 00000000-0000-0000-0000-000000000000", "every workspace of one subscription"],
      ["$0 fleet --management-group mg-ml-prod --tag env=prod -o markdown --out fleet.md", "a management group"],
      ["$0 --all --save-snapshot fleet.json", "every workspace the credential can see, kept for offline audits"],
    ],
    run: async (argv, io) => (await import("./fleet.js")).fleetCommand(argv, io, TOOL_VERSION),
  },
  audit: {
    usage: "audit",
    describe: "Audit a collected snapshot offline",
    options: (y) =>
      baselineOptions(reportOptions(y)).option("snapshot", {
        type: "string",
        demandOption: true,
        describe: "Snapshot file from `preflight collect` or `preflight fleet --save-snapshot`",
      }),
    examples: [
      ["$0 audit --snapshot snapshot.json", "the same report as the live audit, without Azure"],
      ["$0 audit --snapshot ticket-4711.json -o markdown --verbose", "a snapshot attached to a ticket, with evidence"],
      ["$0 audit --snapshot today.json --baseline last-week.json", "what is new, unchanged and fixed since then"],
    ],
    run: async (argv, io) => (await import("./audit.js")).offlineAudit(argv, io, TOOL_VERSION),
  },
  diff: {
    usage: "diff [before] [after]",
    describe:
      "Compare two snapshots (or JSON reports) of one workspace: what changed, and the verdicts that changed with it",
    options: diffOptions,
    examples: [
      ["$0 diff last-week.snapshot.json today.snapshot.json", "what moved, and which checks it broke"],
      ["$0 diff monday.json friday.json -o markdown --out drift.md", "two JSON reports: the verdicts that changed"],
    ],
    run: async (argv, io) => (await import("./diff.js")).diffCommand(argv, io, TOOL_VERSION),
  },
  checks: {
    usage: "checks [id]",
    describe: "List the checks, or print one check's documentation",
    options: (y) => y.positional("id", { type: "string", describe: "Check id" }),
    examples: [
      ["$0 checks", "every check with its severity"],
      ["$0 checks private-dns", "what private-dns checks, why builds break, and the fix"],
    ],
    run: async (argv, io) => (await import("./audit.js")).checksCommand(argv, io),
  },
  "build-log": {
    usage: "build-log <file>",
    describe: "Explain a failed image build log: each known cause with its line and fix",
    options: buildLogOptions,
    examples: [
      ["$0 build-log 20_image_build_log.txt", "why did this image build fail?"],
      ["az ml job download ... && $0 build-log - < 20_image_build_log.txt", "the log on standard input"],
    ],
    run: async (argv, io) => (await import("./doctor.js")).buildLogCommand(argv, io, TOOL_VERSION),
  },
  env: {
    usage: "env <file>",
    describe: "Lint an environment (conda file, requirements, Dockerfile, Azure ML environment) before it is built",
    options: envOptions,
    examples: [
      ["$0 env environment.yml", "an Azure ML environment, its conda file and Dockerfile"],
      ["$0 env conda.yml --check-index --python 3.10", "also look every pin up on its index"],
    ],
    run: async (argv, io) => (await import("./doctor.js")).envCommand(argv, io, TOOL_VERSION),
  },
};

/** Flags every command takes. */
function globalOptions(argv: Argv): Argv {
  return argv.option("verbose", {
    type: "boolean",
    default: false,
    describe: "Show passing findings, evidence and stack traces",
  });
}

/**
 * The CLI's own parser: flags, choices and commands, with `onCommand` called for the command the
 * arguments name. `main` runs the command; tests (the pipeline file's command line) only record it.
 */
export function createParser(
  args: string[],
  onCommand: (command: CommandName, argv: Record<string, unknown>) => Promise<void>,
): Argv {
  let parser = globalOptions(
    yargs(args)
      .scriptName("preflight")
      // Options are read by their dashed names; camelCase copies would only double "Unknown argument" messages.
      .parserConfiguration({ "camel-case-expansion": false })
      .usage(
        "$0 --workspace <name | resource ID> [options]\n\nAudits an Azure Machine Learning workspace and its network for what breaks environment image builds.",
      ),
  );
  for (const [name, spec] of Object.entries(COMMANDS) as Array<[CommandName, CommandSpec]>) {
    parser = parser.command(
      spec.usage,
      spec.describe,
      (y) => {
        const withOptions = spec.options(y);
        for (const [command, what] of spec.examples) withOptions.example(command, what);
        return withOptions;
      },
      (argv) => onCommand(name, argv),
    );
  }
  return parser
    .strict()
    .help()
    .alias("help", "h")
    .version(TOOL_VERSION)
    .wrap(100)
    .exitProcess(false)
    .fail((message, error) => {
      throw error ?? new PreflightError(`${usageError(message ?? "invalid arguments")} (see preflight --help)`);
    });
}

/** yargs' own messages, in one line and in the words of the rest of the CLI. */
function usageError(message: string): string {
  const line = oneLine(message);
  // "Invalid values: Argument: format, Given: "yaml", Choices: "text", "json""
  const choice = /^Invalid values: Argument: ([\w-]+), Given: (.*?), Choices: (.*)$/.exec(line);
  if (choice) return `--${choice[1]} must be one of ${(choice[3] ?? "").replaceAll('"', "")}, got ${choice[2] ?? ""}`;
  // `build-log` and `env` without their file.
  if (/^Not enough non-option arguments/.test(line)) return "missing a file to read (or - for standard input)";
  const missing = /^Missing required arguments?: (.*)$/.exec(line);
  if (missing)
    return (missing[1] ?? "")
      .split(", ")
      .map((name) => (name === "file" ? "a file to read (or - for standard input)" : `--${name}`))
      .join(", ")
      .replace(/^/, "missing ");
  return line;
}

/** The command `args` name: the first word, when it is one of ours. */
function commandOf(args: readonly string[]): CommandName {
  const first = args[0];
  if (first === undefined || first.startsWith("-")) return "live";
  if (first in COMMANDS && first !== "live") return first as CommandName;
  const names = Object.keys(COMMANDS).filter((name) => name !== "live");
  const near = closest(first, names);
  throw new PreflightError(
    `unknown command "${first}"${near ? `; did you mean \`preflight ${near}\`?` : `; commands: ${names.join(", ")}`}`,
  );
}

/** What yargs (18) says of the options a parser defines; @types/yargs (17) does not declare the method. */
interface DefinedOptions {
  getOptions(): { key: Record<string, unknown>; alias: Record<string, string[]> };
}

/** Every flag and alias a command takes, as it is spelt on the command line (the tests walk them). */
export function flagsOf(command: CommandName): Set<string> {
  const parser: Argv & Partial<DefinedOptions> = globalOptions(COMMANDS[command].options(yargs([])));
  const options = parser.getOptions?.() ?? { key: {}, alias: {} };
  return new Set([...Object.keys(options.key), ...Object.values(options.alias).flat(), "help", "h", "version"]);
}

/**
 * Unknown flags and commands are named before anything else is said (yargs would first complain that
 * --workspace is missing when --workspce was typed), with the nearest known one.
 */
function refuseUnknown(args: readonly string[]): void {
  const command = commandOf(args);
  const known = flagsOf(command);
  for (const arg of args) {
    if (arg === "--") break;
    // A negative number is a value, not a flag.
    if (!arg.startsWith("-") || /^-\d/.test(arg) || arg === STDIN_ARGUMENT) continue;
    const name = arg.replace(/^--?/, "").split("=")[0] ?? "";
    const bare = name.startsWith("no-") && !known.has(name) ? name.slice(3) : name;
    if (known.has(bare)) continue;
    const near = closest(
      name,
      [...known].filter((flag) => flag.length > 1),
    );
    throw new PreflightError(
      `unknown flag ${arg.split("=")[0]}${command === "live" ? "" : ` for \`preflight ${command}\``}${near ? `; did you mean --${near}?` : ""} (see preflight ${command === "live" ? "" : `${command} `}--help)`,
    );
  }
}

/** The candidate nearest to `word`, if near enough to be what was meant. */
function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = leven(word.toLowerCase(), candidate.toLowerCase());
    if (!best || distance < best.distance) best = { candidate, distance };
  }
  return best && best.distance <= Math.max(2, Math.floor(word.length / 3)) ? best.candidate : undefined;
}

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
    for (const key of ["file", "before", "after"]) if (argv[key] === STDIN_ARGUMENT) argv[key] = "-";
    // Each command reads and checks its own flags before it does anything.
    exitCode = await COMMANDS[command].run(argv, io);
  };
  try {
    const args = allAsFleet(rawArgs.map((arg) => (arg === "-" ? STDIN_ARGUMENT : arg)));
    if (!args.some((arg) => ["--help", "-h", "--version"].includes(arg))) refuseUnknown(args);
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
