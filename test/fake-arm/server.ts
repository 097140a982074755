// The fake ARM server: the real Azure SDK clients talk to it over HTTPS on 127.0.0.1. Each request goes
// through ARM's throttle (read, write and delete buckets) and Resource Graph's quota, then any injected fault, then the router
// (router.ts), and is answered after the configured latency and logged.

import { randomUUID } from "node:crypto";
import { appendFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";
import { createServerCertificate } from "./cert.js";
import { FaultMatcher, faultReply } from "./faults.js";
import { quotaExceededReply, quotaHeaders, UserQuota, type QuotaDecision } from "./graph-quota.js";
import { listenOnLoopback, Timers } from "./loopback.js";
import { decodePath } from "./paths.js";
import { ArmThrottle, type ThrottleDecision } from "./arm-throttle.js";
import { armError, type Reply } from "./reply.js";
import { RESOURCE_GRAPH_PATH } from "./resource-graph.js";
import { ArmRouter, type RoutedRequest } from "./router.js";
import { resolveResourceGraphQuota, resolveThrottle } from "./scenario.js";
import type { Fault, ResourceGraphQuota, Scenario, ThrottleSetting } from "./scenario.js";

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
   * ARM throttling; overrides the scenario's `throttle` (`false` turns it off). `true`: ARM's per-subscription
   * buckets, reads 250 tokens refilled at 25 per second, writes and deletes 200 refilled at 10; or explicit
   * limits (see `ThrottleSetting`). GET and HEAD take a token from their subscription's read bucket
   * (case-insensitive; paths without a subscription share one set), PUT, PATCH and POST from its write
   * bucket, DELETE from its delete bucket; an empty bucket answers 429 `SubscriptionRequestsThrottled` with
   * `Retry-After` in whole seconds (at least 1), before faults are looked at and after `latencyMs` like any
   * answer. Every response carries the whole tokens left in `x-ms-ratelimit-remaining-subscription-reads` and
   * `-writes` (otherwise a fixed 11999 and 1199).
   */
  throttle?: ThrottleSetting;
  /**
   * Resource Graph's per-user query quota; overrides the scenario's `resourceGraph.quota` (`false` turns it
   * off). Default: 15 queries per 5000 ms window (see the Scenario doc comment).
   */
  resourceGraphQuota?: ResourceGraphQuota | false;
  /** Clock for throttle refills and quota windows, in milliseconds; default `performance.now()`. Tests inject a fake one. */
  now?: () => number;
  /**
   * How the fake waits before an answer (`latencyMs` plus a fault's `delayMs`); default a timer that `close()`
   * cancels. Tests inject one to see each wait without reading a clock.
   */
  sleep?: (ms: number) => Promise<void>;
}

const DEFAULT_PAGE_SIZE = 100;

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

/** How every request is answered, from the options and the scenario. */
interface HandlerSettings {
  latencyMs: number;
  /** The injected wait, if any; otherwise the handler's own cancellable timers. */
  sleep: ((ms: number) => Promise<void>) | undefined;
  logFile: string | undefined;
  /** ARM's throttle (off: fixed headers, nothing refused). */
  throttle: ArmThrottle;
  /** Resource Graph's per-user quota; undefined: off. */
  quota: UserQuota | undefined;
}

/** The options over the scenario's settings, checked; throws on a bad page size, throttle or quota. */
function resolveSettings(scenario: Scenario, options: FakeArmOptions): HandlerSettings & { pageSize: number } {
  const latencyMs = options.latencyMs ?? 0;
  const pageSize = options.pageSize ?? scenario.pageSize ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(pageSize) || pageSize < 1)
    throw new Error(`pageSize must be a positive integer, got ${pageSize}`);
  const logFile = options.logFile;
  const throttleLimits = resolveThrottle(options.throttle ?? scenario.throttle);
  const clock = options.now ?? (() => performance.now());
  const throttle = new ArmThrottle(throttleLimits, clock);
  const quotaLimits = resolveResourceGraphQuota(
    options.resourceGraphQuota !== undefined ? options.resourceGraphQuota : scenario.resourceGraph?.quota,
    options.resourceGraphQuota !== undefined ? "resourceGraphQuota" : "resourceGraph.quota",
  );
  const quota = quotaLimits && new UserQuota(quotaLimits, clock);
  return { latencyMs, sleep: options.sleep, pageSize, logFile, throttle, quota };
}

/** A request's answer before it is sent, with what it cost: the fault it used, and the throttle's and quota's say. */
interface Answer {
  reply: Reply;
  /** The fault injected, whose `delayMs` is added to the latency. */
  fault?: Fault;
  /** ARM's buckets after this request. */
  decision: ThrottleDecision;
  /** Resource Graph's quota after this query; undefined: not a query, or no quota. */
  quotaDecision: QuotaDecision | undefined;
}

/** Answers requests and records them; once stopped, answers nothing more. */
class RequestHandler {
  /** Every request answered (or reset) so far, in order. */
  readonly requests: RequestLogEntry[] = [];
  private readonly timers = new Timers();
  private closed = false;

  constructor(
    private readonly settings: HandlerSettings,
    private readonly router: ArmRouter,
    private readonly faults: FaultMatcher<Fault>,
  ) {}

  async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const method = (request.method ?? "GET").toUpperCase();
    const target = request.url ?? "/";
    const queryStart = target.indexOf("?");
    const rawPath = queryStart === -1 ? target : target.slice(0, queryStart);
    const query = queryStart === -1 ? "" : target.slice(queryStart + 1);
    const path = decodePath(rawPath);

    // Bodies are read to the end, so keep-alive connections stay usable; only Resource Graph queries use them.
    const body = await readBody(request);
    const answer = this.decide({ method, path, rawPath, query, body });
    const delayMs = this.settings.latencyMs + (answer.fault?.delayMs ?? 0);
    await (this.settings.sleep ? this.settings.sleep(delayMs) : this.timers.sleep(delayMs));
    if (this.closed) return;
    this.send(request, response, { method, target }, answer);
  }

  /** Cancels pending delays; requests still waiting are never answered. */
  stop(): void {
    this.closed = true;
    this.timers.clear();
  }

  /** The throttle and the quota first, then the first matching fault, then the router. */
  private decide(request: RoutedRequest): Answer {
    const { method, path } = request;
    const { throttle, quota } = this.settings;
    // ARM throttles before the request reaches a resource provider: a throttled request spends no fault.
    const decision = throttle.decide(method, path);
    // Resource Graph's own quota, likewise before faults; every query within it counts, faulted or not.
    const quotaDecision = quota && method === "POST" && RESOURCE_GRAPH_PATH.test(path) ? quota.take() : undefined;
    if (!decision.allowed) return { reply: throttle.throttledReply(path, decision), decision, quotaDecision };
    if (quotaDecision !== undefined && !quotaDecision.allowed && quota !== undefined) {
      return { reply: quotaExceededReply(quota.limits, quotaDecision), decision, quotaDecision };
    }
    const fault = this.faults.take(method, path);
    let reply: Reply;
    try {
      const normal = () => this.router.answer(request);
      reply = fault ? faultReply(fault, normal) : normal();
    } catch (error) {
      reply = armError(500, "InternalServerError", `The fake ARM server failed: ${(error as Error).message}`);
    }
    return { reply, fault, decision, quotaDecision };
  }

  private send(
    request: IncomingMessage,
    response: ServerResponse,
    sent: { method: string; target: string },
    answer: Answer,
  ): void {
    const { method, target } = sent;
    const { reply, decision, quotaDecision } = answer;
    if (reply.kind === "reset") {
      this.record({ method, path: target, status: 0 });
      request.socket.destroy();
      return;
    }
    const text = reply.kind === "json" ? JSON.stringify(reply.body) : reply.body;
    this.record({ method, path: target, status: reply.status });
    response.writeHead(reply.status, {
      "content-type": "application/json; charset=utf-8",
      "content-length": Buffer.byteLength(text),
      "x-ms-request-id": randomUUID(),
      ...decision.headers,
      ...(quotaDecision && quotaHeaders(quotaDecision)),
      ...reply.headers,
    });
    response.end(text);
  }

  private record(entry: RequestLogEntry): void {
    this.requests.push(entry);
    // Synchronous so a reader of the log sees the entry no later than the client sees the response.
    if (this.settings.logFile !== undefined) appendFileSync(this.settings.logFile, `${JSON.stringify(entry)}\n`);
  }
}

export async function startFakeArm(scenario: Scenario, options: FakeArmOptions = {}): Promise<FakeArm> {
  const settings = resolveSettings(scenario, options);
  const router = new ArmRouter(scenario, settings.pageSize);
  const faults = new FaultMatcher(scenario.faults ?? []);

  const certificate = await createServerCertificate();
  const handler = new RequestHandler(settings, router, faults);
  const server = await listenOnLoopback(certificate, (request, response) => {
    void handler.handle(request, response);
  });
  router.baseUrl = server.url;

  let closing: Promise<void> | undefined;
  async function close(): Promise<void> {
    handler.stop();
    await server.stop();
    await certificate.dispose();
  }

  return {
    url: server.url,
    caFile: certificate.caFile,
    caPem: certificate.certPem,
    requests: handler.requests,
    close: () => (closing ??= close()),
  };
}
