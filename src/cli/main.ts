// The command line of docs/cli.md. `main` returns an exit code and never touches
// `process` itself: bin.ts owns argv, env and exit.

import leven from "leven";
import yargs, { type Argv } from "yargs";
import { scrubFreeText } from "../core/redact.js";
import { PreflightError } from "../core/errors.js";
import { visibleText } from "../core/visible.js";
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
      ["$0 -w ml-research -g ml-rg --out preflight.json", "the JSON report to a file (its extension names the format)"],
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
    usage: "build-log [file]",
    describe: "Explain a failed image build log: each known cause with its line and fix",
    options: buildLogOptions,
    examples: [
      ["$0 build-log 20_image_build_log.txt", "why did this image build fail?"],
      ["az ml job download ... && $0 build-log - < 20_image_build_log.txt", "the log on standard input"],
    ],
    run: async (argv, io) => (await import("./doctor.js")).buildLogCommand(argv, io, TOOL_VERSION),
  },
  env: {
    usage: "env [file]",
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
      throw error ?? new PreflightError(`${usageError(message ?? "invalid arguments")} ${seeHelp(commandNamed(args))}`);
    });
}

/** yargs' own messages, in one line and in the words of the rest of the CLI. */
function usageError(message: string): string {
  const line = oneLine(message).replaceAll(STDIN_ARGUMENT, "-");
  // "Invalid values: Argument: format, Given: "yaml", Choices: "text", "json""
  const choice = /^Invalid values: Argument: ([\w-]+), Given: (.*?), Choices: (.*)$/.exec(line);
  if (choice) return `--${choice[1]} must be one of ${(choice[3] ?? "").replaceAll('"', "")}, got ${choice[2] ?? ""}`;
  const missing = /^Missing required arguments?: (.*)$/.exec(line);
  if (missing)
    return `missing ${(missing[1] ?? "")
      .split(", ")
      .map((name) => `--${name}`)
      .join(", ")}`;
  return line;
}

/** The command `args` name, or the live audit when the first word is no command of ours. */
function commandNamed(args: readonly string[]): CommandName {
  const first = args[0];
  return first !== undefined && first in COMMANDS ? (first as CommandName) : "live";
}

/** The command `args` name: the first word, when it is one of ours. */
function commandOf(args: readonly string[]): CommandName {
  const first = args[0];
  if (first === undefined || first.startsWith("-")) return "live";
  if (first in COMMANDS && first !== "live") return first as CommandName;
  if (first === "all") throw new PreflightError('unknown command "all"; did you mean `preflight --all`?');
  const names = Object.keys(COMMANDS).filter((name) => name !== "live");
  // `help` is a word of ours too (`preflight help fleet`), though not a command of its own.
  const near = closest(first, [...names, "help"]);
  throw new PreflightError(
    `unknown command "${first}"${near ? `; did you mean \`preflight ${near}\`?` : `; commands: ${names.join(", ")}`}`,
  );
}

/** What yargs (18) says of the options a parser defines; @types/yargs (17) does not declare the method. */
interface DefinedOptions {
  getOptions(): {
    key: Record<string, unknown>;
    alias: Record<string, string[]>;
    boolean: string[];
    choices: Record<string, string[]>;
  };
}

/** yargs' own flags, on every command. */
const BUILT_IN = ["help", "h", "version"];

/** A command's flags as they are spelt on the command line: all of them, the switches, the choices. */
interface FlagTable {
  known: Set<string>;
  /** Flags that take no value (--verbose, --keys and --no-keys); every other one needs one. */
  switches: Set<string>;
  choices: Map<string, readonly string[]>;
}

function flagTable(command: CommandName): FlagTable {
  const parser: Argv & Partial<DefinedOptions> = globalOptions(COMMANDS[command].options(yargs([])));
  const options = parser.getOptions?.() ?? { key: {}, alias: {}, boolean: [], choices: {} };
  const spellings = (key: string) => [key, ...(options.alias[key] ?? [])];
  return {
    known: new Set([...Object.keys(options.key), ...Object.values(options.alias).flat(), ...BUILT_IN]),
    switches: new Set(options.boolean.flatMap(spellings)),
    choices: new Map(
      Object.entries(options.choices).flatMap(([key, values]) => spellings(key).map((name) => [name, values] as const)),
    ),
  };
}

/** Every flag and alias a command takes, as it is spelt on the command line (the tests walk them). */
export function flagsOf(command: CommandName): Set<string> {
  return flagTable(command).known;
}

/** `--no-<flag>` is read for a switch, and for --config (`--no-config`: no config file). */
function negates(name: string, table: FlagTable): boolean {
  const flag = name.slice(3);
  return (
    name.startsWith("no-") &&
    !table.known.has(name) &&
    (table.switches.has(flag) || (flag === "config" && table.known.has(flag)))
  );
}

/**
 * Flags whose empty value means "none given": the pipeline passes `--docs-url "$PREFLIGHT_DOCS_URL"`
 * whether or not its docsUrl parameter is set. Every other flag given "" is refused.
 */
const EMPTY_MEANS_NONE = new Set(["docs-url"]);

/** A flag as typed: `-w`, `--workspace`. */
function spelt(name: string): string {
  return name.length === 1 ? `-${name}` : `--${name}`;
}

/** An argument that is a flag: not a value, a negative number, or standard input. */
function isFlag(arg: string): boolean {
  return arg.startsWith("-") && !/^-\d/.test(arg) && arg !== STDIN_ARGUMENT;
}

/**
 * Unknown flags and commands are named before anything else is said (yargs would first complain that
 * --workspace is missing when --workspce was typed), with the nearest known one; so is a flag that
 * takes a value given none, at the end, before another flag or empty (yargs would fall back to the
 * default, or to "everything", without a word).
 */
function checkFlags(args: readonly string[]): void {
  const command = commandOf(args);
  const table = flagTable(command);
  const see = seeHelp(command);
  for (const [index, arg] of args.entries()) {
    if (arg === "--") break;
    if (!isFlag(arg)) continue;
    const equals = arg.indexOf("=");
    const typed = equals === -1 ? arg : arg.slice(0, equals);
    const name = typed.replace(/^--?/, "");
    if (negates(name, table)) continue;
    if (!table.known.has(name))
      throw new PreflightError(
        `unknown flag ${typed}${command === "live" ? "" : ` for \`preflight ${command}\``}${nearestFlag(name, command, table)} ${see}`,
      );
    if (table.switches.has(name) || BUILT_IN.includes(name)) continue;
    const value = equals === -1 ? args[index + 1] : arg.slice(equals + 1);
    const missing = value === undefined || (equals === -1 && (value === "--" || isFlag(value)));
    if (missing || (value.trim() === "" && !EMPTY_MEANS_NONE.has(name))) {
      const choices = table.choices.get(name);
      throw new PreflightError(
        `${typed} was given without a value${choices ? `; give one of ${choices.join(", ")}` : ""} ${see}`,
      );
    }
  }
}

/** "; did you mean --workspace?" for a near flag of this command, else of another command, naming it. */
function nearestFlag(name: string, command: CommandName, table: FlagTable): string {
  const candidates = (flags: FlagTable) => [
    ...[...flags.known].filter((flag) => flag.length > 1),
    ...[...flags.switches].filter((flag) => flag.length > 1).map((flag) => `no-${flag}`),
  ];
  // -W for -w: a short flag is one letter, too short to be near anything else.
  const near =
    name.length === 1
      ? [name.toLowerCase(), name.toUpperCase()].find((letter) => table.known.has(letter))
      : closest(name, candidates(table));
  if (near) return `; did you mean ${spelt(near)}?`;
  // A flag of another command (--workspace given to `preflight audit`): named, with the commands that take it.
  const others = (Object.keys(COMMANDS) as CommandName[])
    .filter((other) => other !== command)
    .map((other) => ({ other, flags: [...candidates(flagTable(other)), ...flagTable(other).known] }));
  const all = [...new Set(others.flatMap(({ flags }) => flags))];
  const elsewhere = all.includes(name) ? name : name.length > 1 ? closest(name, all) : undefined;
  if (!elsewhere) return "";
  const owners = others
    .filter(({ flags }) => flags.includes(elsewhere))
    .map(({ other }) => `\`preflight${other === "live" ? "" : ` ${other}`}\``)
    .join(", ");
  return elsewhere === name
    ? `; it is a flag of ${owners}`
    : `; did you mean ${spelt(elsewhere)} (a flag of ${owners})?`;
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

/**
 * The arguments as yargs is to read them: `-` is standard input, `--all` is `fleet`, and `-ojson` is
 * `-o json`, as az reads it.
 */
function prepared(rawArgs: readonly string[]): string[] {
  const separator = rawArgs.indexOf("--");
  const flags = separator === -1 ? rawArgs : rawArgs.slice(0, separator);
  const positionals = separator === -1 ? [] : rawArgs.slice(separator);
  const args = allAsFleet(flags.map((arg) => (arg === "-" ? STDIN_ARGUMENT : arg)));
  const table = flagTable(commandOf(args));
  const attached = (arg: string) => {
    const short = /^-([A-Za-z])([^=].*)$/.exec(arg);
    const letter = short?.[1] ?? "";
    return short && !table.known.has(arg.slice(1)) && table.known.has(letter) && !table.switches.has(letter)
      ? [`-${letter}`, short[2] ?? ""]
      : [arg];
  };
  return [...args.flatMap(attached), ...positionals.map((arg) => (arg === "-" ? STDIN_ARGUMENT : arg))];
}

/** Each command's positional arguments, in order; those of build-log and env are required. */
const POSITIONALS: Partial<Record<CommandName, string[]>> = {
  checks: ["id"],
  diff: ["before", "after"],
  "build-log": ["file"],
  env: ["file"],
};

/**
 * The positional arguments yargs leaves unbound, those after `--` (`build-log -- -odd-name.log`), bound
 * in order; one too many is refused, as yargs refuses one before `--`.
 */
function bindPositionals(command: CommandName, argv: Record<string, unknown>): void {
  const extras = ((argv._ as unknown[] | undefined) ?? []).slice(command === "live" ? 0 : 1).map(String);
  for (const key of POSITIONALS[command] ?? []) {
    if (argv[key] === undefined && extras.length > 0) argv[key] = extras.shift();
    if (argv[key] === STDIN_ARGUMENT) argv[key] = "-";
  }
  if (extras.length > 0) throw new PreflightError(`unexpected argument ${extras.join(" ")} ${seeHelp(command)}`);
  if ((command === "build-log" || command === "env") && argv.file === undefined)
    throw new PreflightError(`missing a file to read (or - for standard input) ${seeHelp(command)}`);
}

function seeHelp(command: CommandName): string {
  return `(see preflight ${command === "live" ? "" : `${command} `}--help)`;
}

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
    bindPositionals(command, argv);
    // Each command reads and checks its own flags before it does anything.
    exitCode = await COMMANDS[command].run(argv, io);
  };
  try {
    // `preflight help fleet` is `preflight fleet --help`, as in git and npm.
    let args = prepared(rawArgs[0] === "help" ? [...rawArgs.slice(1), "--help"] : rawArgs);
    // -h and --help print the command's help whatever else was typed, as az does.
    const asked = args
      .slice(0, args.includes("--") ? args.indexOf("--") : undefined)
      .find((arg) => ["--help", "-h", "--version"].includes(arg));
    if (asked === "--version") args = ["--version"];
    else if (asked) args = [...args.slice(0, commandOf(args) === "live" ? 0 : 1), "--help"];
    else checkFlags(args);
    let helpText: string | undefined;
    await createParser(args, run).parseAsync(args, {}, (_error, _argv, output) => {
      helpText = output;
    });
    if (helpText) io.stdout(`${helpText}\n`);
    return exitCode;
  } catch (error) {
    // Error text can quote a server's answer (an SDK error echoing a body): scrubbed like ARM messages.
    // It can also quote a file or a name from one: its control characters are written out.
    if (error instanceof PreflightError) {
      io.stderr(`preflight: ${visibleText(scrubFreeText(oneLine(error.message)))}\n`);
      return 2;
    }
    const message = error instanceof Error ? error.message : String(error);
    io.stderr(
      `preflight: ${visibleText(scrubFreeText(firstLine(message)))}${verbose ? "" : " (run with --verbose for details)"}\n`,
    );
    if (verbose && error instanceof Error && error.stack) io.stderr(`${visibleText(scrubFreeText(error.stack))}\n`);
    return 2;
  }
}

function firstLine(text: string): string {
  return shortened(text.split(/\r?\n/)[0] ?? "");
}

/** Several lines joined into one, their indentation dropped. */
function oneLine(text: string): string {
  return shortened(
    text
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter(Boolean)
      .join(" "),
  );
}

/** A value quoted whole (a 20 000-character --workspace) cut short, so that the one line stays one to read. */
function shortened(line: string): string {
  return line.replace(
    /\S{400,}/g,
    (word) => `${word.slice(0, 60)}… (${word.length} characters)${/[^\p{L}\p{N}]{0,3}$/u.exec(word)?.[0] ?? ""}`,
  );
}
