// The flags of `build-log` and `env`, apart from their commands (src/cli/doctor.ts) so that parsing
// the command line loads no parser, linter or renderer of the doctor.

import type { Argv } from "yargs";
import { DOCTOR_FORMATS, type DoctorFormat } from "../../reports/doctor/formats.js";
import type { IndexFlags } from "../doctor/env/index-check.js";
import { ENV_KINDS, type EnvKind } from "../doctor/env/kinds.js";
import { PreflightError } from "../core/errors.js";
import { FAIL_ON_LEVELS, type FailOn } from "../core/status.js";
import { booleanFlag, choiceFlag, listFlag, secondsFlag, stringFlag, type ParsedArgs } from "./args.js";
import { failOnOption, formatFor, type Output } from "./common.js";

const PLATFORMS = ["linux-64", "linux-aarch64"] as const;

/** What `build-log` and `env` were asked, checked. */
export interface DoctorSettings {
  /** The file to read, or "-" for standard input. */
  file: string;
  outputs: Array<Output<DoctorFormat>>;
  failOn: FailOn;
  verbose: boolean;
}

export interface BuildLogSettings extends DoctorSettings {
  workspace?: string;
}

export interface EnvSettings extends DoctorSettings {
  kind?: EnvKind;
  registry?: string;
  checkIndex: boolean;
  index: IndexFlags;
}

function doctorOptions(argv: Argv): Argv {
  return argv
    .option("format", {
      alias: ["o", "output"],
      choices: DOCTOR_FORMATS,
      describe: "Report format (default: from --out's extension, else text)",
    })
    .option("out", { type: "string", describe: "Write the report to this file (the summary still goes to stderr)" })
    .option("fail-on", failOnOption("fail"));
}

export function buildLogOptions(argv: Argv): Argv {
  return doctorOptions(
    argv.positional("file", {
      type: "string",
      describe: "The image build log (20_image_build_log.txt), or - for standard input",
    }),
  ).option("workspace", {
    alias: "w",
    type: "string",
    describe: "Workspace to name in the `preflight --workspace` command offered for registry causes",
  });
}

export function envOptions(argv: Argv): Argv {
  return doctorOptions(
    argv.positional("file", {
      type: "string",
      describe: "conda.yml, requirements.txt, Dockerfile or an Azure ML environment YAML",
    }),
  )
    .option("kind", { choices: ENV_KINDS, describe: "What the file is (default: from its name and content)" })
    .option("registry", {
      type: "string",
      describe: "The workspace's container registry name, to catch `<registry>/image` written without its host",
    })
    .option("check-index", {
      type: "boolean",
      default: false,
      describe: "Look every pinned package up on its index (PEP 691) and conda channels (repodata.json)",
    })
    .option("index-url", {
      type: "string",
      describe: "Pip index for --check-index (default: the file's --index-url, else https://pypi.org/simple)",
    })
    .option("extra-index-url", {
      type: "string",
      array: true,
      describe: "More pip indexes for --check-index (added to the file's)",
    })
    .option("channel", {
      type: "string",
      array: true,
      describe: "Conda channels for --check-index, in priority order (default: the file's channels, else defaults)",
    })
    .option("conda-channel-alias", {
      type: "string",
      default: "https://conda.anaconda.org",
      describe: "Where named conda channels live (conda's channel_alias)",
    })
    .option("conda-defaults", {
      type: "string",
      array: true,
      default: ["https://repo.anaconda.com/pkgs/main", "https://repo.anaconda.com/pkgs/r"],
      describe: "What the conda channel `defaults` means (conda's default_channels)",
    })
    .option("python", {
      type: "string",
      describe: "Target Python for --check-index, e.g. 3.10 (default: the conda file's python pin)",
    })
    .option("platform", {
      choices: PLATFORMS,
      default: "linux-64" as const,
      describe: "Target platform for --check-index",
    })
    .option("glibc", {
      type: "string",
      default: "2.31",
      describe: "Target glibc for manylinux wheels (2.31: Ubuntu 20.04 images; 2.35: 22.04)",
    })
    .option("request-timeout", {
      type: "string",
      default: 30,
      describe: "Seconds before one index request is abandoned (its packages become unknown)",
    });
}

function doctorSettings(args: ParsedArgs): DoctorSettings {
  const out = stringFlag(args, "out");
  return {
    file: stringFlag(args, "file") ?? "",
    outputs: [{ format: formatFor(args, DOCTOR_FORMATS), ...(out ? { path: out } : {}) }],
    failOn: args["fail-on"] === undefined ? "fail" : choiceFlag(args, "fail-on", FAIL_ON_LEVELS),
    verbose: booleanFlag(args, "verbose"),
  };
}

export function buildLogSettings(args: ParsedArgs): BuildLogSettings {
  const workspace = stringFlag(args, "workspace");
  return { ...doctorSettings(args), ...(workspace !== undefined ? { workspace } : {}) };
}

/** `env`'s flags; index flags that cannot mean anything are refused before any file is read. */
export function envSettings(args: ParsedArgs): EnvSettings {
  const kind = args.kind === undefined ? undefined : choiceFlag(args, "kind", ENV_KINDS);
  const registry = stringFlag(args, "registry");
  const glibc = stringFlag(args, "glibc") ?? "";
  if (!/^\d+\.\d+$/.test(glibc)) throw new PreflightError(`--glibc must be a version such as 2.31, got "${glibc}"`);
  const python = stringFlag(args, "python");
  if (python !== undefined && !/^3\.\d+(?:\.\d+)?$/.test(python))
    throw new PreflightError(`--python must be a Python 3 version such as 3.10, got "${python}"`);
  const indexUrl = stringFlag(args, "index-url");
  const index: IndexFlags = {
    ...(indexUrl !== undefined ? { "index-url": indexUrl } : {}),
    "extra-index-url": listFlag(args, "extra-index-url", false),
    channel: listFlag(args, "channel", false),
    "conda-channel-alias": stringFlag(args, "conda-channel-alias") ?? "",
    "conda-defaults": listFlag(args, "conda-defaults", false),
    ...(python !== undefined ? { python } : {}),
    platform: choiceFlag(args, "platform", PLATFORMS),
    glibc,
    "request-timeout": secondsFlag(args, "request-timeout"),
  };
  for (const url of [
    index["index-url"],
    ...(index["extra-index-url"] ?? []),
    index["conda-channel-alias"],
    ...index["conda-defaults"],
  ]) {
    if (url !== undefined && !/^https?:\/\/[^/\s]+/i.test(url))
      throw new PreflightError(
        `index and channel URLs must be http(s) URLs, got "${url.replace(/\/\/[^/@\s]*@/, "//")}"`,
      );
  }
  return {
    ...doctorSettings(args),
    ...(kind !== undefined ? { kind } : {}),
    ...(registry !== undefined ? { registry } : {}),
    checkIndex: booleanFlag(args, "check-index"),
    index,
  };
}
