import { readScenarioJson } from "./loopback.js";

/** A resource in ARM wire format, exactly as a GET returns it (`properties` nested). */
export interface ArmResource {
  id: string;
  name?: string;
  type?: string;
  location?: string;
  properties?: Record<string, unknown>;
  [field: string]: unknown;
}

/** A fault injected into every request whose method and path match. */
export interface Fault {
  /** HTTP method to match (case-insensitive); absent: any method. */
  method?: string;
  /** Regular expression matched case-insensitively against the URL path without the query string. */
  path: string;
  /** Status to answer with; absent: answer normally (after `delayMs`), or 200 when `body` is set. */
  status?: number;
  /** ARM error code; default "FaultInjected". */
  code?: string;
  /** ARM error message. */
  message?: string;
  /** Seconds, sent as the Retry-After header. */
  retryAfter?: number;
  /** Only the first N matching requests get this fault; 0 or absent: every one. */
  times?: number;
  /** Wait this long before answering (or resetting). */
  delayMs?: number;
  /** Destroy the connection without answering. */
  reset?: boolean;
  /** Raw response body (e.g. malformed JSON), sent with `status` or 200. */
  body?: string;
}

/**
 * A long-running POST action, answered the ARM way: 202 Accepted with `Location` (an operation URL on the
 * fake server) and `Retry-After`; each GET of that URL answers 202 again until `polls` GETs have been
 * made, then 200 with `body`. Faults apply to the operation URL like any other path (`/operationResults/`).
 */
export interface AsyncAction {
  body: unknown;
  /** 202 answers to polls before the 200; default 1. */
  polls?: number;
  /** Seconds sent as Retry-After on each 202; default 0. */
  retryAfter?: number;
}

/** Size and refill rate of ARM's per-subscription read token bucket. */
export interface ThrottleLimits {
  /** Tokens in a full bucket (a positive integer); ARM: 250. */
  capacity: number;
  /** Tokens added per second, continuously, up to `capacity` (a positive number); ARM: 25. */
  refillPerSecond: number;
}

/** `true`: ARM's limits ({@link ARM_READ_THROTTLE}); `false` or absent: no throttling. */
export type ThrottleSetting = boolean | ThrottleLimits;

/** ARM's read limits per subscription: a bucket of 250 tokens refilled at 25 per second. */
export const ARM_READ_THROTTLE: Readonly<ThrottleLimits> = Object.freeze({ capacity: 250, refillPerSecond: 25 });

/** Resource Graph's own per-user query quota: `limit` queries per window of `windowMs`. */
export interface ResourceGraphQuota {
  /** Queries allowed in one window (a positive integer); Resource Graph: 15. */
  limit: number;
  /** Window length in milliseconds (a positive integer); Resource Graph: 5000. */
  windowMs: number;
}

/** Resource Graph's documented default quota: 15 queries per user every 5 seconds. */
export const RESOURCE_GRAPH_QUOTA: Readonly<ResourceGraphQuota> = Object.freeze({ limit: 15, windowMs: 5000 });

/** How the fake's Resource Graph endpoint behaves. */
interface ResourceGraphSettings {
  /** The per-user quota; absent: {@link RESOURCE_GRAPH_QUOTA}; `false`: no quota (and no quota headers). */
  quota?: ResourceGraphQuota | false;
  /**
   * Resource types Resource Graph leaves out (compared case-insensitively): served by ARM as usual, never
   * returned by a query, as with a type the real service does not index.
   */
  unindexedTypes?: string[];
}

/**
 * A fake ARM scenario (docs/fake-arm.md), as read from a JSON file.
 *
 * - `resources`: served at their IDs and listed in their collections.
 * - `actions`: bodies of POST actions (`listKeys`, ...).
 * - `asyncActions`: long-running POST actions (`diagnose`): 202 with a `Location` on the fake server, polled
 *   until done, then 200 with the body.
 * - `privateEndpointTypes`: what availablePrivateEndpointTypes lists per region.
 * - `faults`: errors, delays, resets and raw bodies injected into matching requests.
 * - `pageSize`: collection page size.
 * - `throttle`: ARM read throttling. Each GET takes one token from the bucket of the subscription in its
 *   path (`/subscriptions/<id>/...`, case-insensitive; paths without one share a single bucket); other
 *   methods take none. An empty bucket answers 429 `SubscriptionRequestsThrottled` with `Retry-After`
 *   (whole seconds until a token is back, at least 1), before any fault is considered. Responses carry
 *   `x-ms-ratelimit-remaining-subscription-reads`: the whole tokens left in the request's bucket
 *   (a fixed 11999 when throttling is off).
 * - `managementGroups`: management group name -> the subscription IDs under it, for Resource Graph queries
 *   scoped by `managementGroups` (names and IDs compare case-insensitively; a group not named here answers
 *   403 `AuthorizationFailed`).
 * - `resourceGraph`: the Resource Graph endpoint (`POST /providers/Microsoft.ResourceGraph/resources`), which
 *   queries the top-level `resources` entries (not children embedded in a parent's properties). `quota`:
 *   Resource Graph's own per-user throttling, counted for the whole server (the fake serves one user) and
 *   separate from `throttle`: at most `limit` queries per fixed window of `windowMs` starting at the
 *   window's first query; default 15 per 5000 ms, `false` for none. Every answer to a query then carries
 *   `x-ms-user-quota-remaining` (queries left in the window) and `x-ms-user-quota-resets-after` (`hh:mm:ss`,
 *   rounded up); a query over the quota answers 429 `RateLimiting` with `Retry-After` (whole seconds, at
 *   least 1), before any fault is considered and without counting. `unindexedTypes`: resource types no
 *   query returns (ARM still serves them), as a type the real service does not index.
 */
export interface Scenario {
  resources: ArmResource[];
  /** Response body of `POST <resource id>/<action>`, keyed by that path (case-insensitive). */
  actions?: Record<string, unknown>;
  /** Long-running POST actions, keyed like `actions` (case-insensitive). */
  asyncActions?: Record<string, AsyncAction>;
  /** Region name -> resource types that availablePrivateEndpointTypes lists there. */
  privateEndpointTypes?: Record<string, string[]>;
  faults?: Fault[];
  /** Collection page size; default 100. */
  pageSize?: number;
  /** ARM read throttling: `true` for ARM's limits (250 tokens, 25 per second), or explicit limits; default off. */
  throttle?: ThrottleSetting;
  /** Management group name -> subscription IDs under it (Resource Graph scope); default none. */
  managementGroups?: Record<string, string[]>;
  /** Resource Graph endpoint settings; default: the documented quota of 15 queries per 5 seconds. */
  resourceGraph?: ResourceGraphSettings;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function checkOptional(
  record: Record<string, unknown>,
  field: string,
  expected: "string" | "number" | "boolean",
  where: string,
): void {
  const value = record[field];
  if (value !== undefined && typeof value !== expected) {
    throw new Error(`${where}.${field} must be a ${expected}`);
  }
}

function checkFault(value: unknown, where: string): Fault {
  if (!isRecord(value)) throw new Error(`${where} must be an object`);
  if (typeof value.path !== "string") throw new Error(`${where}.path must be a string (a regular expression)`);
  try {
    new RegExp(value.path, "i");
  } catch (error) {
    throw new Error(`${where}.path is not a valid regular expression: ${(error as Error).message}`, { cause: error });
  }
  for (const field of ["method", "code", "message", "body"]) checkOptional(value, field, "string", where);
  for (const field of ["status", "retryAfter", "times", "delayMs"]) checkOptional(value, field, "number", where);
  checkOptional(value, "reset", "boolean", where);
  return value as unknown as Fault;
}

/**
 * The limits a throttle setting stands for (undefined: no throttling); throws, naming `where`, when the
 * setting is neither a boolean nor `{ capacity, refillPerSecond }` with positive values.
 */
export function resolveThrottle(value: unknown, where = "throttle"): ThrottleLimits | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true) return { ...ARM_READ_THROTTLE };
  const shape = `${where} must be true, false or { "capacity": <positive integer>, "refillPerSecond": <positive number> }`;
  if (!isRecord(value)) throw new Error(shape);
  const { capacity, refillPerSecond } = value;
  if (typeof capacity !== "number" || !Number.isInteger(capacity) || capacity < 1) {
    throw new Error(
      `${where}.capacity must be a positive integer (ARM: 250), got ${JSON.stringify(capacity) ?? "nothing"}`,
    );
  }
  if (typeof refillPerSecond !== "number" || !Number.isFinite(refillPerSecond) || refillPerSecond <= 0) {
    throw new Error(
      `${where}.refillPerSecond must be a positive number (ARM: 25), got ${JSON.stringify(refillPerSecond) ?? "nothing"}`,
    );
  }
  return { capacity, refillPerSecond };
}

/**
 * The quota a setting stands for: absent means Resource Graph's default, `false` none (undefined); throws,
 * naming `where`, when the setting is neither `false` nor `{ limit, windowMs }` with positive integers.
 */
export function resolveResourceGraphQuota(
  value: unknown,
  where = "resourceGraph.quota",
): ResourceGraphQuota | undefined {
  if (value === undefined) return { ...RESOURCE_GRAPH_QUOTA };
  if (value === false) return undefined;
  if (!isRecord(value)) {
    throw new Error(`${where} must be false or { "limit": <positive integer>, "windowMs": <positive integer> }`);
  }
  for (const [field, real] of [
    ["limit", RESOURCE_GRAPH_QUOTA.limit],
    ["windowMs", RESOURCE_GRAPH_QUOTA.windowMs],
  ] as const) {
    const number = value[field];
    if (typeof number !== "number" || !Number.isInteger(number) || number < 1) {
      throw new Error(
        `${where}.${field} must be a positive integer (Resource Graph: ${real}), got ${JSON.stringify(number) ?? "nothing"}`,
      );
    }
  }
  return { limit: value.limit as number, windowMs: value.windowMs as number };
}

/** Checks the minimal shape of a parsed scenario; `source` names it in error messages. */
export function parseScenario(value: unknown, source = "scenario"): Scenario {
  if (!isRecord(value)) throw new Error(`${source}: the scenario must be a JSON object`);
  const resources = value.resources ?? [];
  if (!Array.isArray(resources)) throw new Error(`${source}: resources must be an array`);
  resources.forEach((resource: unknown, index) => {
    if (!isRecord(resource) || typeof resource.id !== "string" || !resource.id.startsWith("/")) {
      throw new Error(`${source}: resources[${index}] must be an object with an "id" starting with "/"`);
    }
  });
  if (value.actions !== undefined && !isRecord(value.actions)) {
    throw new Error(`${source}: actions must be an object keyed by "<resource id>/<action>"`);
  }
  const asyncActions = value.asyncActions;
  if (asyncActions !== undefined) {
    if (!isRecord(asyncActions))
      throw new Error(`${source}: asyncActions must be an object keyed by "<resource id>/<action>"`);
    for (const [path, action] of Object.entries(asyncActions)) {
      const where = `${source}: asyncActions["${path}"]`;
      if (!isRecord(action) || !("body" in action)) throw new Error(`${where} must be an object with a body`);
      for (const field of ["polls", "retryAfter"]) {
        const number = action[field];
        if (number !== undefined && (typeof number !== "number" || !Number.isInteger(number) || number < 0)) {
          throw new Error(`${where}.${field} must be a non-negative integer`);
        }
      }
    }
  }
  const privateEndpointTypes = value.privateEndpointTypes;
  if (privateEndpointTypes !== undefined) {
    if (!isRecord(privateEndpointTypes)) throw new Error(`${source}: privateEndpointTypes must be an object`);
    for (const [region, types] of Object.entries(privateEndpointTypes)) {
      if (!Array.isArray(types) || !types.every((type) => typeof type === "string")) {
        throw new Error(`${source}: privateEndpointTypes["${region}"] must be an array of strings`);
      }
    }
  }
  const faults = value.faults ?? [];
  if (!Array.isArray(faults)) throw new Error(`${source}: faults must be an array`);
  faults.forEach((fault: unknown, index) => checkFault(fault, `${source}: faults[${index}]`));
  const pageSize = value.pageSize;
  if (pageSize !== undefined && (typeof pageSize !== "number" || !Number.isInteger(pageSize) || pageSize < 1)) {
    throw new Error(`${source}: pageSize must be a positive integer`);
  }
  resolveThrottle(value.throttle, `${source}: throttle`);
  const managementGroups = value.managementGroups;
  if (managementGroups !== undefined) {
    if (!isRecord(managementGroups)) {
      throw new Error(
        `${source}: managementGroups must be an object mapping a management group name to subscription IDs`,
      );
    }
    for (const [group, subscriptions] of Object.entries(managementGroups)) {
      if (!Array.isArray(subscriptions) || !subscriptions.every((subscription) => typeof subscription === "string")) {
        throw new Error(`${source}: managementGroups["${group}"] must be an array of subscription IDs (strings)`);
      }
    }
  }
  const resourceGraph = value.resourceGraph;
  if (resourceGraph !== undefined) {
    if (!isRecord(resourceGraph)) throw new Error(`${source}: resourceGraph must be an object`);
    resolveResourceGraphQuota(resourceGraph.quota, `${source}: resourceGraph.quota`);
    const unindexed = resourceGraph.unindexedTypes;
    if (
      unindexed !== undefined &&
      (!Array.isArray(unindexed) || !unindexed.every((type) => typeof type === "string"))
    ) {
      throw new Error(`${source}: resourceGraph.unindexedTypes must be an array of resource types`);
    }
  }
  return { ...value, resources, faults };
}

/** Reads and checks a scenario JSON file. */
export async function loadScenario(path: string): Promise<Scenario> {
  return parseScenario(await readScenarioJson(path), path);
}
