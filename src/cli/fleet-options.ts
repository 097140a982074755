// The flags of `preflight fleet` and what they say about the scope. Apart from the command's body
// (src/cli/fleet.ts) so that parsing does not load the fleet's reports and collector.

import type { Argv } from "yargs";
import { PreflightError } from "../core/errors.js";
import type { FleetScope } from "../snapshot/fleet.js";
import { connectionOptions, reportOptions, type AuditArgs, type ConnectionArgs } from "./common.js";

export interface FleetArgs extends AuditArgs, ConnectionArgs {
  subscription?: string[];
  "management-group"?: string[];
  "resource-group"?: string[];
  tag?: string[];
  via: FleetScope["via"];
  concurrency: number;
  "save-snapshot"?: string;
  /** Absent: draw progress when stderr is a terminal. */
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
      type: "number",
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
  return reportOptions(connectionOptions(scoped, 1800));
}

/** Repeatable flags that also take comma-separated values, trimmed, empties dropped. */
function listOf(values: string[] | undefined): string[] {
  return (values ?? [])
    .flatMap((value) => String(value).split(","))
    .map((value) => value.trim())
    .filter(Boolean);
}

export function fleetScope(args: FleetArgs): FleetScope {
  const tags = listOf(args.tag).map((entry) => {
    const at = entry.indexOf("=");
    const key = at > 0 ? entry.slice(0, at).trim() : "";
    if (!key) throw new PreflightError(`--tag "${entry}" must be key=value, e.g. --tag team=vision`);
    return { key, value: entry.slice(at + 1).trim() };
  });
  const subscriptions = listOf(args.subscription);
  const managementGroups = listOf(args["management-group"]);
  if (subscriptions.length > 0 && managementGroups.length > 0) {
    throw new PreflightError("give --subscription or --management-group, not both");
  }
  for (const id of subscriptions) {
    if (!/^[0-9a-f-]{36}$/i.test(id) && !/^[\w.-]+$/.test(id))
      throw new PreflightError(`--subscription "${id}" is not a subscription id`);
  }
  if (args.via === "arm" && subscriptions.length === 0) {
    throw new PreflightError(
      "--via arm needs --subscription (repeatable): without Resource Graph there is no tenant-wide list of workspaces",
    );
  }
  return { subscriptions, managementGroups, resourceGroups: listOf(args["resource-group"]), tags, via: args.via };
}
