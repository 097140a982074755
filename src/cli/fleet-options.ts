// The flags of `preflight fleet` and what they say about the scope. Apart from the command's body
// (src/cli/fleet.ts) so that parsing does not load the fleet's reports and collector.

import type { Argv } from "yargs";
import { PreflightError } from "../core/errors.js";
import type { FleetScope } from "../snapshot/fleet.js";
import { booleanFlag, choiceFlag, countFlag, listFlag, stringFlag, type ParsedArgs } from "./args.js";
import {
  connectionOptions,
  connectionSettings,
  reportOptions,
  reportSettings,
  type ConnectionSettings,
  type ReportSettings,
} from "./common.js";
import type { ConfigDefaults } from "./config.js";

/** What `preflight fleet` was asked, checked. */
export interface FleetSettings {
  report: ReportSettings;
  connection: ConnectionSettings;
  scope: FleetScope;
  concurrency: number;
  saveSnapshot?: string;
  /** Progress on stderr: --progress/--no-progress, else when stderr is a terminal. */
  progress?: boolean;
}

const VIA = ["resource-graph", "arm"] as const;

export function fleetOptions(argv: Argv): Argv {
  const scoped = argv
    .option("subscription", {
      alias: "s",
      type: "string",
      array: true,
      describe: "Subscription to audit (repeatable; default: every subscription the credential can see)",
    })
    .option("management-group", {
      type: "string",
      array: true,
      describe: "Management group whose subscriptions to audit (repeatable)",
    })
    .option("resource-group", {
      alias: "g",
      type: "string",
      array: true,
      describe: "Only workspaces in these resource groups (repeatable)",
    })
    .option("tag", {
      type: "string",
      array: true,
      describe: "Only workspaces with this tag, key=value (repeatable; all must match; the value case-insensitive)",
    })
    .option("via", {
      choices: VIA,
      default: "resource-graph" as const,
      describe:
        "resource-graph: one bulk sweep, ARM for the rest; arm: every workspace read through ARM (needs --subscription)",
    })
    .option("concurrency", {
      type: "string",
      default: 16,
      describe:
        "ARM requests in flight at once (reads are also paced by what ARM says is left of each subscription's quota)",
    })
    .option("progress", {
      type: "boolean",
      describe: "Progress on stderr (workspaces read and audited); default: only when stderr is a terminal",
    })
    .option("save-snapshot", {
      type: "string",
      describe: "Also write every workspace's snapshot to this file (no secrets), for `preflight audit --snapshot`",
    });
  return reportOptions(connectionOptions(scoped, 1800), { fixScript: false });
}

/** The fleet's flags, checked; `defaults` are the config file's (a flag given beats its default). */
export function fleetSettings(args: ParsedArgs, env: NodeJS.ProcessEnv, defaults: ConfigDefaults = {}): FleetSettings {
  const saveSnapshot = stringFlag(args, "save-snapshot");
  const progress = args.progress === undefined ? undefined : booleanFlag(args, "progress");
  const connection = connectionSettings(args, env);
  return {
    report: reportSettings(args, env, defaults),
    connection,
    scope: fleetScope(args, defaults.fleet),
    concurrency: countFlag(args, "concurrency", 1, 256),
    ...(saveSnapshot !== undefined ? { saveSnapshot } : {}),
    ...(progress !== undefined ? { progress } : {}),
  };
}

function fleetScope(args: ParsedArgs, defaults: ConfigDefaults["fleet"] = {}): FleetScope {
  // The config's scope where the command line gives none; --subscription and --management-group are one choice.
  const given = (flag: string) => args[flag] !== undefined;
  const where = given("subscription") || given("management-group");
  const list = (flag: keyof typeof defaults, fromConfig: boolean) =>
    fromConfig && !given(flag) ? (defaults[flag] ?? []) : listFlag(args, flag);
  const tags = list("tag", true).map((entry) => {
    const at = entry.indexOf("=");
    const key = at > 0 ? entry.slice(0, at).trim() : "";
    if (!key) throw new PreflightError(`--tag "${entry}" must be key=value, e.g. --tag team=vision`);
    return { key, value: entry.slice(at + 1).trim() };
  });
  const subscriptions = list("subscription", !where);
  const managementGroups = list("management-group", !where);
  if (subscriptions.length > 0 && managementGroups.length > 0) {
    throw new PreflightError("give --subscription or --management-group, not both");
  }
  const via = choiceFlag(args, "via", VIA);
  if (via === "arm" && subscriptions.length === 0) {
    throw new PreflightError(
      "--via arm needs --subscription (repeatable): without Resource Graph there is no tenant-wide list of workspaces",
    );
  }
  return { subscriptions, managementGroups, resourceGroups: list("resource-group", true), tags, via };
}
