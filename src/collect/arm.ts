// The ARM clients and the two ways of reading through them: one resource, or every page of a
// collection. Bodies are taken from the wire (the typed models drop and invent fields), and
// every failure becomes a CollectionError instead of an exception.

import { AsyncLocalStorage } from "node:async_hooks";
import { setMaxListeners } from "node:events";
import { setTimeout as sleep } from "node:timers/promises";
import { ContainerRegistryManagementClient } from "@azure/arm-containerregistry";
import { KeyVaultManagementClient } from "@azure/arm-keyvault";
import { AzureMachineLearningWorkspaces } from "@azure/arm-machinelearning";
import { NetworkManagementClient } from "@azure/arm-network";
import { PrivateDnsManagementClient } from "@azure/arm-privatedns";
import { ResourceGraphClient } from "@azure/arm-resourcegraph";
import { StorageManagementClient } from "@azure/arm-storage";
import type { TokenCredential } from "@azure/core-auth";
import { isRestError, type Pipeline, type PipelinePolicy } from "@azure/core-rest-pipeline";
import type { CollectionError, PartName, RetryNote } from "../snapshot/types.js";
import { READ_PERMISSIONS, type Operation } from "./permissions.js";
import { ReadBudget } from "./read-budget.js";
import { preflightRetryPolicy, retryAfterHeaderMs, retryAfterMs, type RetrySettings } from "../core/retry.js";
import type { Redactor } from "../core/redact.js";

/** Machine Learning api-version pinned so `imageBuildCompute` and `managedNetwork` come back. */
export const ML_API_VERSION = "2025-12-01";

/** ARM requests in flight at once unless told otherwise (`preflight fleet --concurrency`). */
const DEFAULT_CONCURRENCY = 64;

export interface ArmOptions {
  credential: TokenCredential;
  endpoint: string;
  /** Extra CA for a private endpoint (tests); production trust comes from NODE_EXTRA_CA_CERTS. */
  ca?: string;
  requestTimeoutMs: number;
  retry: RetrySettings;
  /** The whole run's deadline (--timeout): aborts requests in flight and waits between retries. */
  deadline?: AbortSignal;
  /** Seconds of --timeout, for the message of a read it cut short. */
  deadlineSeconds?: number;
  redactor: Redactor;
  /**
   * ARM requests in flight at once (all subscriptions); default 64. A single audit's widest level
   * sends about 20 at once, and a lower bound would make it wait a round trip more.
   */
  concurrency?: number;
}

/** The requests and retries of one collection, when several share a reader (a fleet). */
export interface RequestTally {
  requests: number;
  retries: RetryNote[];
}

/** One HTTP attempt as the wire saw it: status 0 when no response came (reset, timeout). */
interface Attempt {
  status: number;
  retryAfterMs?: number;
}

interface Capture {
  bodies: string[];
  attempts: Attempt[];
  /** The last error answer's body: paged lists raise errors that drop ARM's message. */
  errorBody?: string;
}

/** Per-call sink for response bodies; follows the async context into next-page requests too. */
const captureContext = new AsyncLocalStorage<Capture>();
/** The tally of the collection a request belongs to; follows it through shared reads it starts. */
const tallyContext = new AsyncLocalStorage<RequestTally>();

type Clients = {
  ml: AzureMachineLearningWorkspaces;
  storage: StorageManagementClient;
  registry: ContainerRegistryManagementClient;
  keyVault: KeyVaultManagementClient;
  network: NetworkManagementClient;
  privateDns: PrivateDnsManagementClient;
};

/** Resource Graph's own throttling, per user: queries left in the window and when it refills. */
export interface GraphQuota {
  remaining: number;
  resetsAfterMs: number;
  /** performance.now() when the answer came. */
  at: number;
}

const GRAPH_PATH = /\/providers\/Microsoft\.ResourceGraph\//i;

export class ArmReader {
  /** Every HTTP request of the run (retries and Resource Graph included). */
  requests = 0;
  /** Of `requests`, those to Resource Graph. */
  graphRequests = 0;
  /** What the last Resource Graph answer said of the user's quota. */
  graphQuota: GraphQuota | undefined;
  private graphClient: ResourceGraphClient | undefined;
  /** Reads that succeeded only after a retry, for the report's note. */
  readonly retries: RetryNote[] = [];
  private readonly clients = new Map<string, Clients>();

  /** Replaces every client's `defaultRetryPolicy`; stateless, so one serves them all. */
  private readonly retryPolicy: PipelinePolicy;
  /** Paces reads by what ARM says is left of each subscription's bucket; bounds requests in flight. */
  readonly budget: ReadBudget;
  private readonly budgetPolicy: PipelinePolicy;

  constructor(private readonly options: ArmOptions) {
    this.retryPolicy = preflightRetryPolicy(options.retry);
    this.budget = new ReadBudget({ concurrency: options.concurrency ?? DEFAULT_CONCURRENCY });
    this.budgetPolicy = this.budget.policy(() => options.deadline);
    // Every request in flight listens to the run's deadline; a dozen at once is normal, not a leak
    // (Node would otherwise print MaxListenersExceededWarning on stderr).
    if (options.deadline) setMaxListeners(0, options.deadline);
  }

  /** Counts every attempt and keeps the raw body of each successful response for the current call. */
  private readonly wirePolicy: PipelinePolicy = {
    name: "preflightWire",
    sendRequest: async (request, next) => {
      this.requests += 1;
      const isGraph = GRAPH_PATH.test(request.url);
      if (isGraph) this.graphRequests += 1;
      const tally = tallyContext.getStore();
      if (tally) tally.requests += 1;
      request.timeout = this.options.requestTimeoutMs;
      const capture = captureContext.getStore();
      let response;
      try {
        response = await next(request);
      } catch (error) {
        capture?.attempts.push({ status: 0 });
        throw error;
      }
      if (isGraph)
        this.noteGraphQuota(
          response.headers.get("x-ms-user-quota-remaining"),
          response.headers.get("x-ms-user-quota-resets-after"),
        );
      // A 202 (a long-running operation still going) paces polling with Retry-After too.
      const wait = response.status === 202 ? retryAfterHeaderMs(response) : retryAfterMs(response);
      capture?.attempts.push({ status: response.status, ...(wait !== undefined ? { retryAfterMs: wait } : {}) });
      if (capture && response.status >= 200 && response.status < 300 && response.bodyAsText) {
        capture.bodies.push(response.bodyAsText);
      }
      if (capture && response.status >= 400 && response.bodyAsText) capture.errorBody = response.bodyAsText;
      return response;
    },
  };

  /** Ties every request (and the waits between its retries) to the run's deadline. */
  private readonly deadlinePolicy: PipelinePolicy = {
    name: "preflightDeadline",
    sendRequest: (request, next) => {
      const deadline = this.options.deadline;
      const own = request.abortSignal;
      if (deadline) request.abortSignal = own instanceof AbortSignal ? AbortSignal.any([own, deadline]) : deadline;
      return next(request);
    },
  };

  /** True once the run's --timeout has passed: reads not yet started fail without a request. */
  get pastDeadline(): boolean {
    return this.options.deadline?.aborted ?? false;
  }

  /** `x-ms-user-quota-remaining` and `x-ms-user-quota-resets-after` (hh:mm:ss), when both are there. */
  private noteGraphQuota(remaining: string | undefined, resetsAfter: string | undefined): void {
    const left = Number(remaining);
    const clock = /^(\d+):(\d{1,2}):(\d{1,2}(?:\.\d+)?)$/.exec(resetsAfter?.trim() ?? "");
    if (remaining === undefined || !Number.isFinite(left) || !clock) return;
    const resetsAfterMs = ((Number(clock[1]) * 60 + Number(clock[2])) * 60 + Number(clock[3])) * 1000;
    this.graphQuota = { remaining: left, resetsAfterMs, at: performance.now() };
  }

  /** The Resource Graph client: tenant-wide, so one for the run. */
  graph(): ResourceGraphClient {
    if (this.graphClient) return this.graphClient;
    // No read budget: Resource Graph's quota is the user's, not a subscription's, and is read apart.
    const client = new ResourceGraphClient(this.options.credential, {
      ...this.clientOptions(false),
      credentials: { scopes: [this.tokenScope()] },
    });
    this.graphClient = this.withOwnRetries(client);
    return client;
  }

  /** What every client is made with: our endpoint, trust, user agent and pipeline policies. */
  private clientOptions(budgeted: boolean) {
    const { endpoint, ca } = this.options;
    return {
      endpoint,
      additionalPolicies: [
        { policy: this.deadlinePolicy, position: "perCall" as const },
        ...(budgeted ? [{ policy: this.budgetPolicy, position: "perRetry" as const }] : []),
        { policy: this.wirePolicy, position: "perRetry" as const },
      ],
      ...(ca ? { tlsOptions: { ca } } : {}),
      userAgentOptions: { userAgentPrefix: "aml-preflight" },
    };
  }

  /** The token scope of our endpoint, for clients that do not take it from the endpoint. */
  private tokenScope(): string {
    return `${this.options.endpoint.replace(/\/+$/, "")}/.default`;
  }

  /** The client with the SDK's retry loop replaced by ours. */
  private withOwnRetries<T extends { pipeline: Pipeline }>(client: T): T {
    client.pipeline.removePolicy({ name: "defaultRetryPolicy" });
    client.pipeline.addPolicy(this.retryPolicy, { phase: "Retry" });
    return client;
  }

  clientsFor(subscriptionId: string): Clients {
    const existing = this.clients.get(subscriptionId.toLowerCase());
    if (existing) return existing;
    const { credential } = this.options;
    const common = this.clientOptions(true);
    const created: Clients = {
      ml: new AzureMachineLearningWorkspaces(credential, subscriptionId, {
        ...common,
        apiVersion: ML_API_VERSION,
        credentialScopes: [this.tokenScope()],
      }),
      storage: new StorageManagementClient(credential, subscriptionId, common),
      registry: new ContainerRegistryManagementClient(credential, subscriptionId, common),
      keyVault: new KeyVaultManagementClient(credential, subscriptionId, common),
      network: new NetworkManagementClient(credential, subscriptionId, common),
      // The new-generation client takes its token scope from `credentials`, not from the endpoint.
      privateDns: new PrivateDnsManagementClient(credential, subscriptionId, {
        ...common,
        credentials: { scopes: [this.tokenScope()] },
      }),
    };
    for (const client of Object.values(created)) this.withOwnRetries(client);
    this.clients.set(subscriptionId.toLowerCase(), created);
    return created;
  }

  /**
   * Runs one collection with its own tally of requests and retries, for readers shared by many
   * collections at once (a fleet); `requests`/`retries` on the reader stay the whole run's.
   */
  async tallied<T>(run: (tally: RequestTally) => Promise<T>): Promise<T> {
    const tally: RequestTally = { requests: 0, retries: [] };
    return tallyContext.run(tally, () => run(tally));
  }

  /** One resource: its raw body, or the error. */
  async readOne(
    part: PartName,
    operation: Operation,
    resourceId: string,
    call: () => Promise<unknown>,
  ): Promise<{ ok: true; body: Record<string, unknown> } | { ok: false; error: CollectionError }> {
    if (this.pastDeadline) return { ok: false, error: this.deadlineError(part, operation, resourceId, false) };
    const capture: Capture = { bodies: [], attempts: [] };
    try {
      await captureContext.run(capture, call);
    } catch (error) {
      if (!typedModelTripped(part, error, capture))
        return { ok: false, error: this.toError(part, operation, resourceId, error, capture) };
    }
    const body = parseBody(capture.bodies.at(-1));
    if (!body)
      return {
        ok: false,
        error: this.toError(part, operation, resourceId, new Error("the response body is not a JSON object"), capture),
      };
    this.noteRetries(operation, resourceId, capture);
    // Keys and passwords are known as secrets from the moment they are read.
    if (part === "keys") this.options.redactor.rememberFieldsOf(body);
    return { ok: true, body };
  }

  /** Every page of a collection: the raw `value` entries, in order. */
  async readAll(
    part: PartName,
    operation: Operation,
    resourceId: string,
    list: () => AsyncIterable<unknown>,
  ): Promise<{ ok: true; items: Record<string, unknown>[] } | { ok: false; error: CollectionError }> {
    if (this.pastDeadline) return { ok: false, error: this.deadlineError(part, operation, resourceId, false) };
    const capture: Capture = { bodies: [], attempts: [] };
    try {
      await captureContext.run(capture, async () => {
        for await (const _item of list()) {
          // Draining the iterator fetches every page; the bodies arrive through the policy.
        }
      });
      const items: Record<string, unknown>[] = [];
      for (const text of capture.bodies) {
        const value = parseBody(text)?.value;
        // A page without a `value` array is not an empty page: the list is unread, not empty.
        if (!Array.isArray(value))
          return {
            ok: false,
            error: this.toError(
              part,
              operation,
              resourceId,
              new Error("a page of the list has no `value` array"),
              capture,
            ),
          };
        for (const item of value) if (item && typeof item === "object") items.push(item as Record<string, unknown>);
      }
      this.noteRetries(operation, resourceId, capture);
      return { ok: true, items };
    } catch (error) {
      return { ok: false, error: this.toError(part, operation, resourceId, error, capture) };
    }
  }

  /**
   * Azure's workspace diagnose: a long-running POST, polled until done or until `timeoutMs` passes. The
   * result is the last body the service sent (the finished operation's). A timeout is code `Timeout`
   * naming --diagnose-timeout.
   */
  async diagnose(
    workspaceId: string,
    subscriptionId: string,
    resourceGroup: string,
    workspace: string,
    timeoutMs: number,
  ): Promise<{ ok: true; body: Record<string, unknown> } | { ok: false; error: CollectionError }> {
    const signal = AbortSignal.timeout(timeoutMs);
    const ml = this.clientsFor(subscriptionId).ml;
    const result = await this.readOne("diagnose", "workspace diagnose", workspaceId, async () => {
      const poller = await ml.workspaces.beginDiagnose(resourceGroup, workspace, {
        parameters: { value: DIAGNOSE_EVERYTHING },
        abortSignal: signal,
      });
      while (!poller.isDone()) {
        const last = captureContext.getStore()?.attempts.at(-1);
        await sleep(pollInterval(last?.retryAfterMs), undefined, { signal });
        await poller.poll({ abortSignal: signal });
      }
    });
    if (!result.ok && signal.aborted && !this.pastDeadline) {
      return {
        ok: false,
        error: {
          ...result.error,
          code: "Timeout",
          message: `the diagnose did not finish within --diagnose-timeout ${timeoutMs / 1000} s`,
        },
      };
    }
    return result;
  }

  private noteRetries(operation: Operation, resourceId: string, capture: Capture): void {
    if (capture.attempts.every((attempt) => attempt.status >= 200 && attempt.status < 300)) return;
    const note = {
      resourceId,
      operation,
      attempts: capture.attempts.length,
      statuses: capture.attempts.map((attempt) => attempt.status),
    };
    this.retries.push(note);
    tallyContext.getStore()?.retries.push(note);
  }

  private deadlineError(part: PartName, operation: Operation, resourceId: string, started: boolean): CollectionError {
    const seconds = this.options.deadlineSeconds;
    const limit = seconds !== undefined ? `the run's --timeout of ${seconds} s` : "the run's deadline";
    return {
      part,
      resourceId,
      operation,
      code: "DeadlineExceeded",
      message: started ? `${limit} passed before the answer came` : `not read: ${limit} had passed`,
    };
  }

  toError(
    part: PartName,
    operation: Operation,
    resourceId: string,
    error: unknown,
    capture?: Capture,
  ): CollectionError {
    const redact = (text: string) => this.options.redactor.redactMessage(text);
    const attempts = capture?.attempts.length ?? 0;
    const tried = attempts > 1 ? { attempts } : {};
    if (error instanceof Error && error.name === "AbortError") {
      if (this.pastDeadline) return { ...this.deadlineError(part, operation, resourceId, true), ...tried };
      const seconds = this.options.requestTimeoutMs / 1000;
      return {
        part,
        resourceId,
        operation,
        code: "Timeout",
        message: `no answer within --request-timeout ${seconds} s`,
        ...tried,
      };
    }
    if (isRestError(error)) {
      const statusCode = error.statusCode;
      // Paged lists raise their own error without the body; the wire kept the last error answer.
      const envelope = armErrorEnvelope(error.response?.bodyAsText) ?? armErrorEnvelope(capture?.errorBody);
      const code = envelope?.code ?? error.code;
      const last = capture?.attempts[capture.attempts.length - 1];
      const gaveUp =
        last?.retryAfterMs !== undefined && last.retryAfterMs > this.options.retry.maxRetryAfterMs
          ? ` (ARM asked to wait ${Math.ceil(last.retryAfterMs / 1000)} s, longer than --max-retry-after ${this.options.retry.maxRetryAfterMs / 1000} s)`
          : attempts > 1
            ? ` (after ${attempts} attempts)`
            : "";
      const text =
        code === "PARSE_ERROR"
          ? parseFailure(error.message)
          : statusCode === undefined
            ? error.message
            : (envelope?.message ?? error.message);
      return {
        part,
        resourceId,
        operation,
        ...(statusCode !== undefined ? { statusCode } : {}),
        ...(code ? { code } : {}),
        message: redact(`${firstLine(text)}${gaveUp}`),
        ...(statusCode === 403 ? { permission: READ_PERMISSIONS[operation] } : {}),
        ...tried,
      };
    }
    const message = error instanceof Error ? error.message : String(error);
    return { part, resourceId, operation, message: redact(firstLine(message)), ...tried };
  }
}

/**
 * The SDK's typed model can trip over a body ARM did send whole (a registry without `sku`); the wire
 * body is what is judged anyway, so a crash after a 200 with a JSON body is not a failed read. Not for
 * the diagnose: its 202s carry bodies too, and a half-finished operation must not read as done.
 */
function typedModelTripped(part: PartName, error: unknown, capture: Capture): boolean {
  if (part === "diagnose" || isRestError(error) || (error instanceof Error && error.name === "AbortError"))
    return false;
  return capture.attempts.at(-1)?.status === 200 && parseBody(capture.bodies.at(-1)) !== undefined;
}

/** Every category the diagnose API knows, each with default settings (the shape of Azure's own example). */
const DIAGNOSE_EVERYTHING = {
  udr: {},
  nsg: {},
  resourceLock: {},
  dnsResolution: {},
  storageAccount: {},
  keyVault: {},
  containerRegistry: {},
  applicationInsights: {},
  others: {},
};

/** Between polls: what Retry-After asked for, within 0.1–10 s; 2 s when it asked nothing. */
function pollInterval(retryAfter: number | undefined): number {
  if (retryAfter === undefined) return 2_000;
  return Math.min(10_000, Math.max(100, retryAfter));
}

/** The SDK's parse error quotes the body it could not parse, which may hold keys: keep only the reason. */
function parseFailure(message: string): string {
  const reason = /Error "([^"]*)" occurred while parsing/.exec(message)?.[1];
  return `the response body is not valid JSON${reason ? ` (${reason})` : ""}`;
}

function parseBody(text: string | undefined): Record<string, unknown> | undefined {
  if (!text) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed && typeof parsed === "object" && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** ARM's error envelope `{ "error": { "code", "message" } }` in a response body, as strings. */
function armErrorEnvelope(text: string | null | undefined): { code?: string; message?: string } | undefined {
  const inner = parseBody(text ?? undefined)?.error;
  if (!inner || typeof inner !== "object") return undefined;
  const { code, message } = inner as Record<string, unknown>;
  return { ...(typeof code === "string" ? { code } : {}), ...(typeof message === "string" ? { message } : {}) };
}

function firstLine(text: string): string {
  const line = text.split(/\r?\n/)[0] ?? "";
  return line.length > 500 ? `${line.slice(0, 497)}...` : line;
}
