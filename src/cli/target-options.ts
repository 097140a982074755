// The flags that name one workspace (a live audit and `collect`), and reading them back.

import type { Argv } from "yargs";
import { booleanFlag, listFlag, secondsFlag, stringFlag, type ParsedArgs } from "./args.js";
import { connectionOptions, connectionSettings, type ConnectionSettings } from "./common.js";

export function targetOptions(argv: Argv): Argv {
  const withTarget = argv
    .option("workspace", {
      alias: "w",
      type: "string",
      describe: "Workspace name or full ARM resource ID",
      demandOption: true,
    })
    .option("resource-group", {
      alias: "g",
      type: "string",
      describe: "Resource group (found by listing the subscription when omitted)",
    })
    .option("subscription", {
      alias: "s",
      type: "string",
      describe: "Subscription id (default: AZURE_SUBSCRIPTION_ID, then the Azure CLI default)",
    });
  return connectionOptions(withTarget)
    .option("diagnose", {
      type: "boolean",
      default: false,
      describe:
        "Also run Azure's own workspace diagnose (a read-only POST) and report its results (workspace-diagnose)",
    })
    .option("diagnose-timeout", {
      type: "string",
      default: 120,
      describe: "Seconds to wait for --diagnose to finish; past it, workspace-diagnose is unknown",
    });
}

/** One workspace and how to read it, checked. */
export interface TargetSettings {
  workspace: string;
  resourceGroup?: string;
  subscription?: string;
  connection: ConnectionSettings;
  /** --diagnose: run Azure's diagnose, bounded by this many seconds. Absent: not run. */
  diagnoseSeconds?: number;
}

export function targetSettings(args: ParsedArgs, env: NodeJS.ProcessEnv): TargetSettings {
  const resourceGroup = stringFlag(args, "resource-group");
  const subscription = stringFlag(args, "subscription");
  const diagnoseSeconds = secondsFlag(args, "diagnose-timeout");
  return {
    workspace: stringFlag(args, "workspace") ?? "",
    ...(resourceGroup !== undefined ? { resourceGroup } : {}),
    ...(subscription !== undefined ? { subscription } : {}),
    connection: connectionSettings(args, env),
    ...(booleanFlag(args, "diagnose") ? { diagnoseSeconds } : {}),
  };
}

/** What `collect` was asked: the workspace, where the snapshot goes, and which checks' parts to read. */
export interface CollectSettings {
  target: TargetSettings;
  out: string;
  only: string[];
  skip: string[];
}

export function collectSettings(args: ParsedArgs, env: NodeJS.ProcessEnv): CollectSettings {
  return {
    target: targetSettings(args, env),
    out: stringFlag(args, "out") ?? "",
    only: listFlag(args, "only"),
    skip: listFlag(args, "skip"),
  };
}
