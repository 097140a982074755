// The workspace, read first: without it there is nothing to audit, so a failure ends the run (exit 2)
// with one line that says what to fix. Without --resource-group, one list finds its resource group.
// A Foundry project (kind Project) is then joined by its hub, one more GET: the hub's storage, key
// vault, registry, image-build compute, managed network, endpoints and computes are the project's
// (learn.microsoft.com/azure/machine-learning/concept-hub-workspace). A hub that cannot be read is a
// failed read, not the end of the run: what the project inherits is then undecided.

import { PreflightError } from "../../core/errors.js";
import { failedRead, type FailedRead } from "../../core/failed-read.js";
import { parseResourceId } from "../../snapshot/ids.js";
import { hubIdOfProject } from "../../snapshot/model.js";
import type { CollectionError } from "../../snapshot/types.js";
import type { ArmReader } from "../arm.js";
import type { ReadOneResult } from "../shared-reads.js";
import { parseRef, propertiesOf, type ParsedRef, type ReadContext, type WorkspaceRead } from "./context.js";
import { definePart } from "./define.js";

export default definePart({
  part: "workspace",
  read: async (ctx) => {
    const { reader } = ctx;
    const { subscriptionId, name } = ctx.options.workspace;
    const resourceGroup =
      ctx.options.workspace.resourceGroup ?? (await findResourceGroup(reader, subscriptionId, name));
    const id = `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${name}`;
    const result = await getWorkspace(ctx, { id, subscriptionId, resourceGroup, name });
    if (!result.ok) throw workspaceFailure(result.error, id);
    const raw = ctx.keep(result.body);
    const workspace: WorkspaceRead = { id, subscriptionId, resourceGroup, name, raw, properties: propertiesOf(raw) };
    const hubId = hubIdOfProject(raw);
    const hubRef = hubId ? parseRef(hubId) : undefined;
    if (hubId && !hubRef)
      ctx.fail({
        part: "workspace",
        resourceId: hubId,
        operation: "workspace get",
        message: `"${hubId}" is not an ARM resource ID`,
      });
    if (hubRef) workspace.hub = { ref: hubRef, read: await readHub(ctx, hubRef) };
    ctx.workspace = workspace;
  },
});

/** One workspace GET; in a fleet, once for the run however many audits ask (a hub and its projects). */
function getWorkspace(ctx: ReadContext, ref: ParsedRef): Promise<ReadOneResult> {
  const read = () =>
    ctx.reader.readOne("workspace", "workspace get", ref.id, () =>
      ctx.reader.clientsFor(ref.subscriptionId).ml.workspaces.get(ref.resourceGroup, ref.name),
    );
  return ctx.shared ? ctx.shared.workspace(ref.id, read) : read();
}

/** A project's hub, kept beside the project; a failed read is recorded and leaves it undefined. */
async function readHub(ctx: ReadContext, ref: ParsedRef): Promise<WorkspaceRead | undefined> {
  const result = await getWorkspace(ctx, ref);
  if (!result.ok) {
    ctx.fail(result.error);
    return undefined;
  }
  const raw = ctx.keep(result.body);
  return { ...ref, raw, properties: propertiesOf(raw) };
}

async function findResourceGroup(reader: ArmReader, subscriptionId: string, name: string): Promise<string> {
  const listId = `/subscriptions/${subscriptionId}/providers/Microsoft.MachineLearningServices/workspaces`;
  const result = await reader.readAll("workspace", "workspaces list", listId, () =>
    reader.clientsFor(subscriptionId).ml.workspaces.listBySubscription(),
  );
  if (!result.ok) throw workspaceFailure(result.error, listId);
  const all = result.items.map((item) => parseResourceId(item.id)).filter((ref) => ref !== undefined);
  const matches = all.filter((ref) => ref.name.toLowerCase() === name.toLowerCase());
  const [only] = matches;
  if (only && matches.length === 1) return only.resourceGroup;
  if (matches.length === 0) {
    const names = all.map((ref) => `${ref.resourceGroup}/${ref.name}`).slice(0, 10);
    throw new PreflightError(
      `workspace "${name}" not found in subscription ${subscriptionId}${names.length ? ` (workspaces there: ${names.join(", ")})` : " (it has no workspaces)"}; check --workspace and --subscription`,
    );
  }
  throw new PreflightError(
    `workspace name "${name}" is ambiguous in subscription ${subscriptionId}: found in resource groups ${matches.map((ref) => ref.resourceGroup).join(", ")}; pass --resource-group`,
  );
}

/** A 401 from ARM, on whichever read met it first: signing in again is the fix. */
export function credentialsRejected(error: CollectionError): PreflightError {
  return new PreflightError(
    `ARM rejected the credentials (401 ${error.code ?? ""}): run \`az login\` or set the service-principal variables, or refresh PREFLIGHT_ACCESS_TOKEN`,
  );
}

/** The workspace's own read failed: the run ends (exit 2); a fleet, which goes on, keeps the failed read for its report. */
export class WorkspaceUnreadable extends PreflightError {
  constructor(
    message: string,
    readonly read: FailedRead,
  ) {
    super(message);
  }
}

function workspaceFailure(error: CollectionError, resourceId: string): PreflightError {
  const read = failedRead(resourceId, error);
  if (error.statusCode === 404) {
    return new WorkspaceUnreadable(
      `workspace not found: ${resourceId} (${error.code ?? "404"}); check --workspace, --resource-group and --subscription`,
      read,
    );
  }
  if (error.statusCode === 403) {
    return new WorkspaceUnreadable(
      `not allowed to read the workspace ${resourceId} (${error.code ?? "403"}): grant ${error.permission ?? "Reader"} (the Reader role covers it)`,
      read,
    );
  }
  if (error.statusCode === 401) return credentialsRejected(error);
  return new WorkspaceUnreadable(
    `could not read the workspace ${resourceId}: ${[error.statusCode, error.code].filter(Boolean).join(" ")} ${error.message}`.trim(),
    read,
  );
}
