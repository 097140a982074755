// `preflight env --check-index`: the client. It asks each configured index and channel once per run (a
// bounded number of requests at a time, with capped retries), sends each URL's credentials only to its own
// host, and hands the answers to the pip and conda verdicts; every verdict leaves here without credentials.

import { rootCertificates } from "node:tls";
import {
  createDefaultHttpClient,
  createHttpHeaders,
  createPipelineFromOptions,
  createPipelineRequest,
  isRestError,
  type HttpClient,
  type Pipeline,
  type PipelinePolicy,
  type PipelineRequest,
  type PipelineResponse,
} from "@azure/core-rest-pipeline";
import pLimit, { type LimitFunction } from "p-limit";
import { preflightRetryPolicy } from "../../core/retry.js";
import { normalizeProjectName } from "../wheel-tags.js";
import { readRepodata, type Repodata } from "./conda-repodata.js";
import { condaVerdict } from "./conda-verdict.js";
import { markerSkipVerdict, pipVerdict } from "./pip-verdict.js";
import { judgePipPage, parseProjectPage, SIMPLE_ACCEPT, type ProjectPage } from "./pypi.js";
import { originOf, parseSource, SourceRedactor, type ChannelSource, type Source } from "./sources.js";
import type { CondaPin, IndexTarget, IndexVerdict, PackageIndexOptions, PipPin, VerdictDraft } from "./types.js";

const DEFAULT_PIP_INDEX_URL = "https://pypi.org/simple";

const DEFAULT_CONCURRENCY = 8;
const DEFAULT_RETRY_DELAY_MS = 1_000;
const DEFAULT_MAX_RETRY_AFTER_MS = 10_000;
const MAX_RETRY_DELAY_MS = 10_000;

type Fetched = { kind: "response"; response: PipelineResponse } | { kind: "error"; message: string };

export class PackageIndex {
  private readonly pipeline: Pipeline;
  private readonly httpClient: HttpClient;
  /** At most `concurrency` index requests in flight. */
  private readonly limit: LimitFunction;
  private readonly secrets = new SourceRedactor();
  private readonly pipSources: Source[];
  private readonly projectPages = new Map<string, Promise<ProjectPage>>();
  private readonly repodata = new Map<string, Promise<Repodata>>();
  private readonly resolvedChannels = new Map<string, ChannelSource[]>();
  /** The credentials of the index or channel a request was made for, and the origin they may go to. */
  private readonly requestCredentials = new WeakMap<PipelineRequest, { origin: string; authorization: string }>();
  /** HTTP attempts, retries and redirect hops included. */
  private attempts = 0;
  private readonly attemptsByRequest = new WeakMap<PipelineRequest, number>();

  constructor(private readonly options: PackageIndexOptions) {
    // No index given: pip's default.
    const pipIndexUrls = options.pipIndexUrls.length > 0 ? options.pipIndexUrls : [DEFAULT_PIP_INDEX_URL];
    this.pipSources = pipIndexUrls.map((url) => parseSource(url, this.secrets));
    this.httpClient = createDefaultHttpClient();
    this.limit = pLimit(Math.max(1, options.concurrency ?? DEFAULT_CONCURRENCY));
    this.pipeline = createPipelineFromOptions({
      // An explicit `ca` replaces Node's roots; keep them, so public pypi.org still verifies next to a private index.
      ...(options.ca ? { tlsOptions: { ca: [...rootCertificates, options.ca] } } : {}),
      userAgentOptions: { userAgentPrefix: "aml-preflight" },
      // pip follows a redirect to another host (pypi.python.org -> pypi.org); credentials do not follow it.
      redirectOptions: { allowCrossOriginRedirects: true },
    });
    // The SDK's default waits out any Retry-After, however long: replace it with the capped one.
    this.pipeline.removePolicy({ name: "defaultRetryPolicy" });
    this.pipeline.addPolicy(
      preflightRetryPolicy({
        maxRetries: Math.max(0, options.retries),
        retryDelayMs: options.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS,
        maxRetryDelayMs: MAX_RETRY_DELAY_MS,
        maxRetryAfterMs: options.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS,
      }),
      { phase: "Retry" },
    );
    // After the redirect policy, so every hop is counted and credentials stay on their index's host.
    this.pipeline.addPolicy(this.wirePolicy, { afterPhase: "Sign", afterPolicies: ["redirectPolicy"] });
  }

  /** HTTP requests sent so far (each retry and redirect counts). */
  get requests(): number {
    return this.attempts;
  }

  async checkPip(pins: PipPin[], target: IndexTarget): Promise<IndexVerdict[]> {
    return Promise.all(pins.map((pin) => this.checkPipPin(pin, target)));
  }

  async checkConda(pins: CondaPin[], target: IndexTarget): Promise<IndexVerdict[]> {
    return Promise.all(pins.map((pin) => this.checkCondaPin(pin, target)));
  }

  private readonly wirePolicy: PipelinePolicy = {
    name: "packageIndexWire",
    sendRequest: (request, next) => {
      this.attempts += 1;
      this.attemptsByRequest.set(request, (this.attemptsByRequest.get(request) ?? 0) + 1);
      // Credentials go with their own index's requests, and not across a redirect to another host.
      const credential = this.requestCredentials.get(request);
      if (credential && originOf(request.url) === credential.origin)
        request.headers.set("Authorization", credential.authorization);
      else request.headers.delete("Authorization");
      return next(request);
    },
  };

  /** GET `url` of `source`; a 200 body streams when `stream` is set. Never throws. */
  private async fetch(source: Source, url: string, accept: string, stream: boolean): Promise<Fetched> {
    const request = createPipelineRequest({
      url,
      method: "GET",
      headers: createHttpHeaders({ Accept: accept }),
      timeout: this.options.requestTimeoutMs,
      ...(stream ? { streamResponseStatusCodes: new Set([200]) } : {}),
      ...(url.startsWith("http:") ? { allowInsecureConnection: true } : {}),
    });
    if (source.authorization)
      this.requestCredentials.set(request, { origin: originOf(source.base), authorization: source.authorization });
    try {
      return { kind: "response", response: await this.pipeline.sendRequest(this.httpClient, request) };
    } catch (error) {
      return { kind: "error", message: this.describeError(error, request) };
    }
  }

  private describeError(error: unknown, request: PipelineRequest): string {
    const attempts = this.attemptsByRequest.get(request) ?? 1;
    const after = attempts > 1 ? ` (after ${attempts} attempts)` : "";
    if (error instanceof Error && error.name === "AbortError")
      return `no answer within ${this.options.requestTimeoutMs} ms${after}`;
    const text = error instanceof Error ? error.message : String(error);
    const code = isRestError(error) && error.code && !text.includes(error.code) ? ` (${error.code})` : "";
    // One line, no stack, no credentials.
    const line = (text.split("\n")[0] ?? "").trim().slice(0, 300);
    return this.secrets.redact(`${line}${code}${after}`);
  }

  private statusMessage(response: PipelineResponse): string {
    const attempts = this.attemptsByRequest.get(response.request) ?? 1;
    const hint =
      response.status === 401 || response.status === 403 ? " (the index refused the credentials, or wants some)" : "";
    return `HTTP ${response.status}${hint}${attempts > 1 ? ` after ${attempts} attempts` : ""}`;
  }

  // ---- pip ----

  /** The answer for `key`, loaded once per run within the concurrency limit. */
  private once<T>(cache: Map<string, Promise<T>>, key: string, load: () => Promise<T>): Promise<T> {
    let pending = cache.get(key);
    if (!pending) {
      pending = this.limit(load);
      cache.set(key, pending);
    }
    return pending;
  }

  private projectPage(source: Source, project: string): Promise<ProjectPage> {
    return this.once(this.projectPages, `${source.base}\n${project}`, () => this.loadProjectPage(source, project));
  }

  private async loadProjectPage(source: Source, project: string): Promise<ProjectPage> {
    if (source.invalid) return { kind: "error", message: source.invalid };
    const fetched = await this.fetch(source, `${source.base}/${encodeURIComponent(project)}/`, SIMPLE_ACCEPT, false);
    if (fetched.kind === "error") return fetched;
    const { response } = fetched;
    if (response.status === 404 || response.status === 410) return { kind: "absent" };
    if (response.status !== 200) return { kind: "error", message: this.statusMessage(response) };
    return parseProjectPage(response.bodyAsText ?? "", response.headers.get("content-type") ?? "");
  }

  private async checkPipPin(pin: PipPin, target: IndexTarget): Promise<IndexVerdict> {
    const skipped = markerSkipVerdict(pin, target);
    if (skipped) return this.verdict(pin, "pip", skipped);
    const project = normalizeProjectName(pin.name);
    const outcomes = await Promise.all(
      this.pipSources.map(async (source) =>
        judgePipPage(await this.projectPage(source, project), source, project, pin, target),
      ),
    );
    const indexes = this.pipSources.map((source) => source.display);
    return this.verdict(pin, "pip", pipVerdict(pin, target, indexes, outcomes));
  }

  // ---- conda ----

  /** The URLs a channel spec stands for (resolved once: each resolution records the URL's secrets). */
  private resolveChannel(name: string): ChannelSource[] {
    const spec = name.trim().replace(/\/+$/, "");
    const known = this.resolvedChannels.get(spec);
    if (known) return known;
    const resolved = this.resolveChannelUrls(spec);
    this.resolvedChannels.set(spec, resolved);
    return resolved;
  }

  private resolveChannelUrls(spec: string): ChannelSource[] {
    if (spec === "defaults")
      return this.options.condaDefaultChannels.map((url) => ({ ...parseSource(url, this.secrets), name: "defaults" }));
    if (spec.includes("://")) {
      const source = parseSource(spec, this.secrets);
      return [{ ...source, name: source.display }];
    }
    // `pkgs/main` names a default channel, not `<alias>/pkgs/main`.
    const asDefault = this.options.condaDefaultChannels.find((url) => url.replace(/\/+$/, "").endsWith(`/${spec}`));
    const url = asDefault ?? `${this.options.condaChannelAlias.replace(/\/+$/, "")}/${spec}`;
    return [{ ...parseSource(url, this.secrets), name: spec }];
  }

  private channels(pin: CondaPin): ChannelSource[] {
    const listed = this.options.condaChannels.filter(
      (channel) => channel.trim() !== "" && channel.trim() !== "nodefaults",
    );
    // No channels at all: conda uses `defaults`.
    const names = pin.channel ? [pin.channel] : listed.length > 0 ? listed : ["defaults"];
    const seen = new Set<string>();
    return names
      .flatMap((name) => this.resolveChannel(name))
      .filter((channel) => !seen.has(channel.base) && seen.add(channel.base));
  }

  private subdirData(channel: Source, subdir: string): Promise<Repodata> {
    return this.once(this.repodata, `${channel.base}/${subdir}`, () => this.loadRepodata(channel, subdir));
  }

  private async loadRepodata(channel: Source, subdir: string): Promise<Repodata> {
    if (channel.invalid) return { kind: "error", message: channel.invalid };
    const fetched = await this.fetch(channel, `${channel.base}/${subdir}/repodata.json`, "application/json", true);
    if (fetched.kind === "error") return fetched;
    const { response } = fetched;
    if (response.status === 404) return { kind: "absent" };
    if (response.status !== 200)
      return { kind: "error", message: `${subdir}/repodata.json: ${this.statusMessage(response)}` };
    const stream = response.readableStreamBody;
    if (!stream) return { kind: "error", message: `${subdir}/repodata.json: empty answer` };
    return readRepodata(stream, subdir, this.options.requestTimeoutMs, (text) => this.secrets.redact(text));
  }

  private async checkCondaPin(pin: CondaPin, target: IndexTarget): Promise<IndexVerdict> {
    const channels = this.channels(pin);
    const subdirs = [...new Set([target.condaSubdir, "noarch"])];
    const channelData = await Promise.all(
      channels.map(async (channel) => ({
        channel,
        data: await Promise.all(
          subdirs.map(async (subdir) => ({ subdir, repodata: await this.subdirData(channel, subdir) })),
        ),
      })),
    );
    return this.verdict(pin, "conda", condaVerdict(pin, target, subdirs, channelData));
  }

  /** Every verdict passes through here, so no message or evidence can carry a credential. */
  private verdict(pin: PipPin | CondaPin, kind: "pip" | "conda", draft: VerdictDraft): IndexVerdict {
    const { id, status, message, evidence } = draft;
    const clean: IndexVerdict["evidence"] = {};
    for (const [key, value] of Object.entries(evidence)) {
      clean[key] =
        typeof value === "string"
          ? this.secrets.redact(value)
          : Array.isArray(value)
            ? value.map((item) => this.secrets.redact(item))
            : value;
    }
    return { pin, kind, id, status, message: this.secrets.redact(message), evidence: clean };
  }
}
