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
  const given = input.subscription?.trim();
  const subscriptionId =
    (given ? await subscriptionIdOf(given, env) : undefined) ||
    env.AZURE_SUBSCRIPTION_ID?.trim() ||
    (await cliDefaultSubscription(env));
  if (!subscriptionId) {
    throw new PreflightError(
      "no subscription: pass --subscription, set AZURE_SUBSCRIPTION_ID, or choose a default with `az account set -s <id>`",
    );
  }
  return { subscriptionId, ...(input.resourceGroup ? { resourceGroup: input.resourceGroup } : {}), name: text };
}

interface ProfileSubscription {
  id?: string;
  name?: string;
  isDefault?: boolean;
}

/** The subscriptions `az login` knows, from the Azure CLI's profile; none when there is no profile. */
async function cliSubscriptions(env: NodeJS.ProcessEnv): Promise<ProfileSubscription[]> {
  const dir = env.AZURE_CONFIG_DIR || join(env.HOME || homedir(), ".azure");
  try {
    // The CLI writes this file with a UTF-8 byte-order mark.
    const text = (await readFile(join(dir, "azureProfile.json"), "utf8")).replace(/^\uFEFF/, "");
    const profile = JSON.parse(text) as { subscriptions?: ProfileSubscription[] };
    return profile.subscriptions ?? [];
  } catch {
    return [];
  }
}

async function cliDefaultSubscription(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  return (await cliSubscriptions(env)).find((subscription) => subscription.isDefault)?.id;
}

const SUBSCRIPTION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * --subscription as an id, or as a name the Azure CLI knows (`az account set -s "ML Production"`
 * resolves names from the same profile, case-insensitively).
 */
export async function subscriptionIdOf(given: string, env: NodeJS.ProcessEnv): Promise<string> {
  if (SUBSCRIPTION_ID.test(given)) return given;
  const known = await cliSubscriptions(env);
  const named = known.filter((subscription) => subscription.name?.toLowerCase() === given.toLowerCase());
  const [only] = named;
  if (only?.id && named.length === 1) return only.id;
  if (named.length > 1)
    throw new PreflightError(
      `--subscription "${given}" names ${named.length} subscriptions the Azure CLI knows (${named.map((s) => s.id).join(", ")}); give its id`,
    );
  const names = known.flatMap((subscription) => (subscription.name ? [`"${subscription.name}"`] : [])).slice(0, 10);
  throw new PreflightError(
    `--subscription "${given}" is neither a subscription id nor the name of one the Azure CLI knows${names.length ? ` (${names.join(", ")})` : " (run `az login`, or give the id)"}`,
  );
}
