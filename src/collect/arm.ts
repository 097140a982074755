// The ARM clients and the two ways of reading through them: one resource, or every page of a
// collection. Bodies are taken from the wire (the typed models drop and invent fields), and
// every failure becomes a CollectionError instead of an exception.

import { AsyncLocalStorage } from "node:async_hooks";
import { ContainerRegistryManagementClient } from "@azure/arm-containerregistry";
import { KeyVaultManagementClient } from "@azure/arm-keyvault";
import { AzureMachineLearningWorkspaces } from "@azure/arm-machinelearning";
import { NetworkManagementClient } from "@azure/arm-network";
import { StorageManagementClient } from "@azure/arm-storage";
import type { TokenCredential } from "@azure/core-auth";
import { isRestError, type PipelinePolicy } from "@azure/core-rest-pipeline";
import type { CollectionError, PartName } from "../snapshot/types.js";
import { READ_PERMISSIONS, type Operation } from "./permissions.js";
import type { Redactor } from "./secrets.js";

/** Machine Learning api-version pinned so `imageBuildCompute` and `managedNetwork` come back. */
export const ML_API_VERSION = "2025-12-01";

export const DEFAULT_ARM_ENDPOINT = "https://management.azure.com";

export interface ArmOptions {
  credential: TokenCredential;
  endpoint: string;
  /** Extra CA for a private endpoint (tests); production trust comes from NODE_EXTRA_CA_CERTS. */
  ca?: string;
  requestTimeoutMs: number;
  maxRetries: number;
  redactor: Redactor;
}

interface Capture {
  bodies: string[];
}

/** Per-call sink for response bodies; follows the async context into next-page requests too. */
const captureContext = new AsyncLocalStorage<Capture>();

type Clients = {
  ml: AzureMachineLearningWorkspaces;
  storage: StorageManagementClient;
  registry: ContainerRegistryManagementClient;
  keyVault: KeyVaultManagementClient;
  network: NetworkManagementClient;
};

export class ArmReader {
  requests = 0;
  private readonly clients = new Map<string, Clients>();

  constructor(private readonly options: ArmOptions) {}

  /** Counts every attempt and keeps the raw body of each successful response for the current call. */
  private readonly wirePolicy: PipelinePolicy = {
    name: "preflightWire",
    sendRequest: async (request, next) => {
      this.requests += 1;
      request.timeout = this.options.requestTimeoutMs;
      const response = await next(request);
      const capture = captureContext.getStore();
      if (capture && response.status >= 200 && response.status < 300 && response.bodyAsText) {
        capture.bodies.push(response.bodyAsText);
      }
      return response;
    },
  };

  clientsFor(subscriptionId: string): Clients {
    const existing = this.clients.get(subscriptionId.toLowerCase());
    if (existing) return existing;
    const { credential, endpoint, ca, maxRetries } = this.options;
    const common = {
      endpoint,
      additionalPolicies: [{ policy: this.wirePolicy, position: "perRetry" as const }],
      retryOptions: { maxRetries, maxRetryDelayInMs: 30_000 },
      ...(ca ? { tlsOptions: { ca } } : {}),
      userAgentOptions: { userAgentPrefix: "aml-preflight" },
    };
    const created: Clients = {
      ml: new AzureMachineLearningWorkspaces(credential, subscriptionId, {
        ...common,
        apiVersion: ML_API_VERSION,
        credentialScopes: [`${endpoint.replace(/\/+$/, "")}/.default`],
      }),
      storage: new StorageManagementClient(credential, subscriptionId, common),
      registry: new ContainerRegistryManagementClient(credential, subscriptionId, common),
      keyVault: new KeyVaultManagementClient(credential, subscriptionId, common),
      network: new NetworkManagementClient(credential, subscriptionId, common),
    };
    this.clients.set(subscriptionId.toLowerCase(), created);
    return created;
  }

  /** One resource: its raw body, or the error. */
  async readOne(
    part: PartName,
    operation: Operation,
    resourceId: string,
    call: () => Promise<unknown>,
  ): Promise<{ ok: true; body: Record<string, unknown> } | { ok: false; error: CollectionError }> {
    const capture: Capture = { bodies: [] };
    try {
      await captureContext.run(capture, call);
      const body = parseBody(capture.bodies[capture.bodies.length - 1]);
      if (!body) return { ok: false, error: this.toError(part, operation, resourceId, new Error("the response body is not a JSON object")) };
      // Keys and passwords are known as secrets from the moment they are read.
      if (part === "keys") this.options.redactor.rememberFieldsOf(body);
      return { ok: true, body };
    } catch (error) {
      return { ok: false, error: this.toError(part, operation, resourceId, error) };
    }
  }

  /** Every page of a collection: the raw `value` entries, in order. */
  async readAll(
    part: PartName,
    operation: Operation,
    resourceId: string,
    list: () => AsyncIterable<unknown>,
  ): Promise<{ ok: true; items: Record<string, unknown>[] } | { ok: false; error: CollectionError }> {
    const capture: Capture = { bodies: [] };
    try {
      await captureContext.run(capture, async () => {
        for await (const _item of list()) {
          // Draining the iterator fetches every page; the bodies arrive through the policy.
        }
      });
      const items: Record<string, unknown>[] = [];
      for (const text of capture.bodies) {
        const value = parseBody(text)?.value;
        if (Array.isArray(value)) {
          for (const item of value) if (item && typeof item === "object") items.push(item as Record<string, unknown>);
        }
      }
      return { ok: true, items };
    } catch (error) {
      return { ok: false, error: this.toError(part, operation, resourceId, error) };
    }
  }

  toError(part: PartName, operation: Operation, resourceId: string, error: unknown): CollectionError {
    const redact = (text: string) => this.options.redactor.redact(text);
    if (isRestError(error)) {
      const statusCode = error.statusCode;
      const code = armErrorCode(error) ?? error.code;
      return {
        part,
        resourceId,
        operation,
        ...(statusCode !== undefined ? { statusCode } : {}),
        ...(code ? { code } : {}),
        message: redact(firstLine(armErrorMessage(error) ?? error.message)),
        ...(statusCode === 403 ? { permission: READ_PERMISSIONS[operation] } : {}),
      };
    }
    const message = error instanceof Error ? error.message : String(error);
    const code = error instanceof Error && error.name === "AbortError" ? "Timeout" : undefined;
    return { part, resourceId, operation, ...(code ? { code } : {}), message: redact(firstLine(message)) };
  }
}

function parseBody(text: string | undefined): Record<string, unknown> | undefined {
  if (!text) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function errorBody(error: { response?: { bodyAsText?: string | null } }): Record<string, unknown> | undefined {
  const parsed = parseBody(error.response?.bodyAsText ?? undefined);
  const inner = parsed?.error;
  return inner && typeof inner === "object" ? (inner as Record<string, unknown>) : undefined;
}

function armErrorCode(error: { response?: { bodyAsText?: string | null } }): string | undefined {
  const code = errorBody(error)?.code;
  return typeof code === "string" ? code : undefined;
}

function armErrorMessage(error: { response?: { bodyAsText?: string | null } }): string | undefined {
  const message = errorBody(error)?.message;
  return typeof message === "string" ? message : undefined;
}

function firstLine(text: string): string {
  const line = text.split(/\r?\n/)[0] ?? "";
  return line.length > 500 ? `${line.slice(0, 497)}...` : line;
}
