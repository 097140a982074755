// The fake ARM server's Resource Graph endpoint, driven by the real @azure/arm-resourcegraph client.
import { request as httpsRequest } from "node:https";
import type { IncomingHttpHeaders } from "node:http";
import { ResourceGraphClient } from "@azure/arm-resourcegraph";
import type { QueryRequest, QueryResponse } from "@azure/arm-resourcegraph";
import type { TokenCredential } from "@azure/core-auth";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseScenario, resolveResourceGraphQuota, RESOURCE_GRAPH_QUOTA } from "./fake-arm/scenario.js";
import type { ArmResource, Scenario } from "./fake-arm/scenario.js";
import { FAKE_TENANT_ID } from "./fake-arm/resource-graph.js";
import { startFakeArm } from "./fake-arm/server.js";
import type { FakeArm, FakeArmOptions } from "./fake-arm/server.js";
import { manualClock, recordedSleep } from "./fake-clock.js";

const SUB_A = "aaaaaaaa-0000-0000-0000-000000000001";
const SUB_B = "bbbbbbbb-0000-0000-0000-000000000002";
const SUB_C = "cccccccc-0000-0000-0000-000000000003";
const SUB_EMPTY = "eeeeeeee-0000-0000-0000-000000000004";
const GRAPH_PATH = "/providers/Microsoft.ResourceGraph/resources";

const WORKSPACE_TYPE = "Microsoft.MachineLearningServices/workspaces";
const wsVisionId = `/subscriptions/${SUB_A}/resourceGroups/rg-a/providers/${WORKSPACE_TYPE}/ws-vision`;
const wsNlpId = `/subscriptions/${SUB_A}/resourceGroups/rg-b/providers/${WORKSPACE_TYPE}/ws-nlp`;
const wsOpsId = `/subscriptions/${SUB_B}/resourceGroups/rg-ops/providers/${WORKSPACE_TYPE}/ws-ops`;
const wsFarId = `/subscriptions/${SUB_C}/resourceGroups/RG-A/providers/${WORKSPACE_TYPE}/ws-far`;
const computeId = `${wsVisionId}/computes/cpu`;
const storageId = `/subscriptions/${SUB_A}/resourceGroups/rg-a/providers/Microsoft.Storage/storageAccounts/stvision`;
const vnetId = `/subscriptions/${SUB_A}/resourceGroups/rg-a/providers/Microsoft.Network/virtualNetworks/vnet`;
const vaultId = `/subscriptions/${SUB_A}/resourceGroups/rg-b/providers/Microsoft.KeyVault/vaults/kv-nlp`;
const zetaId = `/subscriptions/${SUB_A}/resourceGroups/rg-a/providers/Microsoft.Storage/storageAccounts/Zeta`;
const alphaId = `/subscriptions/${SUB_A}/resourceGroups/rg-a/providers/Microsoft.Storage/storageAccounts/alpha`;

/** The columns the tool projects. */
const TOOL_PROJECTION =
  "id, name, type, location, kind, sku, tags, identity, properties, zones, extendedLocation, managedBy, plan";

function workspace(id: string, fields: Partial<ArmResource> = {}): ArmResource {
  return {
    id,
    name: id.slice(id.lastIndexOf("/") + 1),
    type: WORKSPACE_TYPE,
    location: "westeurope",
    properties: { storageAccount: storageId },
    ...fields,
  };
}

const scenario: Scenario = {
  resources: [
    workspace(wsVisionId, {
      kind: "Default",
      sku: { name: "Basic", tier: "Basic" },
      identity: { type: "SystemAssigned" },
      tags: { team: "Vision", owner: "o'brien" },
      zones: ["1"],
    }),
    workspace(wsNlpId, { tags: { team: "nlp" } }),
    workspace(wsOpsId, { tags: { Team: "vision" } }),
    workspace(wsFarId),
    {
      id: computeId,
      name: "cpu",
      type: `${WORKSPACE_TYPE}/computes`,
      location: "westeurope",
      properties: { computeType: "AmlCompute" },
    },
    {
      id: storageId,
      name: "stvision",
      type: "Microsoft.Storage/storageAccounts",
      location: "westeurope",
      kind: "StorageV2",
      properties: {},
    },
    {
      id: vnetId,
      name: "vnet",
      type: "Microsoft.Network/virtualNetworks",
      location: "westeurope",
      properties: {
        subnets: [
          {
            id: `${vnetId}/subnets/training`,
            name: "training",
            type: "Microsoft.Network/virtualNetworks/subnets",
            properties: {},
          },
        ],
      },
    },
    { id: vaultId, name: "kv-nlp", type: "Microsoft.KeyVault/vaults", location: "westeurope", properties: {} },
    { id: zetaId, name: "Zeta", type: "Microsoft.Storage/storageAccounts", location: "westeurope", properties: {} },
    { id: alphaId, name: "alpha", type: "Microsoft.Storage/storageAccounts", location: "westeurope", properties: {} },
  ],
  managementGroups: { "mg-research": [SUB_A], "MG-Ops": [SUB_B.toUpperCase(), SUB_C] },
};

const credential: TokenCredential = {
  getToken: async () => ({ token: "t", expiresOnTimestamp: Date.now() + 3_600_000 }),
};

function graphClient(fake: FakeArm): ResourceGraphClient {
  return new ResourceGraphClient(credential, {
    endpoint: fake.url,
    tlsOptions: { ca: fake.caPem },
    credentials: { scopes: [`${fake.url}/.default`] },
    // Quota and fault tests look at each answer, not at what the SDK's retries make of it.
    retryOptions: { maxRetries: 0 },
  });
}

type Row = Record<string, unknown>;

function rows(page: QueryResponse): Row[] {
  return page.data as Row[];
}

function ids(page: QueryResponse): unknown[] {
  return rows(page).map((row) => row.id);
}

/** A clock that only moves when told to. */
async function withFake(
  fakeScenario: Scenario,
  options: FakeArmOptions,
  body: (fake: FakeArm) => Promise<void>,
): Promise<void> {
  const fake = await startFakeArm(fakeScenario, options);
  try {
    await body(fake);
  } finally {
    await fake.close();
  }
}

interface RawResult {
  status: number;
  headers: IncomingHttpHeaders;
  body: { error?: { code: string; message: string } } & Record<string, unknown>;
}

/** A POST with a raw body, for what the SDK would never send. */
function postRaw(fake: FakeArm, path: string, body: string): Promise<RawResult> {
  return new Promise((resolve, reject) => {
    const request = httpsRequest(
      `${fake.url}${path}`,
      {
        method: "POST",
        ca: fake.caPem,
        agent: false,
        headers: { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: JSON.parse(Buffer.concat(chunks).toString("utf8")) as RawResult["body"],
          }),
        );
        response.on("error", reject);
      },
    );
    request.on("error", reject);
    request.end(body);
  });
}

describe("fake Resource Graph", () => {
  let fake: FakeArm;
  let client: ResourceGraphClient;
  const query = (request: QueryRequest) => client.resources(request);

  beforeAll(async () => {
    fake = await startFakeArm(scenario, { resourceGraphQuota: false });
    client = graphClient(fake);
  });
  afterAll(async () => {
    await fake?.close();
  });

  describe("filters", () => {
    it("keeps the rows whose type matches =~ ignoring case, listed top-level children included, lower-casing type", async () => {
      const page = await query({
        query: `resources\n| where type =~ 'microsoft.machinelearningservices/WORKSPACES'\n| project id, type`,
      });
      expect(ids(page)).toEqual([wsVisionId, wsNlpId, wsOpsId, wsFarId]);
      expect(rows(page).map((row) => row.type)).toEqual(Array(4).fill("microsoft.machinelearningservices/workspaces"));
      expect(page.totalRecords).toBe(4);
      expect(page.count).toBe(4);
      expect(page.resultTruncated).toBe("false");
      expect(page.skipToken).toBeUndefined();
      const computes = await query({ query: `resources | where type =~ '${WORKSPACE_TYPE}/computes' | project id` });
      expect(ids(computes)).toEqual([computeId]);
    });

    it("keeps the rows whose type is in~ a list, and not children embedded in a parent's properties", async () => {
      const page = await query({
        query:
          "resources\n| where type in~ ('microsoft.storage/storageaccounts', 'Microsoft.Network/virtualNetworks')\n| project id",
      });
      expect(ids(page)).toEqual([storageId, vnetId, zetaId, alphaId]);
      const subnets = await query({ query: "resources | where type =~ 'microsoft.network/virtualnetworks/subnets'" });
      expect(subnets.totalRecords).toBe(0);
      expect(subnets.data).toEqual([]);
    });

    it("filters by the resource group in the ID (=~ and in~, ignoring case), across subscriptions", async () => {
      const inA = await query({
        query: `resources\n| where type =~ '${WORKSPACE_TYPE}'\n| where resourceGroup =~ 'rg-A'\n| project id`,
      });
      expect(ids(inA)).toEqual([wsVisionId, wsFarId]);
      const inAOrOps = await query({
        query: `resources | where type =~ '${WORKSPACE_TYPE}' | where resourceGroup in~ ('RG-OPS', 'rg-b') | project id`,
      });
      expect(ids(inAOrOps)).toEqual([wsNlpId, wsOpsId]);
    });

    it("filters by a tag: the key exact, the value ignoring case, by index or by member, escapes decoded", async () => {
      expect(ids(await query({ query: "resources | where tags['team'] =~ 'vision' | project id" }))).toEqual([
        wsVisionId,
      ]);
      expect(ids(await query({ query: "resources | where tags.team =~ 'VISION' | project id" }))).toEqual([wsVisionId]);
      expect(ids(await query({ query: "resources | where tags['Team'] =~ 'vision' | project id" }))).toEqual([wsOpsId]);
      expect(ids(await query({ query: "resources | where tags['team'] in~ ('nlp', 'vision') | project id" }))).toEqual([
        wsVisionId,
        wsNlpId,
      ]);
      expect(ids(await query({ query: "resources | where tags['owner'] =~ 'O\\'Brien' | project id" }))).toEqual([
        wsVisionId,
      ]);
    });

    it("ANDs where clauses (and `and`), with keywords in any case", async () => {
      const page = await query({
        query: `Resources\n| WHERE type IN~ ('${WORKSPACE_TYPE}', 'microsoft.keyvault/vaults')\n| Where resourceGroup =~ 'rg-b' AND name =~ 'KV-NLP'\n| PROJECT id`,
      });
      expect(ids(page)).toEqual([vaultId]);
    });
  });

  describe("project", () => {
    it('returns exactly the projected keys, null for what a resource lacks and "" for kind and managedBy', async () => {
      const page = await query({
        query: `resources\n| where type =~ '${WORKSPACE_TYPE}'\n| project ${TOOL_PROJECTION}\n| order by id asc`,
      });
      const nlp = rows(page).find((row) => row.id === wsNlpId);
      expect(Object.keys(nlp ?? {})).toEqual(TOOL_PROJECTION.split(", "));
      expect(nlp).toEqual({
        id: wsNlpId,
        name: "ws-nlp",
        type: "microsoft.machinelearningservices/workspaces",
        location: "westeurope",
        kind: "",
        sku: null,
        tags: { team: "nlp" },
        identity: null,
        properties: { storageAccount: storageId },
        zones: null,
        extendedLocation: null,
        managedBy: "",
        plan: null,
      });
      const vision = rows(page).find((row) => row.id === wsVisionId);
      expect(vision).toMatchObject({
        kind: "Default",
        sku: { name: "Basic", tier: "Basic" },
        identity: { type: "SystemAssigned" },
        zones: ["1"],
      });
    });

    it("computes resourceGroup, subscriptionId and tenantId from the ID, and returns every column without project", async () => {
      const page = await query({
        query: "resources | where name =~ 'ws-far' | project id, resourceGroup, subscriptionId, tenantId",
      });
      expect(rows(page)).toEqual([
        { id: wsFarId, resourceGroup: "RG-A", subscriptionId: SUB_C, tenantId: FAKE_TENANT_ID },
      ]);
      const everything = await query({ query: "resources | where name =~ 'stvision'" });
      expect(Object.keys(rows(everything)[0] ?? {})).toEqual([
        "id",
        "name",
        "type",
        "tenantId",
        "kind",
        "location",
        "resourceGroup",
        "subscriptionId",
        "managedBy",
        "sku",
        "plan",
        "properties",
        "tags",
        "identity",
        "zones",
        "extendedLocation",
      ]);
      expect(rows(everything)[0]).toMatchObject({
        kind: "StorageV2",
        resourceGroup: "rg-a",
        subscriptionId: SUB_A,
        managedBy: "",
        plan: null,
      });
    });
  });

  describe("order", () => {
    it("orders by id ignoring case, asc or desc; keeps scenario order without order by", async () => {
      const storage = "resources | where type =~ 'microsoft.storage/storageaccounts' | project id";
      // Scenario order is stvision, Zeta, alpha; ordinal (case-sensitive) order would be Zeta, alpha, stvision.
      expect(ids(await query({ query: `${storage} | order by id asc` }))).toEqual([alphaId, storageId, zetaId]);
      expect(ids(await query({ query: `${storage} | order by id desc` }))).toEqual([zetaId, storageId, alphaId]);
      // KQL's default direction is descending.
      expect(ids(await query({ query: `${storage} | sort by id` }))).toEqual([zetaId, storageId, alphaId]);
      expect(ids(await query({ query: storage }))).toEqual([storageId, zetaId, alphaId]);
    });
  });

  describe("scope", () => {
    const workspaces = `resources | where type =~ '${WORKSPACE_TYPE}' | project id`;

    it("keeps the subscriptions asked for, compared ignoring case; all without a scope", async () => {
      expect(ids(await query({ subscriptions: [SUB_B.toUpperCase()], query: workspaces }))).toEqual([wsOpsId]);
      expect(ids(await query({ subscriptions: [SUB_C, SUB_A], query: workspaces }))).toEqual([
        wsVisionId,
        wsNlpId,
        wsFarId,
      ]);
      expect((await query({ subscriptions: [SUB_EMPTY], query: workspaces })).totalRecords).toBe(0);
      expect(ids(await query({ query: workspaces }))).toHaveLength(4);
    });

    it("maps management groups (name ignoring case) to the scenario's subscriptions", async () => {
      expect(ids(await query({ managementGroups: ["mg-ops"], query: workspaces }))).toEqual([wsOpsId, wsFarId]);
      expect(ids(await query({ managementGroups: ["mg-research"], query: workspaces }))).toEqual([wsVisionId, wsNlpId]);
      expect(ids(await query({ managementGroups: ["mg-research", "MG-Ops"], query: workspaces }))).toHaveLength(4);
    });

    it("answers 403 AuthorizationFailed for a management group the scenario does not name", async () => {
      await expect(query({ managementGroups: ["mg-research", "mg-nope"], query: workspaces })).rejects.toMatchObject({
        statusCode: 403,
        code: "AuthorizationFailed",
        message: expect.stringContaining("/providers/Microsoft.Management/managementGroups/mg-nope"),
      });
    });

    it("rejects subscriptions and management groups together", async () => {
      await expect(
        query({ subscriptions: [SUB_A], managementGroups: ["mg-research"], query: workspaces }),
      ).rejects.toMatchObject({
        statusCode: 400,
        code: "BadRequest",
      });
    });
  });

  describe("invalid queries", () => {
    const cases: Array<[string, string]> = [
      ["resourcecontainers | where type =~ 'x'", `"resourcecontainers"`],
      ["resources\n| where type == 'x'", `"where type == 'x'": the comparison '=='`],
      ["resources | extend x = 1", `"extend x = 1": 'extend' is not an operator`],
      ["resources | take 5", `'take' is not an operator`],
      ["resources | summarize count() by type", `"summarize count() by type"`],
      ["resources | project id, nonsense", `unknown column 'nonsense'`],
      ["resources | where Type =~ 'x'", `unknown column 'Type'`],
      ["resources | where properties =~ 'x'", `'properties' is not a string column`],
      ["resources | project id | where type =~ 'x'", `"where type =~ 'x'": the column 'type' was projected away`],
      ["resources | order by id ascending", `"order by id ascending": unexpected 'ascending'`],
      ["resources | where type =~ 'x", "not closed"],
      ["resources | where type =~ 'x' |", `"": expected an operator`],
      ["resources | project id, id", "projected twice"],
    ];
    for (const [text, fragment] of cases) {
      it(`answers 400 InvalidQuery naming the clause: ${JSON.stringify(text)}`, async () => {
        const failure = query({ query: text });
        await expect(failure).rejects.toMatchObject({ statusCode: 400, code: "InvalidQuery" });
        await expect(failure).rejects.toThrow(fragment);
      });
    }
  });

  describe("the wire", () => {
    it("matches the path ignoring case, whatever the api-version, with Resource Graph's answer shape", async () => {
      const result = await postRaw(
        fake,
        "/PROVIDERS/microsoft.resourcegraph/RESOURCES?api-version=2021-03-01",
        JSON.stringify({ query: "resources | where name =~ 'alpha' | project id" }),
      );
      expect(result.status).toBe(200);
      expect(result.body).toEqual({
        totalRecords: 1,
        count: 1,
        data: [{ id: alphaId }],
        facets: [],
        resultTruncated: "false",
      });
      expect(fake.requests.at(-1)).toEqual({
        method: "POST",
        path: "/PROVIDERS/microsoft.resourcegraph/RESOURCES?api-version=2021-03-01",
        status: 200,
      });
    });

    it("logs the SDK's requests with their api-version", async () => {
      await query({ query: "resources | project id" });
      expect(fake.requests.at(-1)).toEqual({
        method: "POST",
        path: `${GRAPH_PATH}?api-version=2024-04-01`,
        status: 200,
      });
    });

    it("rejects the table result format, a malformed body, a missing query and a bad $top", async () => {
      await expect(query({ query: "resources", options: { resultFormat: "table" } })).rejects.toMatchObject({
        statusCode: 400,
        code: "BadRequest",
        message: expect.stringContaining("objectArray"),
      });
      const malformed = await postRaw(fake, `${GRAPH_PATH}?api-version=2024-04-01`, "{ not json");
      expect([malformed.status, malformed.body.error?.code]).toEqual([400, "InvalidRequestContent"]);
      const noQuery = await postRaw(
        fake,
        `${GRAPH_PATH}?api-version=2024-04-01`,
        JSON.stringify({ subscriptions: [SUB_A] }),
      );
      expect([noQuery.status, noQuery.body.error?.code]).toEqual([400, "BadRequest"]);
      await expect(query({ query: "resources", options: { top: 0 } })).rejects.toMatchObject({
        statusCode: 400,
        code: "BadRequest",
      });
    });
  });
});

describe("fake Resource Graph paging", () => {
  const COUNT = 2500;
  // Scenario order is not id order, so ordering shows.
  const accounts: ArmResource[] = Array.from({ length: COUNT }, (_, index) => {
    const number = (index * 7919) % COUNT;
    const name = `st${String(number).padStart(4, "0")}`;
    return {
      id: `/subscriptions/${SUB_A}/resourceGroups/rg-${number % 7}/providers/Microsoft.Storage/storageAccounts/${name}`,
      name,
      type: "Microsoft.Storage/storageAccounts",
      location: "westeurope",
      properties: {},
    };
  });
  const sortedIds = accounts.map((account) => account.id).sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1));
  const ordered =
    "resources\n| where type =~ 'microsoft.storage/storageaccounts'\n| project id, name\n| order by id asc";
  let fake: FakeArm;
  let client: ResourceGraphClient;

  beforeAll(async () => {
    fake = await startFakeArm({ resources: accounts }, { resourceGraphQuota: false });
    client = graphClient(fake);
  });
  afterAll(async () => {
    await fake?.close();
  });

  it("pages 2,500 ordered rows in 3 pages of $top 1000 with no duplicates or gaps", async () => {
    const seen: unknown[] = [];
    const pageSizes: number[] = [];
    let skipToken: string | undefined;
    do {
      const page = await client.resources({
        subscriptions: [SUB_A],
        query: ordered,
        options: { top: 1000, resultFormat: "objectArray", ...(skipToken !== undefined && { skipToken }) },
      });
      expect(page.totalRecords).toBe(COUNT);
      expect(page.count).toBe(rows(page).length);
      pageSizes.push(rows(page).length);
      seen.push(...ids(page));
      skipToken = page.skipToken;
    } while (skipToken !== undefined && pageSizes.length < 5);
    expect(pageSizes).toEqual([1000, 1000, 500]);
    expect(new Set(seen).size).toBe(COUNT);
    expect(seen).toEqual(sortedIds);
    expect(fake.requests.slice(-3).map((entry) => entry.status)).toEqual([200, 200, 200]);
  });

  it("keeps scenario order across pages without order by, and honours $skip", async () => {
    const first = await client.resources({ query: "resources | project id", options: { top: 1000 } });
    const second = await client.resources({
      query: "resources | project id",
      options: { top: 1000, skipToken: first.skipToken },
    });
    expect([...ids(first), ...ids(second)]).toEqual(accounts.slice(0, 2000).map((account) => account.id));
    const tail = await client.resources({ query: ordered, options: { skip: 2490, top: 1000 } });
    expect(ids(tail)).toEqual(sortedIds.slice(2490));
    expect(tail.skipToken).toBeUndefined();
  });

  it("pages at 100 without $top and caps $top at 1000", async () => {
    const defaultPage = await client.resources({ query: ordered });
    expect([defaultPage.count, defaultPage.totalRecords, typeof defaultPage.skipToken]).toEqual([100, COUNT, "string"]);
    const capped = await client.resources({ query: ordered, options: { top: 5000 } });
    expect([capped.count, typeof capped.skipToken]).toEqual([1000, "string"]);
  });

  it("cannot page a result that does not project id: truncated, no skip token", async () => {
    const page = await client.resources({ query: "resources | project name", options: { top: 1000 } });
    expect([page.count, page.totalRecords, page.resultTruncated, page.skipToken]).toEqual([
      1000,
      COUNT,
      "true",
      undefined,
    ]);
  });

  it("rejects a skip token from another query or scope, or a made-up one, with 400 InvalidSkipToken", async () => {
    const first = await client.resources({ subscriptions: [SUB_A], query: ordered, options: { top: 1000 } });
    expect(first.skipToken).toBeDefined();
    const reused = (request: QueryRequest) => client.resources(request);
    const rejection = { statusCode: 400, code: "InvalidSkipToken" };
    await expect(
      reused({
        subscriptions: [SUB_A],
        query: ordered.replace("asc", "desc"),
        options: { top: 1000, skipToken: first.skipToken },
      }),
    ).rejects.toMatchObject(rejection);
    await expect(
      reused({ subscriptions: [SUB_B], query: ordered, options: { top: 1000, skipToken: first.skipToken } }),
    ).rejects.toMatchObject(rejection);
    await expect(
      reused({ subscriptions: [SUB_A], query: ordered, options: { skipToken: "bm90LWEtdG9rZW4" } }),
    ).rejects.toMatchObject(rejection);
    // The same query and scope still pages with it.
    const second = await reused({
      subscriptions: [SUB_A],
      query: ordered,
      options: { top: 1000, skipToken: first.skipToken },
    });
    expect(ids(second)[0]).toBe(sortedIds[1000]);
  });
});

describe("fake Resource Graph quota", () => {
  const small: Scenario = { resources: scenario.resources };
  const text = "resources | project id";

  /** Status, quota headers and Retry-After of one query through the SDK. */
  async function quotaOf(
    client: ResourceGraphClient,
  ): Promise<[number, string | undefined, string | undefined, string | undefined]> {
    let headers: { get(name: string): string | undefined } | undefined;
    let status = 0;
    try {
      await client.resources(
        { query: text },
        { onResponse: (response) => ((headers = response.headers), (status = response.status)) },
      );
    } catch (error) {
      const response = (error as { response?: { status: number; headers: { get(name: string): string | undefined } } })
        .response;
      headers = response?.headers;
      status = response?.status ?? -1;
    }
    return [
      status,
      headers?.get("x-ms-user-quota-remaining"),
      headers?.get("x-ms-user-quota-resets-after"),
      headers?.get("retry-after"),
    ];
  }

  it("counts down x-ms-user-quota-remaining, then answers 429 RateLimiting with Retry-After until the window resets", async () => {
    const clock = manualClock();
    await withFake(
      { ...small, resourceGraph: { quota: { limit: 3, windowMs: 5000 } } },
      { now: clock.now },
      async (fake) => {
        const client = graphClient(fake);
        expect(await quotaOf(client)).toEqual([200, "2", "00:00:05", undefined]);
        clock.advance(1200);
        expect(await quotaOf(client)).toEqual([200, "1", "00:00:04", undefined]);
        expect(await quotaOf(client)).toEqual([200, "0", "00:00:04", undefined]);
        expect(await quotaOf(client)).toEqual([429, "0", "00:00:04", "4"]);
        await expect(client.resources({ query: text })).rejects.toMatchObject({
          statusCode: 429,
          code: "RateLimiting",
        });
        clock.advance(3000);
        expect(await quotaOf(client)).toEqual([429, "0", "00:00:01", "1"]);
        clock.advance(800);
        expect(await quotaOf(client)).toEqual([200, "2", "00:00:05", undefined]);
        expect(fake.requests.map((entry) => entry.status)).toEqual([200, 200, 200, 429, 429, 429, 200]);
      },
    );
  });

  it("defaults to Resource Graph's 15 queries per 5 seconds", async () => {
    expect(resolveResourceGraphQuota(undefined)).toEqual({ limit: 15, windowMs: 5000 });
    const clock = manualClock();
    await withFake(small, { now: clock.now }, async (fake) => {
      const client = graphClient(fake);
      const remaining: unknown[] = [];
      for (let attempt = 0; attempt < RESOURCE_GRAPH_QUOTA.limit; attempt += 1)
        remaining.push((await quotaOf(client))[1]);
      expect(remaining).toEqual(Array.from({ length: 15 }, (_, index) => String(14 - index)));
      expect(await quotaOf(client)).toEqual([429, "0", "00:00:05", "5"]);
    });
  });

  it("writes long resets as hh:mm:ss", async () => {
    const clock = manualClock();
    await withFake(
      { ...small, resourceGraph: { quota: { limit: 1, windowMs: 3_725_000 } } },
      { now: clock.now },
      async (fake) => {
        const client = graphClient(fake);
        expect(await quotaOf(client)).toEqual([200, "0", "01:02:05", undefined]);
        clock.advance(500);
        expect(await quotaOf(client)).toEqual([429, "0", "01:02:05", "3725"]);
      },
    );
  });

  it("lets the option override the scenario's quota, `false` turning it and its headers off", async () => {
    const clock = manualClock();
    await withFake(
      { ...small, resourceGraph: { quota: { limit: 1, windowMs: 5000 } } },
      { now: clock.now, resourceGraphQuota: false },
      async (fake) => {
        const client = graphClient(fake);
        for (let attempt = 0; attempt < 3; attempt += 1)
          expect(await quotaOf(client)).toEqual([200, undefined, undefined, undefined]);
      },
    );
    await withFake(
      { ...small, resourceGraph: { quota: false } },
      { now: clock.now, resourceGraphQuota: { limit: 2, windowMs: 1000 } },
      async (fake) => {
        const client = graphClient(fake);
        expect((await quotaOf(client))[1]).toBe("1");
      },
    );
  });

  it("is not counted by the ARM read throttle, and does not count GETs", async () => {
    const clock = manualClock();
    const options = { now: clock.now, resourceGraphQuota: { limit: 2, windowMs: 5000 } };
    await withFake({ ...small, throttle: { capacity: 1, refillPerSecond: 1 } }, options, async (fake) => {
      const client = graphClient(fake);
      expect((await quotaOf(client))[0]).toBe(200);
      const read = await fetchStatus(fake, wsVisionId);
      expect(read).toBe(200);
      // The read emptied ARM's bucket; Resource Graph still has one query left, and a second GET is throttled by ARM.
      expect(await quotaOf(client)).toEqual([200, "0", "00:00:05", undefined]);
      expect(await fetchStatus(fake, wsVisionId)).toBe(429);
    });
  });

  it("applies faults, latency and the request log to the endpoint; a faulted query still counts", async () => {
    const clock = manualClock();
    const faulty: Scenario = {
      ...small,
      resourceGraph: { quota: { limit: 5, windowMs: 5000 } },
      faults: [
        {
          method: "POST",
          path: "^/providers/Microsoft\\.ResourceGraph/resources$",
          status: 503,
          code: "ServiceUnavailable",
          times: 1,
        },
      ],
    };
    const { sleep, waits } = recordedSleep();
    await withFake(faulty, { now: clock.now, latencyMs: 150, sleep }, async (fake) => {
      const client = graphClient(fake);
      expect(await quotaOf(client)).toEqual([503, "4", "00:00:05", undefined]);
      expect(waits).toEqual([150]);
      await expect(client.resources({ query: text })).resolves.toMatchObject({
        totalRecords: scenario.resources.length,
      });
      expect(fake.requests).toEqual([
        { method: "POST", path: `${GRAPH_PATH}?api-version=2024-04-01`, status: 503 },
        { method: "POST", path: `${GRAPH_PATH}?api-version=2024-04-01`, status: 200 },
      ]);
    });
  });
});

/** Status of a GET through Node's https, for the ARM read throttle. */
function fetchStatus(fake: FakeArm, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = httpsRequest(
      `${fake.url}${path}?api-version=2025-12-01`,
      { ca: fake.caPem, agent: false },
      (response) => {
        response.resume();
        response.on("end", () => resolve(response.statusCode ?? 0));
      },
    );
    request.on("error", reject);
    request.end();
  });
}

describe("Resource Graph scenario fields", () => {
  it("rejects malformed managementGroups and resourceGraph with a message naming the field", () => {
    const bad: Array<[Record<string, unknown>, RegExp]> = [
      [{ managementGroups: ["mg"] }, /s\.json: managementGroups must be an object/],
      [{ managementGroups: { mg: SUB_A } }, /managementGroups\["mg"\] must be an array/],
      [{ managementGroups: { mg: [1] } }, /managementGroups\["mg"\]/],
      [{ resourceGraph: true }, /s\.json: resourceGraph must be an object/],
      [{ resourceGraph: { quota: true } }, /resourceGraph\.quota must be false or \{ "limit"/],
      [
        { resourceGraph: { quota: { windowMs: 5000 } } },
        /resourceGraph\.quota\.limit must be a positive integer \(Resource Graph: 15\)/,
      ],
      [{ resourceGraph: { quota: { limit: 0, windowMs: 5000 } } }, /quota\.limit/],
      [{ resourceGraph: { quota: { limit: 1.5, windowMs: 5000 } } }, /quota\.limit/],
      [
        { resourceGraph: { quota: { limit: 15, windowMs: "5000" } } },
        /quota\.windowMs must be a positive integer \(Resource Graph: 5000\)/,
      ],
      [{ resourceGraph: { quota: { limit: 15, windowMs: -1 } } }, /quota\.windowMs/],
    ];
    for (const [fields, message] of bad) {
      expect(() => parseScenario({ resources: [], ...fields }, "s.json"), JSON.stringify(fields)).toThrow(message);
    }
    const good = parseScenario({
      resources: [],
      managementGroups: { mg: [SUB_A] },
      resourceGraph: { quota: { limit: 2, windowMs: 100 } },
    });
    expect(good.managementGroups).toEqual({ mg: [SUB_A] });
    expect(good.resourceGraph).toEqual({ quota: { limit: 2, windowMs: 100 } });
    expect(parseScenario({ resources: [], resourceGraph: { quota: false } }).resourceGraph).toEqual({ quota: false });
    expect(parseScenario({ resources: [], resourceGraph: {} }).resourceGraph).toEqual({});
  });

  it("rejects a bad resourceGraphQuota option when the server starts", async () => {
    await expect(startFakeArm({ resources: [] }, { resourceGraphQuota: { limit: 0, windowMs: 1000 } })).rejects.toThrow(
      /resourceGraphQuota\.limit/,
    );
  });
});
