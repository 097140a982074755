// A fake package index for `preflight env --check-index` tests: PyPI-style simple indexes (PEP 691 JSON,
// PEP 503 HTML) and conda channels (repodata.json), over HTTPS on 127.0.0.1 with a fresh self-signed
// certificate, with injected faults and a log of every request. The scenario format is documented on
// FakeIndexScenario (scenario.ts); router.ts and pages.ts make the answers.

import type { IncomingMessage, ServerResponse } from "node:http";
import { gzipSync } from "node:zlib";
import { createServerCertificate } from "../fake-arm/cert.js";
import { FaultMatcher } from "../fake-arm/faults.js";
import { listenOnLoopback, Timers } from "../fake-arm/loopback.js";
import { text, type Reply } from "./pages.js";
import { IndexRouter } from "./router.js";
import type { FakeIndexFault, FakeIndexScenario } from "./scenario.js";

interface FakeIndexRequest {
  method: string;
  /** URL path with its query string, as sent. */
  path: string;
  /** Status sent; 0 when the connection was reset without an answer. */
  status: number;
  accept?: string;
  acceptEncoding?: string;
  /** `gzip` when the answer was compressed. */
  contentEncoding?: string;
  /** The Authorization header as received (the fake's own test credentials only). */
  authorization?: string;
}

export interface FakeIndex {
  /** `https://127.0.0.1:PORT`, no trailing slash. */
  url: string;
  /** Absolute path of the PEM file to trust. */
  caFile: string;
  /** The same certificate, for a client's `ca`. */
  ca: string;
  /** Every request answered (or reset) so far, in order. */
  requests: FakeIndexRequest[];
  /** Stops listening, drops open connections and removes the certificate's temp dir. */
  close(): Promise<void>;
}

export interface FakeIndexOptions {
  /** Added delay before every answer. */
  latencyMs?: number;
}

/** The answer under `fault` (none, a reset, a status or body), with the fault's Retry-After and extra headers. */
function replyUnder(fault: FakeIndexFault | undefined, normal: () => Reply, baseUrl: string): Reply | "reset" {
  let reply: Reply | "reset";
  if (fault?.reset) {
    reply = "reset";
  } else if (fault && (fault.status !== undefined || fault.body !== undefined)) {
    reply = text(fault.status ?? 200, fault.body ?? `Fault injected by the fake index for ${fault.path}.\n`);
  } else {
    reply = normal();
  }
  if (fault?.retryAfter !== undefined && reply !== "reset")
    reply.headers = { ...reply.headers, "retry-after": String(fault.retryAfter) };
  if (fault?.headers !== undefined && reply !== "reset") {
    const port = baseUrl.slice(baseUrl.lastIndexOf(":") + 1);
    for (const [name, value] of Object.entries(fault.headers))
      reply.headers = { ...reply.headers, [name]: value.split("{port}").join(port) };
  }
  return reply;
}

/** Answers requests and records them; once stopped, answers nothing more. */
class IndexRequestHandler {
  /** Every request answered (or reset) so far, in order. */
  readonly requests: FakeIndexRequest[] = [];
  private readonly timers = new Timers();
  private closed = false;

  constructor(
    private readonly latencyMs: number,
    private readonly router: IndexRouter,
    private readonly faults: FaultMatcher<FakeIndexFault>,
  ) {}

  async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const method = (request.method ?? "GET").toUpperCase();
    const target = request.url ?? "/";
    const rawPath = target.split("?")[0] ?? "/";
    let path = rawPath;
    try {
      path = decodeURIComponent(rawPath);
    } catch {
      // Left raw: it matches nothing and answers 404.
    }
    const accept = request.headers.accept ?? "";
    const acceptEncoding = request.headers["accept-encoding"] ?? "";
    const authorization = request.headers.authorization;
    request.resume();

    const fault = this.faults.take(method, path);
    const normal = () => this.router.answer(method, path, accept, authorization);
    const reply = replyUnder(fault, normal, this.router.baseUrl);
    await this.timers.sleep(this.latencyMs + (fault?.delayMs ?? 0));
    if (this.closed) return;

    const logged: FakeIndexRequest = {
      method,
      path: target,
      status: reply === "reset" ? 0 : reply.status,
      ...(accept ? { accept } : {}),
      ...(acceptEncoding ? { acceptEncoding } : {}),
      ...(authorization ? { authorization } : {}),
    };
    if (reply === "reset") {
      this.requests.push(logged);
      request.socket.destroy();
      return;
    }
    this.send(response, method, reply, logged);
  }

  /** Cancels pending delays; requests still waiting are never answered. */
  stop(): void {
    this.closed = true;
    this.timers.clear();
  }

  /** Writes `reply`, gzip-compressed when it is a 200 and the request accepts gzip, and records it. */
  private send(response: ServerResponse, method: string, reply: Reply, logged: FakeIndexRequest): void {
    const acceptEncoding = logged.acceptEncoding ?? "";
    let body: Buffer = Buffer.from(reply.body, "utf8");
    const headers: Record<string, string | number> = { "content-type": reply.contentType, ...reply.headers };
    if (reply.status === 200 && /\bgzip\b/i.test(acceptEncoding)) {
      body = gzipSync(body);
      headers["content-encoding"] = "gzip";
      logged.contentEncoding = "gzip";
    }
    headers["content-length"] = body.length;
    this.requests.push(logged);
    response.writeHead(reply.status, headers);
    response.end(method === "HEAD" ? undefined : body);
  }
}

export async function startFakeIndex(scenario: FakeIndexScenario, options: FakeIndexOptions = {}): Promise<FakeIndex> {
  const latencyMs = options.latencyMs ?? 0;
  const router = new IndexRouter(scenario);
  const faults = new FaultMatcher(scenario.faults ?? []);

  const certificate = await createServerCertificate();
  const handler = new IndexRequestHandler(latencyMs, router, faults);
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
    ca: certificate.certPem,
    requests: handler.requests,
    close: () => (closing ??= close()),
  };
}
