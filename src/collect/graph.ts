// The fleet's bulk read: Azure Resource Graph answers, for many subscriptions at once, what would
// otherwise be a GET per resource. Two queries: the workspaces in scope (with the --resource-group
// and --tag filters), then every dependency type the selected checks need in the subscriptions
// that hold them. Pages of 1,000 rows, sorted by ID so a $skipToken walks a stable order; the
// user's quota (15 queries per 5 s by default) is read from each answer and waited out before it
// runs dry.

import { setTimeout as sleep } from "node:timers/promises";
import { parseResourceId } from "../snapshot/ids.js";
import type { CollectionError, PartName, RawResource } from "../snapshot/types.js";
import type { ArmReader } from "./arm.js";
import { SweepIndex } from "./shared-reads.js";

/** Resource Graph's largest page. */
const GRAPH_PAGE_SIZE = 1000;
/** Subscriptions per query: Resource Graph's limit for one request. */
const GRAPH_SUBSCRIPTION_BATCH = 1000;
const GRAPH_PATH = "/providers/Microsoft.ResourceGraph/resources";

const WORKSPACE_TYPE = "microsoft.machinelearningservices/workspaces";

/** The resource types each part is made of, as Resource Graph names them (lower case). */
const TYPES_BY_PART: Partial<Record<PartName, string[]>> = {
  storage: ["microsoft.storage/storageaccounts"],
  registry: ["microsoft.containerregistry/registries"],
  keyVault: ["microsoft.keyvault/vaults"],
  computes: ["microsoft.machinelearningservices/workspaces/computes"],
  privateEndpoints: ["microsoft.network/privateendpoints"],
  virtualNetworks: ["microsoft.network/virtualnetworks"],
  networkSecurityGroups: ["microsoft.network/networksecuritygroups"],
  routeTables: ["microsoft.network/routetables"],
  privateDns: [
    "microsoft.network/privateendpoints/privatednszonegroups",
    "microsoft.network/privatednszones",
    "microsoft.network/privatednszones/virtualnetworklinks",
  ],
};

/**
 * The columns an ARM GET also returns. Resource Graph adds its own (resourceGroup, subscriptionId,
 * tenantId) and lacks etag and systemData; the checks read none of those.
 */
const COLUMNS = [
  "id",
  "name",
  "type",
  "location",
  "kind",
  "sku",
  "tags",
  "identity",
  "properties",
  "zones",
  "extendedLocation",
  "managedBy",
  "plan",
];

export interface SweepScope {
  /** Empty with no management groups: every subscription the credential can see. */
  subscriptions: string[];
  managementGroups: string[];
  resourceGroups: string[];
  tags: Array<{ key: string; value: string }>;
}

export interface SweepResult {
  /** The workspaces in scope that pass the filters, by ID. */
  workspaces: RawResource[];
  /** Every row of both queries. */
  index: SweepIndex;
  /** Pages fetched and rows they held. */
  queries: number;
  rows: number;
  /** A dependency query that failed: the fleet then reads those resources from ARM. */
  errors: CollectionError[];
}

/** A KQL string literal. */
function kqlString(value: string): string {
  return `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

function typeFilter(types: readonly string[]): string {
  return types.length === 1
    ? `| where type =~ ${kqlString(types[0] as string)}`
    : `| where type in~ (${types.map(kqlString).join(", ")})`;
}

function workspaceQuery(scope: Pick<SweepScope, "resourceGroups" | "tags">): string {
  const lines = ["resources", typeFilter([WORKSPACE_TYPE])];
  if (scope.resourceGroups.length === 1)
    lines.push(`| where resourceGroup =~ ${kqlString(scope.resourceGroups[0] as string)}`);
  else if (scope.resourceGroups.length > 1)
    lines.push(`| where resourceGroup in~ (${scope.resourceGroups.map(kqlString).join(", ")})`);
  for (const tag of scope.tags) lines.push(`| where tags[${kqlString(tag.key)}] =~ ${kqlString(tag.value)}`);
  lines.push(`| project ${COLUMNS.join(", ")}`, "| order by id asc");
  return lines.join("\n");
}

function dependencyTypes(parts: readonly PartName[]): string[] {
  return [...new Set(parts.flatMap((part) => TYPES_BY_PART[part] ?? []))].sort();
}

function dependencyQuery(types: readonly string[]): string {
  return ["resources", typeFilter(types), `| project ${COLUMNS.join(", ")}`, "| order by id asc"].join("\n");
}

/**
 * A row as an ARM GET would have returned it: Resource Graph's nulls and empty strings for absent
 * columns dropped, and its lower-cased `type` spelt as the resource ID spells it.
 */
function rowAsResource(row: Record<string, unknown>): RawResource {
  const out: RawResource = {};
  for (const column of COLUMNS) {
    const value = row[column];
    if (value === null || value === undefined) continue;
    if ((column === "kind" || column === "managedBy") && value === "") continue;
    out[column] = value;
  }
  const typeFromId = parseResourceId(out.id)?.type;
  if (typeof out.type === "string" && typeFromId && typeFromId.toLowerCase() === out.type.toLowerCase())
    out.type = typeFromId;
  return out;
}

/** Every row of one query over one scope, page by page. */
async function queryAll(
  reader: ArmReader,
  query: string,
  scope: { subscriptions?: string[]; managementGroups?: string[] },
  onPage: (rows: RawResource[]) => void,
): Promise<{ pages: number; error?: CollectionError }> {
  let skipToken: string | undefined;
  let pages = 0;
  do {
    await waitForGraphQuota(reader);
    const request = {
      ...(scope.subscriptions?.length ? { subscriptions: scope.subscriptions } : {}),
      ...(scope.managementGroups?.length ? { managementGroups: scope.managementGroups } : {}),
      query,
      options: { top: GRAPH_PAGE_SIZE, resultFormat: "objectArray" as const, ...(skipToken ? { skipToken } : {}) },
    };
    const result = await reader.readOne("workspace", "resource graph query", GRAPH_PATH, () =>
      reader.graph().resources(request),
    );
    if (!result.ok) return { pages, error: result.error };
    pages += 1;
    const data = result.body.data;
    if (!Array.isArray(data)) {
      return {
        pages,
        error: {
          part: "workspace",
          resourceId: GRAPH_PATH,
          operation: "resource graph query",
          message: "the answer has no `data` array (expected resultFormat objectArray)",
        },
      };
    }
    onPage(data.filter((row): row is Record<string, unknown> => !!row && typeof row === "object").map(rowAsResource));
    skipToken =
      typeof result.body.$skipToken === "string" && result.body.$skipToken ? result.body.$skipToken : undefined;
  } while (skipToken);
  return { pages };
}

/** Waits out the user's quota when the last answer said none is left. */
async function waitForGraphQuota(reader: ArmReader): Promise<void> {
  const quota = reader.graphQuota;
  if (!quota || quota.remaining > 0) return;
  const wait = quota.at + quota.resetsAfterMs - performance.now();
  if (wait > 0) await sleep(wait);
}

function batches<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let start = 0; start < items.length; start += size) out.push(items.slice(start, start + size));
  return out;
}

function subscriptionOf(id: unknown): string | undefined {
  return typeof id === "string" ? /^\/subscriptions\/([^/]+)/i.exec(id)?.[1] : undefined;
}

/**
 * Sweeps the scope. A failed workspace query is `failed` (nothing to audit without it); a failed
 * dependency query is returned in `errors` and the fleet reads from ARM instead.
 */
export async function sweep(
  reader: ArmReader,
  scope: SweepScope,
  parts: readonly PartName[],
): Promise<SweepResult | { failed: CollectionError }> {
  const workspaces = new Map<string, RawResource>();
  let queries = 0;
  let rows = 0;
  const scopes = scope.subscriptions.length
    ? batches(scope.subscriptions, GRAPH_SUBSCRIPTION_BATCH).map((subscriptions) => ({ subscriptions }))
    : [scope.managementGroups.length ? { managementGroups: scope.managementGroups } : {}];
  for (const part of scopes) {
    const outcome = await queryAll(reader, workspaceQuery(scope), part, (page) => {
      rows += page.length;
      for (const row of page) if (typeof row.id === "string") workspaces.set(row.id.toLowerCase(), row);
    });
    queries += outcome.pages;
    if (outcome.error) return { failed: outcome.error };
  }

  const index = new SweepIndex(workspaces.values());
  const errors: CollectionError[] = [];
  const types = dependencyTypes(parts);
  // Dependencies are looked for where the workspaces are, not across the whole tenant; one in another
  // subscription (a hub's DNS zones) is read from ARM when a workspace needs it.
  const subscriptions = [
    ...new Set([...workspaces.values()].map((row) => subscriptionOf(row.id)).filter((id): id is string => !!id)),
  ].sort();
  if (types.length > 0 && subscriptions.length > 0) {
    for (const batch of batches(subscriptions, GRAPH_SUBSCRIPTION_BATCH)) {
      const batchRows: RawResource[] = [];
      const outcome = await queryAll(reader, dependencyQuery(types), { subscriptions: batch }, (page) => {
        rows += page.length;
        batchRows.push(...page);
      });
      queries += outcome.pages;
      // Half a sweep would pass for a whole one (a VNet's NSG on a page that never came): all or nothing.
      if (outcome.error) errors.push(outcome.error);
      else for (const row of batchRows) index.add(row);
    }
  }
  return {
    workspaces: [...workspaces.values()].sort((a, b) =>
      String(a.id).toLowerCase().localeCompare(String(b.id).toLowerCase()),
    ),
    index,
    queries,
    rows,
    errors,
  };
}
