// The ARM clients and the two ways of reading through them: one resource, or every page of a
// collection. Bodies are taken from the wire (the typed models drop and invent fields), and
// every failure becomes a CollectionError instead of an exception.

import { setMaxListeners } from "node:events";
import { ContainerRegistryManagementClient } from "@azure/arm-containerregistry";
import { DnsResolverManagementClient } from "@azure/arm-dnsresolver";
import { KeyVaultManagementClient } from "@azure/arm-keyvault";
import { AzureMachineLearningWorkspaces } from "@azure/arm-machinelearning";
import { NetworkManagementClient } from "@azure/arm-network";
import { PrivateDnsManagementClient } from "@azure/arm-privatedns";
import { ResourceGraphClient } from "@azure/arm-resourcegraph";
import { StorageManagementClient } from "@azure/arm-storage";
import type { TokenCredential } from "@azure/core-auth";
import type { Pipeline, PipelinePolicy } from "@azure/core-rest-pipeline";
import type { CollectionError, PartName, RetryNote } from "../snapshot/types.js";
import { armCollectionError, deadlineError } from "./arm-errors.js";
import { diagnoseUntilDone } from "./diagnose-poll.js";
import type { Operation } from "./permissions.js";
import { RequestBudget } from "./request-budget.js";
import {
  captureContext,
  parseBody,
  tallyContext,
  typedModelTripped,
  responseCapturePolicy,
  type Capture,
  type GraphQuota,
  type RequestTally,
} from "./response-capture.js";
import { preflightRetryPolicy, type RetrySettings } from "../core/retry.js";
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

type Clients = {
  ml: AzureMachineLearningWorkspaces;
  storage: StorageManagementClient;
  registry: ContainerRegistryManagementClient;
  keyVault: KeyVaultManagementClient;
  network: NetworkManagementClient;
  privateDns: PrivateDnsManagementClient;
  dnsResolver: DnsResolverManagementClient;
};

export class ArmReader {
  /** Every HTTP request of the run (retries and Resource Graph included). */
  requests = 0;
  /** Azure diagnoses still running (what a progress line says the run is waiting for). */
  diagnosing = 0;
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
  /** Paces reads and writes by what ARM says is left of each subscription's buckets; bounds requests in flight. */
  readonly budget: RequestBudget;
  private readonly budgetPolicy: PipelinePolicy;
  /** Counts every attempt and keeps the raw body of each successful response for the current call. */
  private readonly wirePolicy: PipelinePolicy;

  constructor(private readonly options: ArmOptions) {
    this.retryPolicy = preflightRetryPolicy(options.retry);
    this.budget = new RequestBudget({ concurrency: options.concurrency ?? DEFAULT_CONCURRENCY });
    this.budgetPolicy = this.budget.policy(() => options.deadline);
    this.wirePolicy = responseCapturePolicy(options.requestTimeoutMs, {
      onRequest: (isGraph) => {
        this.requests += 1;
        if (isGraph) this.graphRequests += 1;
      },
      onGraphQuota: (quota) => {
        this.graphQuota = quota;
      },
    });
    // Every request in flight listens to the run's deadline; a dozen at once is normal, not a leak
    // (Node would otherwise print MaxListenersExceededWarning on stderr).
    if (options.deadline) setMaxListeners(0, options.deadline);
  }

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
      dnsResolver: new DnsResolverManagementClient(credential, subscriptionId, {
        ...common,
        credentialScopes: [this.tokenScope()],
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
    this.diagnosing += 1;
    const result = await this.readOne("diagnose", "workspace diagnose", workspaceId, () =>
      diagnoseUntilDone(ml, resourceGroup, workspace, signal),
    ).finally(() => {
      this.diagnosing -= 1;
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
    return deadlineError(part, operation, resourceId, started, this.options.deadlineSeconds);
  }

  toError(
    part: PartName,
    operation: Operation,
    resourceId: string,
    error: unknown,
    capture?: Capture,
  ): CollectionError {
    const { redactor, requestTimeoutMs, retry, deadlineSeconds } = this.options;
    return armCollectionError(part, operation, resourceId, error, capture, {
      redactor,
      requestTimeoutMs,
      maxRetryAfterMs: retry.maxRetryAfterMs,
      ...(deadlineSeconds !== undefined ? { deadlineSeconds } : {}),
      pastDeadline: this.pastDeadline,
    });
  }
}
