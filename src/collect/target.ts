// Which workspace: a full ARM ID, or a name with the subscription from --subscription,
// AZURE_SUBSCRIPTION_ID, or the Azure CLI's default subscription.

import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { PreflightError } from "../core/errors.js";
import { parseResourceId } from "../snapshot/ids.js";
import type { WorkspaceRef } from "./parts/context.js";

/** Azure ML's rule: 3–33 characters, letters, digits, hyphens and underscores, starting alphanumeric. */
const WORKSPACE_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_-]{2,32}$/;

export async function resolveWorkspace(
  input: { workspace: string; resourceGroup?: string; subscription?: string },
  env: NodeJS.ProcessEnv,
): Promise<WorkspaceRef> {
  const text = input.workspace.trim();
  if (text.startsWith("/")) {
    const parsed = parseResourceId(text);
    if (!parsed || parsed.type.toLowerCase() !== "microsoft.machinelearningservices/workspaces") {
      throw new PreflightError(
        `--workspace "${text}" is not a workspace resource ID (/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.MachineLearningServices/workspaces/<name>)`,
      );
    }
    return { subscriptionId: parsed.subscriptionId, resourceGroup: parsed.resourceGroup, name: parsed.name };
  }
  if (!WORKSPACE_NAME.test(text)) {
    throw new PreflightError(
      `--workspace "${text}" is not a valid workspace name (3-33 letters, digits, hyphens or underscores, starting with a letter or digit) nor a resource ID`,
    );
  }
  const subscriptionId =
    input.subscription?.trim() || env.AZURE_SUBSCRIPTION_ID?.trim() || (await cliDefaultSubscription(env));
  if (!subscriptionId) {
    throw new PreflightError(
      "no subscription: pass --subscription, set AZURE_SUBSCRIPTION_ID, or choose a default with `az account set -s <id>`",
    );
  }
  return { subscriptionId, ...(input.resourceGroup ? { resourceGroup: input.resourceGroup } : {}), name: text };
}

async function cliDefaultSubscription(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const dir = env.AZURE_CONFIG_DIR || join(env.HOME || homedir(), ".azure");
  try {
    // The CLI writes this file with a UTF-8 byte-order mark.
    const text = (await readFile(join(dir, "azureProfile.json"), "utf8")).replace(/^\uFEFF/, "");
    const profile = JSON.parse(text) as { subscriptions?: Array<{ id?: string; isDefault?: boolean }> };
    return profile.subscriptions?.find((subscription) => subscription.isDefault)?.id;
  } catch {
    return undefined;
  }
}
