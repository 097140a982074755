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

/** Size and refill rate of one of ARM's per-subscription token buckets. */
export interface ThrottleLimits {
  /** Tokens in a full bucket (a positive integer); ARM: 250 for reads, 200 for writes and deletes. */
  capacity: number;
  /** Tokens added per second, continuously, up to `capacity` (a positive number); ARM: 25 for reads, 10 for writes and deletes. */
  refillPerSecond: number;
}

/** The buckets named one by one; a bucket not named has ARM's limits. */
interface ThrottleBuckets {
  reads?: ThrottleLimits;
  writes?: ThrottleLimits;
  deletes?: ThrottleLimits;
  /**
   * Regular expressions (case-insensitive) of POST paths answered as by a resource provider that overrides
   * ARM's default limit: they spend no ARM bucket, and their answers carry
   * `x-ms-ratelimit-remaining-subscription-resource-requests` instead of the writes header (storage listKeys,
   * in recorded ARM answers since 2020). Default none.
   */
  resourceRequests?: string[];
}

/** Every bucket's limits, as the fake applies them. */
export interface ArmThrottleLimits {
  reads: ThrottleLimits;
  writes: ThrottleLimits;
  deletes: ThrottleLimits;
  resourceRequests: string[];
}

/**
 * `true`: ARM's limits for every bucket; `{ capacity, refillPerSecond }`: those for reads, ARM's for writes
 * and deletes; `{ reads?, writes?, deletes? }`: each bucket named, ARM's for the others; `false` or absent: no
 * throttling.
 */
export type ThrottleSetting = boolean | ThrottleLimits | ThrottleBuckets;

/** ARM's read limits per subscription: a bucket of 250 tokens refilled at 25 per second. */
export const ARM_READ_THROTTLE: Readonly<ThrottleLimits> = Object.freeze({ capacity: 250, refillPerSecond: 25 });
/** ARM's write limits per subscription: a bucket of 200 tokens refilled at 10 per second. */
export const ARM_WRITE_THROTTLE: Readonly<ThrottleLimits> = Object.freeze({ capacity: 200, refillPerSecond: 10 });
/** ARM's delete limits per subscription: a bucket of 200 tokens refilled at 10 per second. */
const ARM_DELETE_THROTTLE: Readonly<ThrottleLimits> = Object.freeze({ capacity: 200, refillPerSecond: 10 });

/** ARM's limits for every bucket (Learn, request-limits-and-throttling). */
function armThrottleLimits(): ArmThrottleLimits {
  return {
    reads: { ...ARM_READ_THROTTLE },
    writes: { ...ARM_WRITE_THROTTLE },
    deletes: { ...ARM_DELETE_THROTTLE },
    resourceRequests: [],
  };
}

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
 * - `throttle`: ARM's throttling, per subscription in the path (`/subscriptions/<id>/...`, case-insensitive;
 *   paths without one share a single set): GET and HEAD take a token from the read bucket, PUT, PATCH and
 *   POST (actions such as listKeys) from the write bucket, DELETE from the delete bucket; a Resource Graph
 *   query takes none (it has its own quota). An empty bucket answers 429 `SubscriptionRequestsThrottled`
 *   with `Retry-After` (whole seconds until a token is back, at least 1), before any fault is considered.
 *   Every answer carries `x-ms-ratelimit-remaining-subscription-reads` and `-writes` (a DELETE's also
 *   `-deletes`): the whole tokens left in the subscription's buckets (fixed 11999 and 1199 when throttling
 *   is off). See {@link ThrottleSetting}.
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
  /** ARM throttling: `true` for ARM's limits (reads 250 + 25/s, writes and deletes 200 + 10/s), or explicit limits; default off. */
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

/** One bucket's `{ capacity, refillPerSecond }`, checked; `arm` names ARM's own for the message. */
function checkBucket(value: unknown, where: string, arm: Readonly<ThrottleLimits>): ThrottleLimits {
  if (!isRecord(value))
    throw new Error(`${where} must be { "capacity": <positive integer>, "refillPerSecond": <positive number> }`);
  const { capacity, refillPerSecond } = value;
  if (typeof capacity !== "number" || !Number.isInteger(capacity) || capacity < 1) {
    throw new Error(
      `${where}.capacity must be a positive integer (ARM: ${arm.capacity}), got ${JSON.stringify(capacity) ?? "nothing"}`,
    );
  }
  if (typeof refillPerSecond !== "number" || !Number.isFinite(refillPerSecond) || refillPerSecond <= 0) {
    throw new Error(
      `${where}.refillPerSecond must be a positive number (ARM: ${arm.refillPerSecond}), got ${JSON.stringify(refillPerSecond) ?? "nothing"}`,
    );
  }
  return { capacity, refillPerSecond };
}

const BUCKET_FIELDS = ["reads", "writes", "deletes", "resourceRequests"];

/**
 * The limits a throttle setting stands for (undefined: no throttling); throws, naming `where`, when the
 * setting is not one of the shapes of {@link ThrottleSetting} with positive values.
 */
export function resolveThrottle(value: unknown, where = "throttle"): ArmThrottleLimits | undefined {
  if (value === undefined || value === false) return undefined;
  const limits = armThrottleLimits();
  if (value === true) return limits;
  const shape =
    `${where} must be true, false or { "capacity": <positive integer>, "refillPerSecond": <positive number> } ` +
    `(the read bucket), or { "reads", "writes", "deletes" } each of that shape`;
  if (!isRecord(value)) throw new Error(shape);
  if (!BUCKET_FIELDS.some((field) => field in value)) {
    limits.reads = checkBucket(value, where, ARM_READ_THROTTLE);
    return limits;
  }
  const unknown = Object.keys(value).filter((field) => !BUCKET_FIELDS.includes(field));
  if (unknown.length > 0) throw new Error(`${where}.${unknown[0]} is not a bucket: ${shape}`);
  if (value.reads !== undefined) limits.reads = checkBucket(value.reads, `${where}.reads`, ARM_READ_THROTTLE);
  if (value.writes !== undefined) limits.writes = checkBucket(value.writes, `${where}.writes`, ARM_WRITE_THROTTLE);
  if (value.deletes !== undefined) limits.deletes = checkBucket(value.deletes, `${where}.deletes`, ARM_DELETE_THROTTLE);
  const overridden = value.resourceRequests;
  if (overridden !== undefined) {
    if (!Array.isArray(overridden) || !overridden.every((pattern) => typeof pattern === "string"))
      throw new Error(`${where}.resourceRequests must be an array of regular expressions (strings)`);
    for (const pattern of overridden) {
      try {
        new RegExp(pattern, "i");
      } catch (error) {
        throw new Error(`${where}.resourceRequests: "${pattern}" is not a valid regular expression`, { cause: error });
      }
    }
    limits.resourceRequests = [...overridden];
  }
  return limits;
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
