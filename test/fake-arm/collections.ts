// ARM's resources and collections as the fake serves them: resources by ID (embedded children too), the
// collections each belongs to, and collection pages with `$skiptoken` nextLinks.

import { decodePath, normaliseId, parentPath, SUBSCRIPTION_PREFIX } from "./paths.js";
import { isRecord, type JsonBody, type Reply } from "./reply.js";
import type { ArmResource } from "./scenario.js";

/** Arrays inside `properties` whose entries are child resources with their own `id`. */
const EMBEDDED_CHILD_ARRAYS = [
  "subnets",
  "virtualNetworkPeerings",
  "securityRules",
  "defaultSecurityRules",
  "privateEndpointConnections",
];

/** `/subscriptions/S/providers/NS/TYPE` or `/subscriptions/S/resourceGroups/RG/providers/NS/TYPE`. */
const PROVIDER_LIST_PATH = /^\/subscriptions\/[^/]+(?:\/resourceGroups\/[^/]+)?\/providers\/[^/]+\/[^/]+$/i;
/** A top-level resource: its subscription, namespace, type and name. */
const TOP_LEVEL_RESOURCE_ID = /^\/subscriptions\/([^/]+)\/resourceGroups\/[^/]+\/providers\/([^/]+)\/([^/]+)\/[^/]+$/i;

/** Resources by lower-cased ID, plus the collections they belong to. */
export class ResourceIndex {
  private readonly byId = new Map<string, JsonBody>();
  /** Lower-cased collection path -> members by lower-cased ID, in scenario order. */
  private readonly collections = new Map<string, Map<string, JsonBody>>();
  /** Subscription ID as first spelt, by lower-cased ID. */
  readonly subscriptions = new Map<string, string>();

  constructor(resources: readonly ArmResource[]) {
    // Top-level resources first so an explicit resource wins over an embedded copy of the same ID.
    for (const resource of resources) this.add(resource);
    for (const resource of resources) {
      const properties = resource.properties;
      if (!isRecord(properties)) continue;
      for (const arrayName of EMBEDDED_CHILD_ARRAYS) {
        const children = properties[arrayName];
        if (!Array.isArray(children)) continue;
        for (const child of children) {
          if (isRecord(child) && typeof child.id === "string") this.add(child);
        }
      }
    }
  }

  private add(resource: JsonBody): void {
    const id = resource.id as string;
    const key = normaliseId(id);
    if (this.byId.has(key)) return;
    this.byId.set(key, resource);
    this.addToCollection(parentPath(key), key, resource);
    const topLevel = TOP_LEVEL_RESOURCE_ID.exec(key);
    if (topLevel) {
      const [, subscription, namespace, type] = topLevel;
      this.addToCollection(`/subscriptions/${subscription}/providers/${namespace}/${type}`, key, resource);
    }
    const subscription = SUBSCRIPTION_PREFIX.exec(id)?.[1];
    if (subscription !== undefined && !this.subscriptions.has(subscription.toLowerCase())) {
      this.subscriptions.set(subscription.toLowerCase(), subscription);
    }
  }

  private addToCollection(collectionKey: string, key: string, resource: JsonBody): void {
    let members = this.collections.get(collectionKey);
    if (!members) {
      members = new Map();
      this.collections.set(collectionKey, members);
    }
    if (!members.has(key)) members.set(key, resource);
  }

  get(path: string): JsonBody | undefined {
    return this.byId.get(normaliseId(path));
  }

  /** Members of a collection path, or undefined when the path names no collection. */
  list(path: string): JsonBody[] | undefined {
    const key = normaliseId(path);
    const members = this.collections.get(key);
    if (members) return [...members.values()];
    // Subscription- and resource-group-level lists always exist; a child list exists when its parent does.
    if (PROVIDER_LIST_PATH.test(key) || this.byId.has(parentPath(key))) return [];
    return undefined;
  }
}

/** Where a collection page was asked for: its nextLink repeats the path and the query. */
export interface PageRequest {
  /** `https://127.0.0.1:PORT` of the fake. */
  baseUrl: string;
  /** URL path as the client sent it. */
  rawPath: string;
  /** Query string without the `?`. */
  query: string;
}

/** `{ value }` for one page of `members`, with an absolute nextLink when more follow. */
export function collectionPage(members: readonly unknown[], request: PageRequest, pageSize: number): Reply {
  const { baseUrl, rawPath, query } = request;
  const params = query === "" ? [] : query.split("&");
  // Some clients re-encode the query, sending `%24skiptoken`.
  const skipParam = params.find((param) => decodePath(param.split("=")[0] ?? "").toLowerCase() === "$skiptoken");
  const skipValue = Number(skipParam?.slice(skipParam.indexOf("=") + 1) ?? "0");
  const start = Number.isInteger(skipValue) && skipValue > 0 ? skipValue : 0;
  const end = start + pageSize;
  const body: JsonBody = { value: members.slice(start, end) };
  if (end < members.length) {
    const kept = params.filter((param) => param !== skipParam);
    body.nextLink = `${baseUrl}${rawPath}?${[...kept, `$skiptoken=${end}`].join("&")}`;
  }
  return { kind: "json", status: 200, body };
}
