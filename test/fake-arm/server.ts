import { createHash, randomUUID } from "node:crypto";
import { appendFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";
import { createServerCertificate } from "./cert.js";
import { listenOnLoopback } from "./loopback.js";
import { resolveResourceGraphQuota, resolveThrottle } from "./scenario.js";
import type {
  ArmResource,
  AsyncAction,
  Fault,
  ResourceGraphQuota,
  Scenario,
  ThrottleLimits,
  ThrottleSetting,
} from "./scenario.js";

export interface RequestLogEntry {
  method: string;
  /** URL path with its query string, as the client sent it. */
  path: string;
  /** Status sent; 0 when the connection was reset without an answer. */
  status: number;
}

export interface FakeArm {
  /** `https://127.0.0.1:PORT`, no trailing slash. */
  url: string;
  /** Absolute path of the PEM file to trust (`NODE_EXTRA_CA_CERTS`). */
  caFile: string;
  /** The same certificate, for a client's `ca` / `tlsOptions.ca`. */
  caPem: string;
  /** Every request answered (or reset) so far, in order. */
  requests: RequestLogEntry[];
  /** Stops listening, drops open connections and removes the certificate's temp dir. */
  close(): Promise<void>;
}

export interface FakeArmOptions {
  /** Added delay before every response, errors, resets and throttled (429) answers included. */
  latencyMs?: number;
  /** JSON-lines file each request is appended to as soon as it is answered. */
  logFile?: string;
  /** Collection page size; overrides the scenario's `pageSize`; default 100. */
  pageSize?: number;
  /**
   * ARM read throttling; overrides the scenario's `throttle` (`false` turns it off). `true`: ARM's
   * per-subscription bucket of 250 tokens refilled at 25 per second; or explicit limits. Each GET takes a
   * token from its subscription's bucket (case-insensitive; paths without a subscription share one); an
   * empty bucket answers 429 `SubscriptionRequestsThrottled` with `Retry-After` in whole seconds (at least 1),
   * before faults are looked at and after `latencyMs` like any answer. Every response then carries the
   * bucket's whole tokens left in `x-ms-ratelimit-remaining-subscription-reads` (otherwise a fixed 11999).
   */
  throttle?: ThrottleSetting;
  /**
   * Resource Graph's per-user query quota; overrides the scenario's `resourceGraph.quota` (`false` turns it
   * off). Default: 15 queries per 5000 ms window (see the Scenario doc comment).
   */
  resourceGraphQuota?: ResourceGraphQuota | false;
  /** Clock for throttle refills and quota windows, in milliseconds; default `performance.now()`. Tests inject a fake one. */
  now?: () => number;
}

const DEFAULT_PAGE_SIZE = 100;

/** Listed for a region the scenario's `privateEndpointTypes` does not name. */
export const COMMON_PRIVATE_ENDPOINT_TYPES: readonly string[] = [
  "Microsoft.Storage/storageAccounts",
  "Microsoft.ContainerRegistry/registries",
  "Microsoft.KeyVault/vaults",
  "Microsoft.MachineLearningServices/workspaces",
  "Microsoft.MachineLearningServices/registries",
  "Microsoft.Sql/servers",
  "Microsoft.Web/sites",
  "Microsoft.CognitiveServices/accounts",
  "Microsoft.Insights/privateLinkScopes",
  "Microsoft.DocumentDB/databaseAccounts",
  "Microsoft.EventHub/namespaces",
  "Microsoft.ServiceBus/namespaces",
  "Microsoft.Search/searchServices",
  "Microsoft.Network/privateLinkServices",
];

/** Arrays inside `properties` whose entries are child resources with their own `id`. */
const EMBEDDED_CHILD_ARRAYS = [
  "subnets",
  "virtualNetworkPeerings",
  "securityRules",
  "defaultSecurityRules",
  "privateEndpointConnections",
];

const SUBSCRIPTION_PATH = /^\/subscriptions\/([^/]+)$/i;
/** Status URL of a long-running operation the fake started (see `asyncActions`). */
const OPERATION_RESULT_PATH = /\/locations\/fake\/operationResults\/(\d+)$/i;
/** `/subscriptions/S/providers/NS/TYPE` or `/subscriptions/S/resourceGroups/RG/providers/NS/TYPE`. */
const PROVIDER_LIST_PATH = /^\/subscriptions\/[^/]+(?:\/resourceGroups\/[^/]+)?\/providers\/[^/]+\/[^/]+$/i;
/** A top-level resource: its subscription, namespace, type and name. */
const TOP_LEVEL_RESOURCE_ID = /^\/subscriptions\/([^/]+)\/resourceGroups\/[^/]+\/providers\/([^/]+)\/([^/]+)\/[^/]+$/i;
const PRIVATE_ENDPOINT_TYPES_PATH =
  /^\/subscriptions\/([^/]+)(?:\/resourceGroups\/[^/]+)?\/providers\/Microsoft\.Network\/locations\/([^/]+)\/availablePrivateEndpointTypes$/i;

type JsonBody = Record<string, unknown>;

/** What to do with one request. */
type JsonReply = { kind: "json"; status: number; body: JsonBody; headers?: Record<string, string> };
type Reply =
  JsonReply | { kind: "raw"; status: number; body: string; headers?: Record<string, string> } | { kind: "reset" };

/** Sent when throttling is off. */
const UNTHROTTLED_REMAINING_READS = "11999";
/** Absorbs floating-point drift in refills, so 40 ms at 25 per second is a whole token. */
const TOKEN_EPSILON = 1e-9;
const SUBSCRIPTION_PREFIX = /^\/subscriptions\/([^/]+)/i;

interface Bucket {
  tokens: number;
  updatedAt: number;
}

type ThrottleDecision =
  { allowed: true; remaining: number } | { allowed: false; remaining: number; retryAfterSeconds: number };

/** ARM's read token buckets, one per subscription (by lower-cased ID; "" for paths without one). */
class ReadThrottle {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    readonly limits: ThrottleLimits,
    private readonly now: () => number,
  ) {}

  /** The subscription spelt in `path`, or "" (the shared bucket). */
  static keyOf(path: string): string {
    return SUBSCRIPTION_PREFIX.exec(path)?.[1]?.toLowerCase() ?? "";
  }

  /** The bucket for `key`, refilled up to now; a new bucket starts full. */
  private bucket(key: string): Bucket {
    const now = this.now();
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      bucket = { tokens: this.limits.capacity, updatedAt: now };
      this.buckets.set(key, bucket);
      return bucket;
    }
    const elapsedMs = Math.max(0, now - bucket.updatedAt);
    bucket.tokens = Math.min(this.limits.capacity, bucket.tokens + (elapsedMs * this.limits.refillPerSecond) / 1000);
    bucket.updatedAt = Math.max(bucket.updatedAt, now);
    return bucket;
  }

  private static whole(tokens: number): number {
    return Math.max(0, Math.floor(tokens + TOKEN_EPSILON));
  }

  /** Takes one token for a read, or says how long until one is back. */
  take(key: string): ThrottleDecision {
    const bucket = this.bucket(key);
    if (bucket.tokens + TOKEN_EPSILON >= 1) {
      bucket.tokens = Math.max(0, bucket.tokens - 1);
      return { allowed: true, remaining: ReadThrottle.whole(bucket.tokens) };
    }
    const waitSeconds = (1 - bucket.tokens) / this.limits.refillPerSecond;
    return {
      allowed: false,
      remaining: ReadThrottle.whole(bucket.tokens),
      retryAfterSeconds: Math.max(1, Math.ceil(waitSeconds - TOKEN_EPSILON)),
    };
  }

  /** Whole tokens left, without taking one (requests that are not reads). */
  peek(key: string): number {
    return ReadThrottle.whole(this.bucket(key).tokens);
  }
}

function throttledReply(
  path: string,
  subscriptionKey: string,
  limits: ThrottleLimits,
  retryAfterSeconds: number,
): JsonReply {
  const scope =
    subscriptionKey === "" ? "the tenant" : `subscription '${SUBSCRIPTION_PREFIX.exec(path)?.[1] ?? subscriptionKey}'`;
  const reply = armError(
    429,
    "SubscriptionRequestsThrottled",
    `Number of 'read' requests for ${scope} actually exceeded the limit of '${limits.capacity}' ` +
      `(refilled at ${limits.refillPerSecond} per second). Please try again after '${retryAfterSeconds}' seconds.`,
  );
  return { ...reply, headers: { "retry-after": String(retryAfterSeconds) } };
}

/** `POST /providers/Microsoft.ResourceGraph/resources`, whatever the api-version. */
const RESOURCE_GRAPH_PATH = /^\/providers\/Microsoft\.ResourceGraph\/resources\/?$/i;

/** The `tenantId` column of every Resource Graph row: the fake serves a single tenant. */
export const FAKE_TENANT_ID = "00000000-0000-0000-0000-00000000fa4e";

/** Resource Graph's `resources` columns, in the order it returns them when the query projects nothing. */
const GRAPH_COLUMNS = [
  "id",
  "name",
  "type",
  "tenantId",
  "kind",
  "location",
  "resourceGroup",
  "subscriptionId",
  "managedBy",
  "sku",
  "plan",
  "properties",
  "tags",
  "identity",
  "zones",
  "extendedLocation",
] as const;
type GraphColumn = (typeof GRAPH_COLUMNS)[number];
type GraphRow = Record<GraphColumn, unknown>;

/** Columns holding strings, which `where ... =~` and `order by` can use. */
const GRAPH_STRING_COLUMNS: ReadonlySet<string> = new Set<GraphColumn>([
  "id",
  "name",
  "type",
  "tenantId",
  "kind",
  "location",
  "resourceGroup",
  "subscriptionId",
  "managedBy",
]);
/** Real Resource Graph answers "" rather than null for these when the resource lacks them. */
const GRAPH_EMPTY_STRING_COLUMNS: ReadonlySet<string> = new Set<GraphColumn>(["kind", "managedBy"]);
/** Rows per page without `$top`, and the most `$top` can ask for (Resource Graph's limits). */
const GRAPH_DEFAULT_PAGE = 100;
const GRAPH_MAX_PAGE = 1000;
const RESOURCE_GROUP_IN_ID = /^\/subscriptions\/[^/]+\/resourceGroups\/([^/]+)/i;

/** One `where` test: a string column or a tag, equal ignoring case to one of `values` (lower-cased). */
type GraphCondition =
  { kind: "column"; column: GraphColumn; values: string[] } | { kind: "tag"; key: string; values: string[] };

/** A parsed query: the rows it keeps, the columns it returns, and their order. */
interface GraphQuery {
  conditions: GraphCondition[];
  columns: GraphColumn[];
  /** Absent: scenario order. */
  order?: { column: GraphColumn; descending: boolean };
}

/** The query text uses something the fake does not support; answered 400 InvalidQuery. */
class InvalidQueryError extends Error {}

interface QueryToken {
  kind: "word" | "string" | "symbol";
  text: string;
}

function invalidClause(clause: string, reason: string): InvalidQueryError {
  return new InvalidQueryError(
    `Query is invalid: the fake Resource Graph does not understand the clause "${clause}": ${reason}.`,
  );
}

/** Splits a query at the `|` between its clauses, leaving quoted strings alone. */
function splitClauses(query: string): string[] {
  const clauses: string[] = [];
  let current = "";
  let quote: string | undefined;
  for (let position = 0; position < query.length; position += 1) {
    const char = query.charAt(position);
    if (quote !== undefined) {
      current += char;
      if (char === "\\") {
        position += 1;
        current += query.charAt(position);
      } else if (char === quote) {
        quote = undefined;
      }
    } else if (char === "|") {
      clauses.push(current.trim());
      current = "";
    } else {
      if (char === "'" || char === '"') quote = char;
      current += char;
    }
  }
  clauses.push(current.trim());
  return clauses;
}

/** Words (`in~` is one), quoted strings with `\'`, `\"` and `\\` escapes, operators and punctuation. */
function tokenizeClause(clause: string): QueryToken[] {
  const tokens: QueryToken[] = [];
  let position = 0;
  while (position < clause.length) {
    const char = clause.charAt(position);
    const rest = clause.slice(position);
    if (/\s/.test(char)) {
      position += 1;
    } else if (char === "'" || char === '"') {
      let text = "";
      position += 1;
      for (;;) {
        if (position >= clause.length) throw invalidClause(clause, "a quoted string is not closed");
        const next = clause.charAt(position);
        if (next === "\\") {
          const escaped = clause.charAt(position + 1);
          if (escaped !== "\\" && escaped !== "'" && escaped !== '"') {
            throw invalidClause(clause, `the escape '\\${escaped}' is not supported`);
          }
          text += escaped;
          position += 2;
        } else if (next === char) {
          position += 1;
          break;
        } else {
          text += next;
          position += 1;
        }
      }
      tokens.push({ kind: "string", text });
    } else {
      const word = /^[A-Za-z_][A-Za-z0-9_]*~?/.exec(rest)?.[0] ?? /^[=!<>~]+/.exec(rest)?.[0];
      const text = word ?? ("()[],.".includes(char) ? char : undefined);
      if (text === undefined) throw invalidClause(clause, `unexpected character '${char}'`);
      tokens.push({ kind: /^[A-Za-z_]/.test(text) ? "word" : "symbol", text });
      position += text.length;
    }
  }
  return tokens;
}

/** Reads one clause's tokens in order; every failure names the clause. */
class ClauseReader {
  private position = 0;

  constructor(
    private readonly tokens: readonly QueryToken[],
    private readonly clause: string,
  ) {}

  fail(reason: string): never {
    throw invalidClause(this.clause, reason);
  }

  private take(expected: string): QueryToken {
    const token = this.tokens[this.position];
    if (token === undefined) this.fail(`expected ${expected} at the end`);
    this.position += 1;
    return token;
  }

  /** The next token's text, for messages ("the end" after the last). */
  upcoming(): string {
    const token = this.tokens[this.position];
    return token === undefined ? "the end" : `'${token.text}'`;
  }

  word(expected: string): string {
    const token = this.take(expected);
    if (token.kind !== "word") this.fail(`expected ${expected}, found '${token.text}'`);
    return token.text;
  }

  string(expected: string): string {
    const token = this.take(expected);
    if (token.kind !== "string") this.fail(`expected ${expected}, found '${token.text}'`);
    return token.text;
  }

  symbol(symbol: string): void {
    if (!this.acceptSymbol(symbol)) this.fail(`expected '${symbol}', found ${this.upcoming()}`);
  }

  acceptSymbol(symbol: string): boolean {
    const token = this.tokens[this.position];
    if (token?.kind !== "symbol" || token.text !== symbol) return false;
    this.position += 1;
    return true;
  }

  /** Takes the next word when it is exactly `column` (KQL column names are case-sensitive). */
  acceptColumn(column: string): boolean {
    const token = this.tokens[this.position];
    if (token?.kind !== "word" || token.text !== column) return false;
    this.position += 1;
    return true;
  }

  /** Takes the next word when it is `keyword`, ignoring case. */
  acceptKeyword(keyword: string): boolean {
    const token = this.tokens[this.position];
    if (token?.kind !== "word" || token.text.toLowerCase() !== keyword) return false;
    this.position += 1;
    return true;
  }

  end(): void {
    if (this.position < this.tokens.length) this.fail(`unexpected ${this.upcoming()}`);
  }
}

/** A column name (exact case, as in KQL) that is still available after any `project`. */
function readColumn(reader: ClauseReader, available: readonly GraphColumn[], stringOnly: boolean): GraphColumn {
  const name = reader.word("a column");
  const column = GRAPH_COLUMNS.find((candidate) => candidate === name);
  if (column === undefined)
    reader.fail(`unknown column '${name}' (the resources table has ${GRAPH_COLUMNS.join(", ")})`);
  if (!available.includes(column)) reader.fail(`the column '${name}' was projected away`);
  if (stringOnly && !GRAPH_STRING_COLUMNS.has(column)) {
    reader.fail(`'${name}' is not a string column (${[...GRAPH_STRING_COLUMNS].join(", ")} are)`);
  }
  return column;
}

/** `=~ 'v'` or `in~ ('v', ...)`: the values, lower-cased. */
function readComparison(reader: ClauseReader): string[] {
  if (reader.acceptSymbol("=~")) return [reader.string("a quoted string").toLowerCase()];
  if (reader.acceptKeyword("in~")) {
    reader.symbol("(");
    const values = [reader.string("a quoted string").toLowerCase()];
    while (reader.acceptSymbol(",")) values.push(reader.string("a quoted string").toLowerCase());
    reader.symbol(")");
    return values;
  }
  return reader.fail(`the comparison ${reader.upcoming()} is not supported (use =~ or in~)`);
}

/** `<column> =~|in~ ...` or `tags['key'] =~|in~ ...` (also `tags.key`). */
function readCondition(reader: ClauseReader, available: readonly GraphColumn[]): GraphCondition {
  if (reader.acceptColumn("tags")) {
    if (!available.includes("tags")) reader.fail("the column 'tags' was projected away");
    let key: string;
    if (reader.acceptSymbol("[")) {
      key = reader.string("a quoted tag name");
      reader.symbol("]");
    } else {
      reader.symbol(".");
      key = reader.word("a tag name");
    }
    return { kind: "tag", key, values: readComparison(reader) };
  }
  const column = readColumn(reader, available, true);
  return { kind: "column", column, values: readComparison(reader) };
}

/** The KQL tabular operators the fake understands (`sort` is KQL's other name for `order`). */
const SUPPORTED_OPERATORS = ["where", "project", "order", "sort"];

/**
 * Parses the subset of KQL the tool sends: `resources`, then `where` (`=~` / `in~` on a string column or a
 * tag, joined by `and`), `project <columns>` and `order by <column> [asc|desc]`, keywords in any case.
 */
function parseGraphQuery(text: string): GraphQuery {
  const [table = "", ...clauses] = splitClauses(text);
  const tableTokens = tokenizeClause(table);
  const tableName = tableTokens.length === 1 && tableTokens[0]?.kind === "word" ? tableTokens[0].text : undefined;
  if (tableName?.toLowerCase() !== "resources") {
    throw invalidClause(
      table,
      table === "" ? "the query names no table" : "the only table the fake serves is 'resources'",
    );
  }
  const query: GraphQuery = { conditions: [], columns: [...GRAPH_COLUMNS] };
  for (const clause of clauses) {
    // The operator first, so an unsupported one is named whatever syntax follows it.
    const leadingWord = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(clause)?.[0].toLowerCase();
    if (leadingWord !== undefined && !SUPPORTED_OPERATORS.includes(leadingWord)) {
      throw invalidClause(clause, `'${leadingWord}' is not an operator the fake supports (where, project, order by)`);
    }
    const reader = new ClauseReader(tokenizeClause(clause), clause);
    const operator = reader.word("an operator (where, project, order by)").toLowerCase();
    switch (operator) {
      case "where":
        do {
          query.conditions.push(readCondition(reader, query.columns));
        } while (reader.acceptKeyword("and"));
        break;
      case "project": {
        const columns = [readColumn(reader, query.columns, false)];
        while (reader.acceptSymbol(",")) {
          const column = readColumn(reader, query.columns, false);
          if (columns.includes(column)) reader.fail(`the column '${column}' is projected twice`);
          columns.push(column);
        }
        query.columns = columns;
        break;
      }
      case "order":
      case "sort": {
        if (!reader.acceptKeyword("by")) reader.fail(`expected 'by' after '${operator}', found ${reader.upcoming()}`);
        const column = readColumn(reader, query.columns, true);
        // KQL sorts descending unless told otherwise.
        const descending = !reader.acceptKeyword("asc");
        if (descending) reader.acceptKeyword("desc");
        query.order = { column, descending };
        break;
      }
      default:
        reader.fail(`'${operator}' is not an operator the fake supports (where, project, order by)`);
    }
    reader.end();
  }
  return query;
}

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

type QuotaDecision = { allowed: boolean; remaining: number; resetsAfterMs: number };

/** Resource Graph's per-user quota: `limit` queries per fixed window that starts at its first query. */
class UserQuota {
  private windowStart: number | undefined;
  private used = 0;

  constructor(
    readonly limits: ResourceGraphQuota,
    private readonly now: () => number,
  ) {}

  /** Counts a query when the window has room; a query over the quota is not counted. */
  take(): QuotaDecision {
    const now = this.now();
    if (this.windowStart === undefined || now >= this.windowStart + this.limits.windowMs) {
      this.windowStart = now;
      this.used = 0;
    }
    const resetsAfterMs = this.windowStart + this.limits.windowMs - now;
    if (this.used >= this.limits.limit) return { allowed: false, remaining: 0, resetsAfterMs };
    this.used += 1;
    return { allowed: true, remaining: this.limits.limit - this.used, resetsAfterMs };
  }
}

function wholeSecondsAfter(ms: number): number {
  return Math.max(0, Math.ceil(ms / 1000 - TOKEN_EPSILON));
}

/** `hh:mm:ss`, rounded up to the second, as Resource Graph sends `x-ms-user-quota-resets-after`. */
function formatQuotaReset(ms: number): string {
  const seconds = wholeSecondsAfter(ms);
  const pad = (value: number) => String(value).padStart(2, "0");
  return `${pad(Math.floor(seconds / 3600))}:${pad(Math.floor((seconds % 3600) / 60))}:${pad(seconds % 60)}`;
}

function quotaHeaders(decision: QuotaDecision): Record<string, string> {
  return {
    "x-ms-user-quota-remaining": String(decision.remaining),
    "x-ms-user-quota-resets-after": formatQuotaReset(decision.resetsAfterMs),
  };
}

function quotaExceededReply(limits: ResourceGraphQuota, decision: QuotaDecision): JsonReply {
  const retryAfterSeconds = Math.max(1, wholeSecondsAfter(decision.resetsAfterMs));
  const reply = armError(
    429,
    "RateLimiting",
    `Client application has been throttled and should not attempt to repeat the request until an amount of time ` +
      `has elapsed: ${limits.limit} queries are allowed every ${limits.windowMs} ms. Please try again after ` +
      `'${retryAfterSeconds}' seconds. See https://aka.ms/resourcegraph-throttling.`,
  );
  return { ...reply, headers: { "retry-after": String(retryAfterSeconds) } };
}

interface ActiveFault {
  fault: Fault;
  pattern: RegExp;
  matchCount: number;
}

function armError(status: number, code: string, message: string): JsonReply {
  return { kind: "json", status, body: { error: { code, message } } };
}

function notFound(path: string): Reply {
  return armError(404, "ResourceNotFound", `The Resource '${path}' was not found.`);
}

function normaliseId(id: string): string {
  const trimmed = id.length > 1 && id.endsWith("/") ? id.slice(0, -1) : id;
  return trimmed.toLowerCase();
}

function normaliseRegion(region: string): string {
  return region.toLowerCase().replace(/\s+/g, "");
}

function parentPath(path: string): string {
  return path.slice(0, path.lastIndexOf("/"));
}

function decodePath(rawPath: string): string {
  try {
    return decodeURIComponent(rawPath);
  } catch {
    return rawPath;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Resources by lower-cased ID, plus the collections they belong to. */
class ResourceIndex {
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
    const subscription = /^\/subscriptions\/([^/]+)/i.exec(id)?.[1];
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

/** Answers after `ms`, unless the server closes first (then never, so nothing writes after close). */
class Timers {
  private readonly pending = new Set<NodeJS.Timeout>();

  sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(timer);
        resolve();
      }, ms);
      this.pending.add(timer);
    });
  }

  clear(): void {
    for (const timer of this.pending) clearTimeout(timer);
    this.pending.clear();
  }
}

/** The request body as text (what arrived, if the client goes away), read to the end so keep-alive works. */
function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const done = () => resolve(Buffer.concat(chunks).toString("utf8"));
    if (request.readableEnded) {
      done();
      return;
    }
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", done);
    request.on("error", done);
    request.on("close", done);
  });
}

export async function startFakeArm(scenario: Scenario, options: FakeArmOptions = {}): Promise<FakeArm> {
  const latencyMs = options.latencyMs ?? 0;
  const pageSize = options.pageSize ?? scenario.pageSize ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(pageSize) || pageSize < 1)
    throw new Error(`pageSize must be a positive integer, got ${pageSize}`);
  const logFile = options.logFile;
  const throttleLimits = resolveThrottle(options.throttle ?? scenario.throttle);
  const clock = options.now ?? (() => performance.now());
  const throttle = throttleLimits && new ReadThrottle(throttleLimits, clock);
  const quotaLimits = resolveResourceGraphQuota(
    options.resourceGraphQuota !== undefined ? options.resourceGraphQuota : scenario.resourceGraph?.quota,
    options.resourceGraphQuota !== undefined ? "resourceGraphQuota" : "resourceGraph.quota",
  );
  const quota = quotaLimits && new UserQuota(quotaLimits, clock);

  const index = new ResourceIndex(scenario.resources);
  const actions = new Map<string, unknown>();
  for (const [path, body] of Object.entries(scenario.actions ?? {})) actions.set(normaliseId(path), body);
  const asyncActions = new Map<string, AsyncAction>();
  for (const [path, action] of Object.entries(scenario.asyncActions ?? {})) asyncActions.set(normaliseId(path), action);
  /** Long-running operations started, by number: polls still to answer with 202, and the final body. */
  const operations = new Map<string, { remaining: number; action: AsyncAction }>();
  const privateEndpointTypes = new Map<string, string[]>();
  for (const [region, types] of Object.entries(scenario.privateEndpointTypes ?? {})) {
    privateEndpointTypes.set(normaliseRegion(region), types);
  }
  // Resource Graph sees the top-level scenario entries only, the first of any repeated ID, and none of
  // a type the scenario says it does not index.
  const seenGraphIds = new Set<string>();
  const graphRows: GraphRow[] = [];
  const unindexedTypes = new Set((scenario.resourceGraph?.unindexedTypes ?? []).map((type) => type.toLowerCase()));
  for (const resource of scenario.resources) {
    const key = normaliseId(resource.id);
    if (seenGraphIds.has(key) || unindexedTypes.has(String(resource.type ?? "").toLowerCase())) continue;
    seenGraphIds.add(key);
    graphRows.push(graphRow(resource));
  }
  /** Lower-cased management group name -> lower-cased subscription IDs. */
  const managementGroups = new Map<string, string[]>();
  for (const [group, subscriptions] of Object.entries(scenario.managementGroups ?? {})) {
    managementGroups.set(
      group.toLowerCase(),
      subscriptions.map((subscription) => subscription.toLowerCase()),
    );
  }
  const faults: ActiveFault[] = (scenario.faults ?? []).map((fault) => ({
    fault,
    pattern: new RegExp(fault.path, "i"),
    matchCount: 0,
  }));

  const certificate = await createServerCertificate();
  const requests: RequestLogEntry[] = [];
  const timers = new Timers();
  let baseUrl = "";
  let closed = false;

  /** `{ value }` for one page of `members`, with an absolute nextLink when more follow. */
  function page(members: readonly unknown[], rawPath: string, query: string): Reply {
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

  function subscriptionBody(subscriptionId: string): JsonBody {
    return { id: `/subscriptions/${subscriptionId}`, subscriptionId, displayName: subscriptionId, state: "Enabled" };
  }

  function privateEndpointTypeBody(subscriptionId: string, type: string): JsonBody {
    return {
      name: type,
      id: `/subscriptions/${subscriptionId}/providers/Microsoft.Network/AvailablePrivateEndpointTypes/${type}`,
      type: "Microsoft.Network/AvailablePrivateEndpointTypes",
      resourceName: type,
      displayName: type,
    };
  }

  function answerGet(path: string, rawPath: string, query: string): Reply {
    const key = normaliseId(path);
    if (key === "/subscriptions") {
      return page([...index.subscriptions.values()].map(subscriptionBody), rawPath, query);
    }
    const subscriptionMatch = SUBSCRIPTION_PATH.exec(key);
    if (subscriptionMatch) {
      const subscriptionId = index.subscriptions.get(subscriptionMatch[1] ?? "");
      return subscriptionId === undefined
        ? notFound(path)
        : { kind: "json", status: 200, body: subscriptionBody(subscriptionId) };
    }
    const typesMatch = PRIVATE_ENDPOINT_TYPES_PATH.exec(path);
    if (typesMatch) {
      const subscriptionId = typesMatch[1] ?? "";
      const types = privateEndpointTypes.get(normaliseRegion(typesMatch[2] ?? "")) ?? COMMON_PRIVATE_ENDPOINT_TYPES;
      return page(
        types.map((type) => privateEndpointTypeBody(subscriptionId, type)),
        rawPath,
        query,
      );
    }
    const operationReply = answerOperation(path);
    if (operationReply) return operationReply;
    const resource = index.get(path);
    if (resource) return { kind: "json", status: 200, body: resource };
    const members = index.list(path);
    if (members) return page(members, rawPath, query);
    return notFound(path);
  }

  /** 202 Accepted pointing at the operation's status URL on this server. */
  function accepted(path: string, operation: string, action: AsyncAction): Reply {
    const subscription = /^\/subscriptions\/([^/]+)/i.exec(path)?.[1] ?? "none";
    const location = `${baseUrl}/subscriptions/${subscription}/providers/Microsoft.MachineLearningServices/locations/fake/operationResults/${operation}?api-version=2025-12-01`;
    return {
      kind: "json",
      status: 202,
      body: {},
      headers: { location, "retry-after": String(action.retryAfter ?? 0) },
    };
  }

  function answerOperation(path: string): Reply | undefined {
    const operation = OPERATION_RESULT_PATH.exec(path)?.[1];
    if (operation === undefined) return undefined;
    const state = operations.get(operation);
    if (!state) return armError(404, "OperationNotFound", `No operation ${operation}.`);
    if (state.remaining > 0) {
      state.remaining -= 1;
      return accepted(path, operation, state.action);
    }
    const body = state.action.body;
    return isRecord(body)
      ? { kind: "json", status: 200, body }
      : { kind: "raw", status: 200, body: JSON.stringify(body ?? null) };
  }

  /** The subscriptions a query covers (lower-cased; undefined: all), or a 403 for an unknown management group. */
  function graphScope(request: GraphRequest): ReadonlySet<string> | undefined | JsonReply {
    if (request.managementGroups !== undefined) {
      const scope = new Set<string>();
      for (const group of request.managementGroups) {
        const subscriptions = managementGroups.get(group.toLowerCase());
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

  /** One page of a Resource Graph query, in the wire format `client.resources(query)` reads. */
  function answerResourceGraph(text: string): Reply {
    const request = parseGraphRequest(text);
    if ("kind" in request) return request;
    const scope = graphScope(request);
    if (scope !== undefined && "kind" in scope) return scope;
    let query: GraphQuery;
    try {
      query = parseGraphQuery(request.query);
    } catch (error) {
      if (error instanceof InvalidQueryError) return armError(400, "InvalidQuery", error.message);
      throw error;
    }
    const rows = graphRows.filter(
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
    const end = start + request.top;
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
    return { kind: "json", status: 200, body };
  }

  function answerPost(path: string, requestBody: string): Reply {
    if (RESOURCE_GRAPH_PATH.test(path)) return answerResourceGraph(requestBody);
    const key = normaliseId(path);
    const longRunning = asyncActions.get(key);
    if (longRunning) {
      const operation = String(operations.size + 1);
      operations.set(operation, { remaining: Math.max(0, (longRunning.polls ?? 1) - 1), action: longRunning });
      return accepted(path, operation, longRunning);
    }
    if (!actions.has(key)) {
      const action = path.slice(path.lastIndexOf("/") + 1);
      return armError(
        404,
        "ResourceNotFound",
        `The action '${action}' on resource '${parentPath(path)}' was not found.`,
      );
    }
    const body = actions.get(key);
    return isRecord(body)
      ? { kind: "json", status: 200, body }
      : { kind: "raw", status: 200, body: JSON.stringify(body ?? null) };
  }

  function answer(method: string, path: string, rawPath: string, query: string, requestBody: string): Reply {
    switch (method) {
      case "GET":
        return answerGet(path, rawPath, query);
      case "POST":
        return answerPost(path, requestBody);
      case "PUT":
      case "PATCH":
      case "DELETE":
        return armError(405, "MethodNotAllowed", `The fake ARM server is read-only: ${method} is not allowed.`);
      default:
        return notFound(path);
    }
  }

  /** The first fault that matches and has not used up its `times`, counting the match. */
  function takeFault(method: string, path: string): Fault | undefined {
    for (const active of faults) {
      const { fault } = active;
      if (fault.method !== undefined && fault.method.toUpperCase() !== method) continue;
      if (!active.pattern.test(path)) continue;
      const times = fault.times ?? 0;
      if (times > 0 && active.matchCount >= times) continue;
      active.matchCount += 1;
      return fault;
    }
    return undefined;
  }

  function faultReply(fault: Fault, normal: () => Reply): Reply {
    if (fault.reset) return { kind: "reset" };
    const headers: Record<string, string> = {};
    if (fault.retryAfter !== undefined) headers["retry-after"] = String(fault.retryAfter);
    if (fault.body !== undefined) return { kind: "raw", status: fault.status ?? 200, body: fault.body, headers };
    if (fault.status === undefined) {
      const reply = normal();
      return reply.kind === "reset" ? reply : { ...reply, headers: { ...reply.headers, ...headers } };
    }
    const reply = armError(
      fault.status,
      fault.code ?? "FaultInjected",
      fault.message ?? `Fault injected by the fake ARM server for ${fault.path}.`,
    );
    return { ...reply, headers };
  }

  function record(entry: RequestLogEntry): void {
    requests.push(entry);
    // Synchronous so a reader of the log sees the entry no later than the client sees the response.
    if (logFile !== undefined) appendFileSync(logFile, `${JSON.stringify(entry)}\n`);
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const method = (request.method ?? "GET").toUpperCase();
    const target = request.url ?? "/";
    const queryStart = target.indexOf("?");
    const rawPath = queryStart === -1 ? target : target.slice(0, queryStart);
    const query = queryStart === -1 ? "" : target.slice(queryStart + 1);
    const path = decodePath(rawPath);

    // Bodies are read to the end, so keep-alive connections stay usable; only Resource Graph queries use them.
    const body = await readBody(request);
    // ARM throttles before the request reaches a resource provider: a throttled read spends no fault.
    const subscriptionKey = ReadThrottle.keyOf(path);
    const decision: ThrottleDecision | undefined = throttle
      ? method === "GET"
        ? throttle.take(subscriptionKey)
        : { allowed: true, remaining: throttle.peek(subscriptionKey) }
      : undefined;
    // Resource Graph's own quota, likewise before faults; every query within it counts, faulted or not.
    const quotaDecision = quota && method === "POST" && RESOURCE_GRAPH_PATH.test(path) ? quota.take() : undefined;
    let fault: Fault | undefined;
    let reply: Reply;
    if (decision !== undefined && !decision.allowed && throttleLimits !== undefined) {
      reply = throttledReply(path, subscriptionKey, throttleLimits, decision.retryAfterSeconds);
    } else if (quotaDecision !== undefined && !quotaDecision.allowed && quotaLimits !== undefined) {
      reply = quotaExceededReply(quotaLimits, quotaDecision);
    } else {
      fault = takeFault(method, path);
      try {
        const normal = () => answer(method, path, rawPath, query, body);
        reply = fault ? faultReply(fault, normal) : normal();
      } catch (error) {
        reply = armError(500, "InternalServerError", `The fake ARM server failed: ${(error as Error).message}`);
      }
    }
    await timers.sleep(latencyMs + (fault?.delayMs ?? 0));
    if (closed) return;

    if (reply.kind === "reset") {
      record({ method, path: target, status: 0 });
      request.socket.destroy();
      return;
    }
    const text = reply.kind === "json" ? JSON.stringify(reply.body) : reply.body;
    record({ method, path: target, status: reply.status });
    response.writeHead(reply.status, {
      "content-type": "application/json; charset=utf-8",
      "content-length": Buffer.byteLength(text),
      "x-ms-request-id": randomUUID(),
      "x-ms-ratelimit-remaining-subscription-reads":
        decision === undefined ? UNTHROTTLED_REMAINING_READS : String(decision.remaining),
      ...(quotaDecision && quotaHeaders(quotaDecision)),
      ...reply.headers,
    });
    response.end(text);
  }

  const server = await listenOnLoopback(certificate, (request, response) => {
    void handle(request, response);
  });
  baseUrl = server.url;

  let closing: Promise<void> | undefined;
  async function close(): Promise<void> {
    closed = true;
    timers.clear();
    await server.stop();
    await certificate.dispose();
  }

  return {
    url: baseUrl,
    caFile: certificate.caFile,
    caPem: certificate.certPem,
    requests,
    close: () => (closing ??= close()),
  };
}
