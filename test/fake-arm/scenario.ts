import { readFile } from "node:fs/promises";

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

export interface Scenario {
  resources: ArmResource[];
  /** Response body of `POST <resource id>/<action>`, keyed by that path (case-insensitive). */
  actions?: Record<string, unknown>;
  /** Region name -> resource types that availablePrivateEndpointTypes lists there. */
  privateEndpointTypes?: Record<string, string[]>;
  faults?: Fault[];
  /** Collection page size; default 100. */
  pageSize?: number;
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
    throw new Error(`${where}.path is not a valid regular expression: ${(error as Error).message}`);
  }
  for (const field of ["method", "code", "message", "body"]) checkOptional(value, field, "string", where);
  for (const field of ["status", "retryAfter", "times", "delayMs"]) checkOptional(value, field, "number", where);
  checkOptional(value, "reset", "boolean", where);
  return value as unknown as Fault;
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
  return { ...value, resources, faults } as unknown as Scenario;
}

/** Reads and checks a scenario JSON file. */
export async function loadScenario(path: string): Promise<Scenario> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new Error(`cannot read scenario ${path}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`scenario ${path} is not valid JSON: ${(error as Error).message}`);
  }
  return parseScenario(parsed, path);
}
