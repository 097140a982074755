// The fake's Resource Graph endpoint (`POST /providers/Microsoft.ResourceGraph/resources`): the scenario's
// top-level resources as rows, a query's scope (subscriptions or management groups), filtering, ordering,
// projection and `$skipToken` paging, in the wire format `client.resources(query)` reads.

import { createHash } from "node:crypto";
import { GRAPH_COLUMNS, InvalidQueryError, parseGraphQuery } from "./graph-query.js";
import type { GraphColumn, GraphCondition, GraphQuery } from "./graph-query.js";
import { normaliseId, SUBSCRIPTION_PREFIX } from "./paths.js";
import { armError, isRecord, type JsonBody, type JsonReply, type Reply } from "./reply.js";
import type { ArmResource, Scenario } from "./scenario.js";

/** `POST /providers/Microsoft.ResourceGraph/resources`, whatever the api-version. */
export const RESOURCE_GRAPH_PATH = /^\/providers\/Microsoft\.ResourceGraph\/resources\/?$/i;

/** The `tenantId` column of every Resource Graph row: the fake serves a single tenant. */
export const FAKE_TENANT_ID = "00000000-0000-0000-0000-00000000fa4e";

type GraphRow = Record<GraphColumn, unknown>;

/** Real Resource Graph answers "" rather than null for these when the resource lacks them. */
const GRAPH_EMPTY_STRING_COLUMNS: ReadonlySet<string> = new Set<GraphColumn>(["kind", "managedBy"]);
/** Rows per page without `$top`, and the most `$top` can ask for (Resource Graph's limits). */
const GRAPH_DEFAULT_PAGE = 100;
const GRAPH_MAX_PAGE = 1000;
const RESOURCE_GROUP_IN_ID = /^\/subscriptions\/[^/]+\/resourceGroups\/([^/]+)/i;

/** A scenario resource as a full Resource Graph row (types lower-cased, as Resource Graph returns them). */
function graphRow(resource: ArmResource): GraphRow {
  const row = {} as GraphRow;
  for (const column of GRAPH_COLUMNS)
    row[column] = resource[column] ?? (GRAPH_EMPTY_STRING_COLUMNS.has(column) ? "" : null);
  row.type = typeof resource.type === "string" ? resource.type.toLowerCase() : null;
  row.tenantId = FAKE_TENANT_ID;
  row.resourceGroup = RESOURCE_GROUP_IN_ID.exec(resource.id)?.[1] ?? "";
  row.subscriptionId = SUBSCRIPTION_PREFIX.exec(resource.id)?.[1] ?? "";
  return row;
}

function rowMatches(row: GraphRow, condition: GraphCondition): boolean {
  const value =
    condition.kind === "tag" ? (isRecord(row.tags) ? row.tags[condition.key] : undefined) : row[condition.column];
  return typeof value === "string" && condition.values.includes(value.toLowerCase());
}

function sortKey(row: GraphRow, column: GraphColumn): string {
  const value = row[column];
  return typeof value === "string" ? value.toLowerCase() : "";
}

/** Ties the skip token to the query text and its scope, so it cannot page another query. */
function queryFingerprint(query: string, scope: ReadonlySet<string> | undefined): string {
  const scopeKey = scope === undefined ? null : [...scope].sort();
  return createHash("sha256")
    .update(JSON.stringify([query, scopeKey]))
    .digest("base64url")
    .slice(0, 22);
}

function encodeSkipToken(offset: number, fingerprint: string): string {
  return Buffer.from(JSON.stringify({ offset, query: fingerprint })).toString("base64url");
}

/** The offset a skip token stands for, or undefined when it is malformed or from another query. */
function decodeSkipToken(token: string, fingerprint: string): number | undefined {
  try {
    const decoded: unknown = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
    if (!isRecord(decoded) || decoded.query !== fingerprint) return undefined;
    const offset = decoded.offset;
    return typeof offset === "number" && Number.isInteger(offset) && offset >= 0 ? offset : undefined;
  } catch {
    return undefined;
  }
}

/** The request body of a query, checked. */
interface GraphRequest {
  query: string;
  subscriptions: string[] | undefined;
  managementGroups: string[] | undefined;
  top: number;
  skip: number;
  skipToken: string | undefined;
}

function badRequest(message: string): JsonReply {
  return armError(400, "BadRequest", message);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((entry) => typeof entry === "string");
}

/** Reads a query's body; an error reply when it is not what `client.resources(query)` sends. */
function parseGraphRequest(text: string): GraphRequest | JsonReply {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    return armError(
      400,
      "InvalidRequestContent",
      `The request content was invalid and could not be deserialized: ${(error as Error).message}`,
    );
  }
  if (!isRecord(body)) return armError(400, "InvalidRequestContent", "The request content must be a JSON object.");
  const { query, subscriptions, managementGroups, facets } = body;
  const options = body.options ?? {};
  if (typeof query !== "string" || query.trim() === "")
    return badRequest("The request must have a non-empty 'query' string.");
  for (const [field, value] of [
    ["subscriptions", subscriptions],
    ["managementGroups", managementGroups],
  ] as const) {
    if (value !== undefined && value !== null && !isStringArray(value))
      return badRequest(`'${field}' must be an array of strings.`);
  }
  const subscriptionList = isStringArray(subscriptions) && subscriptions.length > 0 ? subscriptions : undefined;
  const groupList = isStringArray(managementGroups) && managementGroups.length > 0 ? managementGroups : undefined;
  if (subscriptionList !== undefined && groupList !== undefined) {
    return badRequest("Give either 'subscriptions' or 'managementGroups', not both: the fake does not combine scopes.");
  }
  if (facets !== undefined && facets !== null && !(Array.isArray(facets) && facets.length === 0)) {
    return badRequest("The fake Resource Graph does not compute facets.");
  }
  if (!isRecord(options)) return badRequest("'options' must be an object.");
  const top = options.$top ?? GRAPH_DEFAULT_PAGE;
  if (typeof top !== "number" || !Number.isInteger(top) || top < 1)
    return badRequest(`'$top' must be a positive integer, got ${JSON.stringify(top)}.`);
  const skip = options.$skip ?? 0;
  if (typeof skip !== "number" || !Number.isInteger(skip) || skip < 0)
    return badRequest(`'$skip' must be a non-negative integer, got ${JSON.stringify(skip)}.`);
  const skipToken = options.$skipToken ?? undefined;
  if (skipToken !== undefined && typeof skipToken !== "string") return badRequest("'$skipToken' must be a string.");
  const resultFormat = options.resultFormat ?? "objectArray";
  if (resultFormat !== "objectArray") {
    return badRequest(
      `The fake Resource Graph only supports resultFormat 'objectArray', got ${JSON.stringify(resultFormat)}.`,
    );
  }
  return {
    query,
    subscriptions: subscriptionList,
    managementGroups: groupList,
    top: Math.min(top, GRAPH_MAX_PAGE),
    skip,
    skipToken,
  };
}

/** The rows of one answer: those `start`.. before `end` of `rows`, cut to the query's columns. */
function pageBody(
  rows: readonly GraphRow[],
  query: GraphQuery,
  start: number,
  top: number,
  fingerprint: string,
): JsonBody {
  const end = start + top;
  const data = rows
    .slice(start, end)
    .map((row) => Object.fromEntries(query.columns.map((column) => [column, row[column]])));
  // Like Resource Graph, a result is pageable only when it projects `id`; otherwise it is cut short.
  const more = end < rows.length;
  const pageable = query.columns.includes("id");
  const body: JsonBody = {
    totalRecords: rows.length,
    count: data.length,
    data,
    facets: [],
    resultTruncated: more && !pageable ? "true" : "false",
  };
  if (more && pageable) body.$skipToken = encodeSkipToken(end, fingerprint);
  return body;
}

/** The scenario as Resource Graph sees it, and the queries it answers. */
export class ResourceGraph {
  private readonly rows: GraphRow[] = [];
  /** Lower-cased management group name -> lower-cased subscription IDs. */
  private readonly managementGroups = new Map<string, string[]>();

  constructor(scenario: Scenario) {
    // Resource Graph sees the top-level scenario entries only, the first of any repeated ID, and none of
    // a type the scenario says it does not index.
    const seenGraphIds = new Set<string>();
    const unindexedTypes = new Set((scenario.resourceGraph?.unindexedTypes ?? []).map((type) => type.toLowerCase()));
    for (const resource of scenario.resources) {
      const key = normaliseId(resource.id);
      if (seenGraphIds.has(key) || unindexedTypes.has(String(resource.type ?? "").toLowerCase())) continue;
      seenGraphIds.add(key);
      this.rows.push(graphRow(resource));
    }
    for (const [group, subscriptions] of Object.entries(scenario.managementGroups ?? {})) {
      this.managementGroups.set(
        group.toLowerCase(),
        subscriptions.map((subscription) => subscription.toLowerCase()),
      );
    }
  }

  /** One page of a Resource Graph query, in the wire format `client.resources(query)` reads. */
  answer(text: string): Reply {
    const request = parseGraphRequest(text);
    if ("kind" in request) return request;
    const scope = this.scope(request);
    if (scope !== undefined && "kind" in scope) return scope;
    let query: GraphQuery;
    try {
      query = parseGraphQuery(request.query);
    } catch (error) {
      if (error instanceof InvalidQueryError) return armError(400, "InvalidQuery", error.message);
      throw error;
    }
    const rows = this.select(scope, query);
    const fingerprint = queryFingerprint(request.query, scope);
    let start = request.skip;
    if (request.skipToken !== undefined) {
      const offset = decodeSkipToken(request.skipToken, fingerprint);
      if (offset === undefined) {
        return armError(
          400,
          "InvalidSkipToken",
          `The $skipToken '${request.skipToken}' is malformed or belongs to another query or scope.`,
        );
      }
      start = offset;
    }
    return { kind: "json", status: 200, body: pageBody(rows, query, start, request.top, fingerprint) };
  }

  /** The subscriptions a query covers (lower-cased; undefined: all), or a 403 for an unknown management group. */
  private scope(request: GraphRequest): ReadonlySet<string> | undefined | JsonReply {
    if (request.managementGroups !== undefined) {
      const scope = new Set<string>();
      for (const group of request.managementGroups) {
        const subscriptions = this.managementGroups.get(group.toLowerCase());
        if (subscriptions === undefined) {
          return armError(
            403,
            "AuthorizationFailed",
            `The client does not have authorization to perform action 'Microsoft.ResourceGraph/resources/read' over ` +
              `scope '/providers/Microsoft.Management/managementGroups/${group}' or the scope is invalid. ` +
              "If access was recently granted, please refresh your credentials.",
          );
        }
        for (const subscription of subscriptions) scope.add(subscription);
      }
      return scope;
    }
    return request.subscriptions && new Set(request.subscriptions.map((subscription) => subscription.toLowerCase()));
  }

  /** The rows in `scope` that the query keeps, in its order (scenario order without one). */
  private select(scope: ReadonlySet<string> | undefined, query: GraphQuery): GraphRow[] {
    const rows = this.rows.filter(
      (row) =>
        (scope === undefined || scope.has(String(row.subscriptionId).toLowerCase())) &&
        query.conditions.every((condition) => rowMatches(row, condition)),
    );
    const order = query.order;
    if (order) {
      const direction = order.descending ? -1 : 1;
      // Array.prototype.sort is stable: equal keys keep scenario order.
      rows.sort((left, right) => {
        const [a, b] = [sortKey(left, order.column), sortKey(right, order.column)];
        return a === b ? 0 : a < b ? -direction : direction;
      });
    }
    return rows;
  }
}
