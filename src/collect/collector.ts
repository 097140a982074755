// Reads a workspace and what it depends on into a snapshot. Each part has one reader
// (src/collect/parts/); this schedules them: every reader the selected checks need starts as soon as
// the parts it waits for are read, and readers share reads (a VNet two of them need is one GET).
// With --resource-group that is at most 4 sequential round trips (5 for a Foundry project, whose hub is
// read after it and before everything it inherits):
//   workspace (→ a project's hub) → dependencies, computes, workspace keys, the workspace's endpoints and
//     their zone groups, and the subscription's Azure Firewalls and DNS resolvers
//   → VNets, the dependencies' endpoints and zone groups, dependency keys, NSGs listed beside compute
//     subnets, the zones named so far, firewall policies, resolvers' inbound endpoints → the rest: NSGs
//     and route tables by ID, endpoints' VNets, endpoint types, the zones the dependencies' endpoints name.
// --diagnose runs Azure's own diagnose (a long-running POST) beside them.

import type { HubRef, PartName, Snapshot } from "../snapshot/types.js";
import { SNAPSHOT_SCHEMA_VERSION } from "../snapshot/types.js";
import { asString } from "../snapshot/json.js";
import { ML_API_VERSION } from "./arm.js";
import type { RequestTally } from "./response-capture.js";
import { ReadContext, type CollectOptions, type WorkspaceRead } from "./parts/context.js";
import { PART_READERS } from "./parts/index.js";

/** The parts to collect: those asked for, the workspace, and everything they imply. */
export function expandParts(parts: readonly PartName[]): PartName[] {
  const out = new Set<PartName>(["workspace", ...parts]);
  for (const part of out) for (const implied of PART_READERS[part].implies) out.add(implied);
  return [...out];
}

export async function collectSnapshot(options: CollectOptions): Promise<Snapshot> {
  // The snapshot counts its own requests: a fleet's workspaces share one reader.
  return options.reader.tallied((tally) => collectTallied(options, tally));
}

async function collectTallied(options: CollectOptions, tally: RequestTally): Promise<Snapshot> {
  const now = options.now ?? (() => new Date());
  const started = now();
  const parts = expandParts(options.parts);
  const ctx = new ReadContext(options, new Set(parts));
  const running = new Map<PartName, Promise<void>>();
  const run = (part: PartName): Promise<void> => {
    let pending = running.get(part);
    if (!pending) {
      const reader = PART_READERS[part];
      const waits = reader.after.filter((before) => ctx.want(before)).map(run);
      pending = Promise.all(waits).then(() => reader.read(ctx));
      running.set(part, pending);
    }
    return pending;
  };
  // Without the workspace there is nothing to audit: its failure ends the run before any other read.
  await run("workspace");
  await Promise.all(parts.map(run));

  const { workspace } = ctx;
  const snapshot: Snapshot = {
    schemaVersion: SNAPSHOT_SCHEMA_VERSION,
    tool: { name: "aml-preflight", version: options.toolVersion },
    collectedAt: started.toISOString(),
    durationMs: now().getTime() - started.getTime(),
    target: {
      workspaceId: asString(workspace.raw.id) ?? workspace.id,
      subscriptionId: workspace.subscriptionId,
      resourceGroup: workspace.resourceGroup,
      workspace: asString(workspace.raw.name) ?? workspace.name,
      ...(asString(workspace.raw.location) ? { location: asString(workspace.raw.location) } : {}),
      ...(workspace.hub ? { hub: hubOf(workspace.hub) } : {}),
    },
    parts,
    apiVersions: { "Microsoft.MachineLearningServices": ML_API_VERSION },
    resources: [...ctx.resources.values()],
    privateEndpointTypes: ctx.privateEndpointTypes,
    requests: tally.requests,
    errors: ctx.errors,
    ...(ctx.diagnose ? { diagnose: ctx.diagnose } : {}),
    // Parallel reads finish in any order; sorted, two runs of one scenario give the same report.
    ...(tally.retries.length
      ? {
          retries: [...tally.retries].sort(
            (a, b) => a.resourceId.localeCompare(b.resourceId) || a.operation.localeCompare(b.operation),
          ),
        }
      : {}),
    ...(ctx.keys ? { keys: ctx.keys } : {}),
  };
  // Anything kept before the keys were read (an error message echoing one, a key pasted into a tag)
  // is redacted now that every secret of the run is known.
  return options.redactor.redactDeep(snapshot);
}

/** A project's hub as the report names it: the hub body's own name when it was read. */
function hubOf(hub: NonNullable<WorkspaceRead["hub"]>): HubRef {
  const { id, subscriptionId, resourceGroup, name } = hub.ref;
  return {
    id: asString(hub.read?.raw.id) ?? id,
    name: asString(hub.read?.raw.name) ?? name,
    subscriptionId,
    resourceGroup,
  };
}
