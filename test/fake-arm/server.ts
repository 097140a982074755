import { randomUUID } from "node:crypto";
import { appendFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";
import { createServerCertificate } from "./cert.js";
import { listenOnLoopback } from "./loopback.js";
import { resolveThrottle } from "./scenario.js";
import type { ArmResource, AsyncAction, Fault, Scenario, ThrottleLimits, ThrottleSetting } from "./scenario.js";

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
  /** Clock for throttle refills, in milliseconds; default `performance.now()`. Tests inject a fake one. */
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
type Reply = JsonReply | { kind: "raw"; status: number; body: string; headers?: Record<string, string> } | { kind: "reset" };

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
  | { allowed: true; remaining: number }
  | { allowed: false; remaining: number; retryAfterSeconds: number };

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

function throttledReply(path: string, subscriptionKey: string, limits: ThrottleLimits, retryAfterSeconds: number): JsonReply {
  const scope = subscriptionKey === "" ? "the tenant" : `subscription '${SUBSCRIPTION_PREFIX.exec(path)?.[1] ?? subscriptionKey}'`;
  const reply = armError(
    429,
    "SubscriptionRequestsThrottled",
    `Number of 'read' requests for ${scope} actually exceeded the limit of '${limits.capacity}' ` +
      `(refilled at ${limits.refillPerSecond} per second). Please try again after '${retryAfterSeconds}' seconds.`,
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

function drainBody(request: IncomingMessage): Promise<void> {
  return new Promise((resolve) => {
    if (request.readableEnded) {
      resolve();
      return;
    }
    request.on("end", resolve);
    request.on("error", () => resolve());
    request.on("close", resolve);
    request.resume();
  });
}

export async function startFakeArm(scenario: Scenario, options: FakeArmOptions = {}): Promise<FakeArm> {
  const latencyMs = options.latencyMs ?? 0;
  const pageSize = options.pageSize ?? scenario.pageSize ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(pageSize) || pageSize < 1) throw new Error(`pageSize must be a positive integer, got ${pageSize}`);
  const logFile = options.logFile;
  const throttleLimits = resolveThrottle(options.throttle ?? scenario.throttle);
  const throttle = throttleLimits && new ReadThrottle(throttleLimits, options.now ?? (() => performance.now()));

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
      return subscriptionId === undefined ? notFound(path) : { kind: "json", status: 200, body: subscriptionBody(subscriptionId) };
    }
    const typesMatch = PRIVATE_ENDPOINT_TYPES_PATH.exec(path);
    if (typesMatch) {
      const subscriptionId = typesMatch[1] ?? "";
      const types = privateEndpointTypes.get(normaliseRegion(typesMatch[2] ?? "")) ?? COMMON_PRIVATE_ENDPOINT_TYPES;
      return page(types.map((type) => privateEndpointTypeBody(subscriptionId, type)), rawPath, query);
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
    return { kind: "json", status: 202, body: {}, headers: { location, "retry-after": String(action.retryAfter ?? 0) } };
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
    return isRecord(body) ? { kind: "json", status: 200, body } : { kind: "raw", status: 200, body: JSON.stringify(body ?? null) };
  }

  function answerPost(path: string): Reply {
    const key = normaliseId(path);
    const longRunning = asyncActions.get(key);
    if (longRunning) {
      const operation = String(operations.size + 1);
      operations.set(operation, { remaining: Math.max(0, (longRunning.polls ?? 1) - 1), action: longRunning });
      return accepted(path, operation, longRunning);
    }
    if (!actions.has(key)) {
      const action = path.slice(path.lastIndexOf("/") + 1);
      return armError(404, "ResourceNotFound", `The action '${action}' on resource '${parentPath(path)}' was not found.`);
    }
    const body = actions.get(key);
    return isRecord(body)
      ? { kind: "json", status: 200, body }
      : { kind: "raw", status: 200, body: JSON.stringify(body ?? null) };
  }

  function answer(method: string, path: string, rawPath: string, query: string): Reply {
    switch (method) {
      case "GET":
        return answerGet(path, rawPath, query);
      case "POST":
        return answerPost(path);
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

    // Bodies (POST action parameters) are read and ignored, so keep-alive connections stay usable.
    await drainBody(request);
    // ARM throttles before the request reaches a resource provider: a throttled read spends no fault.
    const subscriptionKey = ReadThrottle.keyOf(path);
    const decision: ThrottleDecision | undefined = throttle
      ? method === "GET"
        ? throttle.take(subscriptionKey)
        : { allowed: true, remaining: throttle.peek(subscriptionKey) }
      : undefined;
    let fault: Fault | undefined;
    let reply: Reply;
    if (decision !== undefined && !decision.allowed && throttleLimits !== undefined) {
      reply = throttledReply(path, subscriptionKey, throttleLimits, decision.retryAfterSeconds);
    } else {
      fault = takeFault(method, path);
      try {
        const normal = () => answer(method, path, rawPath, query);
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
    const body = reply.kind === "json" ? JSON.stringify(reply.body) : reply.body;
    record({ method, path: target, status: reply.status });
    response.writeHead(reply.status, {
      "content-type": "application/json; charset=utf-8",
      "content-length": Buffer.byteLength(body),
      "x-ms-request-id": randomUUID(),
      "x-ms-ratelimit-remaining-subscription-reads":
        decision === undefined ? UNTHROTTLED_REMAINING_READS : String(decision.remaining),
      ...reply.headers,
    });
    response.end(body);
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
