import { execFile } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { request as httpsRequest, Agent } from "node:https";
import type { IncomingHttpHeaders } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { StorageManagementClient } from "@azure/arm-storage";
import type { TokenCredential } from "@azure/core-auth";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseFakeArmArgs, startFromCli } from "./fake-arm/cli.js";
import { ARM_READ_THROTTLE, ARM_WRITE_THROTTLE, parseScenario } from "./fake-arm/scenario.js";
import type { ArmResource, Scenario } from "./fake-arm/scenario.js";
import { COMMON_PRIVATE_ENDPOINT_TYPES } from "./fake-arm/router.js";
import { startFakeArm } from "./fake-arm/server.js";
import type { FakeArm, FakeArmOptions } from "./fake-arm/server.js";
import { manualClock, recordedSleep } from "./fake-clock.js";
import { armExampleBody } from "./fixtures/arm-examples.js";

const execFileAsync = promisify(execFile);
const projectRoot = join(import.meta.dirname, "..");

const SUB = "00000000-0000-0000-0000-000000000001";
const OTHER_SUB = "11111111-1111-1111-1111-111111111111";
const API = "?api-version=2026-01-01";

const rgA = `/subscriptions/${SUB}/resourceGroups/rg-a`;
const rgB = `/subscriptions/${SUB}/resourceGroups/rg-b`;
const workspaceId = `${rgA}/providers/Microsoft.MachineLearningServices/workspaces/ws`;
const vnetId = `${rgA}/providers/Microsoft.Network/virtualNetworks/vnet`;
const nsgId = `${rgA}/providers/Microsoft.Network/networkSecurityGroups/nsg`;
const storageTwoId = `${rgB}/providers/Microsoft.Storage/storageAccounts/st2`;

/** Azure's own StorageAccounts_GetProperties example, moved into subscription SUB. */
function exampleStorageAccount(): ArmResource {
  const body = armExampleBody<ArmResource>("Microsoft.Storage/2026-09-01/StorageAccountGetProperties.json");
  return { ...body, id: body.id.replace("{subscription-id}", SUB) };
}
const exampleStorage = exampleStorageAccount();

function workspace(id: string): ArmResource {
  return {
    id,
    name: id.slice(id.lastIndexOf("/") + 1),
    type: "Microsoft.MachineLearningServices/workspaces",
    location: "westeurope",
    properties: { storageAccount: storageTwoId },
  };
}

const baseScenario: Scenario = {
  resources: [
    exampleStorage,
    {
      id: storageTwoId,
      name: "st2",
      type: "Microsoft.Storage/storageAccounts",
      location: "westeurope",
      kind: "StorageV2",
      sku: { name: "Standard_LRS" },
      properties: {
        privateEndpointConnections: [
          {
            id: `${storageTwoId}/privateEndpointConnections/pec1`,
            name: "pec1",
            properties: { provisioningState: "Succeeded" },
          },
        ],
      },
    },
    workspace(workspaceId),
    workspace(`${rgB}/providers/Microsoft.MachineLearningServices/workspaces/ws2`),
    workspace(
      `/subscriptions/${OTHER_SUB}/resourceGroups/rg-x/providers/Microsoft.MachineLearningServices/workspaces/elsewhere`,
    ),
    {
      id: `${workspaceId}/computes/cpu`,
      name: "cpu",
      type: "Microsoft.MachineLearningServices/workspaces/computes",
      properties: { computeType: "AmlCompute" },
    },
    {
      id: `${workspaceId}/computes/gpu`,
      name: "gpu",
      type: "Microsoft.MachineLearningServices/workspaces/computes",
      properties: { computeType: "AmlCompute" },
    },
    {
      id: vnetId,
      name: "vnet",
      type: "Microsoft.Network/virtualNetworks",
      location: "westeurope",
      properties: {
        subnets: [
          { id: `${vnetId}/subnets/default`, name: "default", properties: { addressPrefix: "10.0.0.0/24" } },
          { id: `${vnetId}/subnets/training`, name: "training", properties: { addressPrefix: "10.0.1.0/24" } },
        ],
        virtualNetworkPeerings: [{ id: `${vnetId}/virtualNetworkPeerings/to-hub`, name: "to-hub", properties: {} }],
      },
    },
    {
      id: nsgId,
      name: "nsg",
      type: "Microsoft.Network/networkSecurityGroups",
      location: "westeurope",
      properties: {
        securityRules: [{ id: `${nsgId}/securityRules/allow-443`, name: "allow-443", properties: { priority: 100 } }],
        defaultSecurityRules: [
          {
            id: `${nsgId}/defaultSecurityRules/AllowVnetInBound`,
            name: "AllowVnetInBound",
            properties: { priority: 65000 },
          },
        ],
      },
    },
  ],
  actions: {
    [`${exampleStorage.id}/listKeys`]: { keys: [{ keyName: "key1", value: "k1", permissions: "FULL" }] },
  },
  privateEndpointTypes: { "West Europe": ["Microsoft.Storage/storageAccounts", "Microsoft.KeyVault/vaults"] },
};

interface HttpResult {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  reusedSocket: boolean;
}

interface Listing {
  value: Array<Record<string, unknown>>;
  nextLink?: string;
}

interface ArmErrorBody {
  error: { code: string; message: string };
}

/** One HTTPS request trusting the fake's certificate; `target` is a path or an absolute URL. */
function call(
  fake: FakeArm,
  method: string,
  target: string,
  options: { body?: string; agent?: Agent } = {},
): Promise<HttpResult> {
  const url = target.startsWith("https://") ? target : `${fake.url}${target}`;
  return new Promise((resolve, reject) => {
    const request = httpsRequest(
      url,
      {
        method,
        ca: fake.caPem,
        agent: options.agent ?? false,
        headers: {
          authorization: "Bearer not-checked",
          // Explicit length: Node sends a DELETE body without one, which no server can frame.
          ...(options.body !== undefined && {
            "content-type": "application/json",
            "content-length": String(Buffer.byteLength(options.body)),
          }),
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            text: Buffer.concat(chunks).toString("utf8"),
            reusedSocket: request.reusedSocket,
          }),
        );
        response.on("error", reject);
      },
    );
    request.on("error", reject);
    request.end(options.body);
  });
}

async function getJson<T>(fake: FakeArm, target: string, expectedStatus = 200): Promise<T> {
  const result = await call(fake, "GET", target);
  expect(result.status, `GET ${target}: ${result.text}`).toBe(expectedStatus);
  return JSON.parse(result.text) as T;
}

function names(listing: Listing): unknown[] {
  return listing.value.map((member) => member.name);
}

/** A clock for the throttle that only moves when told to. */
function remainingReads(result: HttpResult): string | string[] | undefined {
  return result.headers["x-ms-ratelimit-remaining-subscription-reads"];
}

function remainingWrites(result: HttpResult): string | string[] | undefined {
  return result.headers["x-ms-ratelimit-remaining-subscription-writes"];
}

/** Runs `body` against a fake of its own, closed afterwards. */
async function withFake(
  scenario: Scenario,
  options: FakeArmOptions,
  body: (fake: FakeArm) => Promise<void>,
): Promise<void> {
  const fake = await startFakeArm(scenario, options);
  try {
    await body(fake);
  } finally {
    await fake.close();
  }
}

describe("fake ARM server", () => {
  let fake: FakeArm;
  beforeAll(async () => {
    fake = await startFakeArm(baseScenario);
  });
  afterAll(async () => {
    await fake?.close();
  });

  describe("resources", () => {
    it("serves a resource at its ID, case-insensitively, whatever the api-version, with ARM headers", async () => {
      const result = await call(fake, "GET", `${exampleStorage.id.toUpperCase()}?api-version=1999-01-01`);
      expect(result.status).toBe(200);
      expect(JSON.parse(result.text)).toEqual(exampleStorage);
      expect(result.headers["content-type"]).toBe("application/json; charset=utf-8");
      expect(result.headers["x-ms-request-id"]).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
      );
      expect(result.headers["x-ms-ratelimit-remaining-subscription-reads"]).toBe("11999");
      const again = await call(fake, "GET", `${exampleStorage.id}${API}`);
      expect(again.headers["x-ms-request-id"]).not.toBe(result.headers["x-ms-request-id"]);
    });

    it("serves embedded children at their own IDs", async () => {
      const embedded: Array<[string, string]> = [
        [`${vnetId}/subnets/training`, "training"],
        [`${vnetId}/virtualNetworkPeerings/to-hub`, "to-hub"],
        [`${nsgId}/securityRules/allow-443`, "allow-443"],
        [`${nsgId}/defaultSecurityRules/allowvnetinbound`, "AllowVnetInBound"],
        [`${storageTwoId}/privateEndpointConnections/PEC1`, "pec1"],
      ];
      for (const [id, name] of embedded) {
        const child = await getJson<Record<string, unknown>>(fake, `${id}${API}`);
        expect(child.name).toBe(name);
      }
    });

    it("answers 404 ResourceNotFound for anything unknown", async () => {
      const result = await call(fake, "GET", `${rgA}/providers/Microsoft.Storage/storageAccounts/missing${API}`);
      expect(result.status).toBe(404);
      const body = JSON.parse(result.text) as ArmErrorBody;
      expect(body.error.code).toBe("ResourceNotFound");
      expect(body.error.message).toContain("storageAccounts/missing");
      expect((await call(fake, "GET", "/nothing/here")).status).toBe(404);
      expect((await call(fake, "GET", `${vnetId}/subnets/missing/deeper${API}`)).status).toBe(404);
    });

    it("answers PUT, PATCH and DELETE with 405 MethodNotAllowed, and logs them", async () => {
      for (const method of ["PUT", "PATCH", "DELETE"]) {
        const result = await call(fake, method, `${workspaceId}${API}`, { body: "{}" });
        expect(result.status, result.text).toBe(405);
        expect((JSON.parse(result.text) as ArmErrorBody).error.code).toBe("MethodNotAllowed");
        expect(fake.requests.at(-1)).toEqual({ method, path: `${workspaceId}${API}`, status: 405 });
      }
    });
  });

  describe("collections", () => {
    it("lists a type across the subscription's resource groups, and only that subscription", async () => {
      const listing = await getJson<Listing>(
        fake,
        `/subscriptions/${SUB}/providers/microsoft.machinelearningservices/WORKSPACES${API}`,
      );
      expect(names(listing)).toEqual(["ws", "ws2"]);
      expect(listing.nextLink).toBeUndefined();
      const storage = await getJson<Listing>(
        fake,
        `/subscriptions/${SUB}/providers/Microsoft.Storage/storageAccounts${API}`,
      );
      expect(names(storage)).toEqual(["sto8596", "st2"]);
    });

    it("lists a type in one resource group", async () => {
      const listing = await getJson<Listing>(
        fake,
        `${rgB}/providers/Microsoft.MachineLearningServices/workspaces${API}`,
      );
      expect(names(listing)).toEqual(["ws2"]);
    });

    it("lists a resource's children, explicit and embedded", async () => {
      expect(names(await getJson<Listing>(fake, `${workspaceId}/computes${API}`))).toEqual(["cpu", "gpu"]);
      expect(names(await getJson<Listing>(fake, `${vnetId}/Subnets${API}`))).toEqual(["default", "training"]);
      expect(names(await getJson<Listing>(fake, `${vnetId}/virtualNetworkPeerings${API}`))).toEqual(["to-hub"]);
      expect(names(await getJson<Listing>(fake, `${nsgId}/securityRules${API}`))).toEqual(["allow-443"]);
      expect(names(await getJson<Listing>(fake, `${nsgId}/defaultSecurityRules${API}`))).toEqual(["AllowVnetInBound"]);
      expect(names(await getJson<Listing>(fake, `${storageTwoId}/privateEndpointConnections${API}`))).toEqual(["pec1"]);
    });

    it("lists nothing with 200 for an existing parent or any subscription/resource-group list, 404 for a missing parent", async () => {
      expect(await getJson<Listing>(fake, `${exampleStorage.id}/privateEndpointConnections${API}`)).toEqual({
        value: [],
      });
      expect(await getJson<Listing>(fake, `/subscriptions/${SUB}/providers/Microsoft.KeyVault/vaults${API}`)).toEqual({
        value: [],
      });
      expect(
        await getJson<Listing>(fake, `/subscriptions/nobody/resourceGroups/none/providers/Microsoft.Web/sites${API}`),
      ).toEqual({
        value: [],
      });
      const missingParent = await call(
        fake,
        "GET",
        `${rgA}/providers/Microsoft.Network/virtualNetworks/nope/subnets${API}`,
      );
      expect(missingParent.status).toBe(404);
    });

    it("pages long collections with an absolute nextLink on the fake's own URL", async () => {
      const resources = Array.from({ length: 5 }, (_, index) =>
        workspace(`${rgA}/providers/Microsoft.MachineLearningServices/workspaces/w${index}`),
      );
      await withFake({ resources, pageSize: 2 }, {}, async (paged) => {
        const seen: unknown[] = [];
        let target: string | undefined =
          `${rgA}/providers/Microsoft.MachineLearningServices/workspaces?api-version=2025-01-01`;
        const links: string[] = [];
        while (target !== undefined) {
          const listing: Listing = await getJson<Listing>(paged, target);
          expect(listing.value.length).toBeLessThanOrEqual(2);
          seen.push(...names(listing));
          target = listing.nextLink;
          if (target !== undefined) links.push(target);
        }
        expect(seen).toEqual(["w0", "w1", "w2", "w3", "w4"]);
        expect(links).toHaveLength(2);
        // A client that re-encodes the query (`%24skiptoken`) gets the same page.
        const reencoded = await getJson<Listing>(paged, (links[0] ?? "").replace("$skiptoken", "%24skiptoken"));
        expect(names(reencoded)).toEqual(["w2", "w3"]);
        for (const link of links) {
          expect(link.startsWith(`${paged.url}${rgA}/providers/Microsoft.MachineLearningServices/workspaces?`)).toBe(
            true,
          );
          expect(link).toContain("api-version=2025-01-01");
          expect(link.match(/api-version/g)).toHaveLength(1);
        }
      });
      // The option overrides the scenario's page size.
      await withFake({ resources, pageSize: 2 }, { pageSize: 10 }, async (unpaged) => {
        const listing = await getJson<Listing>(
          unpaged,
          `/subscriptions/${SUB}/providers/Microsoft.MachineLearningServices/workspaces${API}`,
        );
        expect(listing.value).toHaveLength(5);
        expect(listing.nextLink).toBeUndefined();
      });
    });

    it("pages at 100 by default", async () => {
      const resources = Array.from({ length: 101 }, (_, index) =>
        workspace(`${rgA}/providers/Microsoft.MachineLearningServices/workspaces/w${index}`),
      );
      await withFake({ resources }, {}, async (paged) => {
        const first = await getJson<Listing>(
          paged,
          `${rgA}/providers/Microsoft.MachineLearningServices/workspaces${API}`,
        );
        expect(first.value).toHaveLength(100);
        const second = await getJson<Listing>(paged, first.nextLink ?? "missing nextLink");
        expect(names(second)).toEqual(["w100"]);
        expect(second.nextLink).toBeUndefined();
      });
    });
  });

  describe("subscriptions", () => {
    it("lists the subscriptions found in resource IDs and serves each", async () => {
      const listing = await getJson<Listing>(fake, "/subscriptions?api-version=2022-12-01");
      expect(listing.value).toEqual([
        { id: `/subscriptions/${SUB}`, subscriptionId: SUB, displayName: SUB, state: "Enabled" },
        { id: `/subscriptions/${OTHER_SUB}`, subscriptionId: OTHER_SUB, displayName: OTHER_SUB, state: "Enabled" },
      ]);
      const one = await getJson<Record<string, unknown>>(fake, `/subscriptions/${OTHER_SUB}?api-version=2022-12-01`);
      expect(one.subscriptionId).toBe(OTHER_SUB);
      expect((await call(fake, "GET", "/subscriptions/unknown-sub")).status).toBe(404);
    });
  });

  describe("availablePrivateEndpointTypes", () => {
    it("lists the scenario's types for a named region, its name normalised, at subscription and resource-group scope", async () => {
      const expected = [
        {
          name: "Microsoft.Storage/storageAccounts",
          id: `/subscriptions/${SUB}/providers/Microsoft.Network/AvailablePrivateEndpointTypes/Microsoft.Storage/storageAccounts`,
          type: "Microsoft.Network/AvailablePrivateEndpointTypes",
          resourceName: "Microsoft.Storage/storageAccounts",
          displayName: "Microsoft.Storage/storageAccounts",
        },
        expect.objectContaining({ resourceName: "Microsoft.KeyVault/vaults" }),
      ];
      const bySubscription = await getJson<Listing>(
        fake,
        `/subscriptions/${SUB}/providers/Microsoft.Network/locations/westeurope/availablePrivateEndpointTypes${API}`,
      );
      expect(bySubscription.value).toEqual(expected);
      const byGroup = await getJson<Listing>(
        fake,
        `${rgA}/providers/microsoft.network/locations/West%20Europe/availablePrivateEndpointTypes${API}`,
      );
      expect(byGroup.value).toEqual(expected);
    });

    it("lists every common type for a region the scenario does not name", async () => {
      const listing = await getJson<Listing>(
        fake,
        `/subscriptions/${SUB}/providers/Microsoft.Network/locations/swedencentral/availablePrivateEndpointTypes${API}`,
      );
      const types = listing.value.map((entry) => entry.resourceName);
      expect(types).toEqual([...COMMON_PRIVATE_ENDPOINT_TYPES]);
      for (const required of [
        "Microsoft.Storage/storageAccounts",
        "Microsoft.ContainerRegistry/registries",
        "Microsoft.KeyVault/vaults",
        "Microsoft.MachineLearningServices/workspaces",
        "Microsoft.MachineLearningServices/registries",
        "Microsoft.Sql/servers",
        "Microsoft.Web/sites",
        "Microsoft.CognitiveServices/accounts",
        "Microsoft.Insights/privateLinkScopes",
      ]) {
        expect(types).toContain(required);
      }
    });

    it("pages the types like other collections", async () => {
      await withFake({ resources: [] }, { pageSize: 4 }, async (paged) => {
        const first = await getJson<Listing>(
          paged,
          `/subscriptions/${SUB}/providers/Microsoft.Network/locations/eastus/availablePrivateEndpointTypes${API}`,
        );
        expect(first.value).toHaveLength(4);
        expect(first.nextLink).toMatch(/\$skiptoken=4$/);
      });
    });
  });

  describe("actions", () => {
    it("answers a listed POST action (case-insensitive key), ignoring the request body", async () => {
      const result = await call(fake, "POST", `${exampleStorage.id.toLowerCase()}/LISTKEYS${API}`, {
        body: '{"expand":"kerb"}',
      });
      expect(result.status).toBe(200);
      expect(JSON.parse(result.text)).toEqual({ keys: [{ keyName: "key1", value: "k1", permissions: "FULL" }] });
    });

    it("answers 404 for an action not listed", async () => {
      const result = await call(fake, "POST", `${workspaceId}/listKeys${API}`);
      expect(result.status).toBe(404);
      expect((JSON.parse(result.text) as ArmErrorBody).error.code).toBe("ResourceNotFound");
    });
  });

  describe("connections", () => {
    it("keeps connections alive across requests, POST bodies included", async () => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1, ca: fake.caPem });
      try {
        const first = await call(fake, "POST", `${exampleStorage.id}/listKeys${API}`, {
          agent,
          body: "x".repeat(50_000),
        });
        const second = await call(fake, "GET", `${workspaceId}${API}`, { agent });
        expect([first.status, second.status]).toEqual([200, 200]);
        expect(second.reusedSocket).toBe(true);
      } finally {
        agent.destroy();
      }
    });

    it("closes without waiting for an idle keep-alive connection", async () => {
      const own = await startFakeArm({ resources: [] });
      const agent = new Agent({ keepAlive: true, ca: own.caPem });
      try {
        const opened = await call(own, "GET", "/subscriptions", { agent });
        expect(opened.status).toBe(200);
        // The fake keeps idle connections for 65 s, longer than the test's timeout: a close that waited
        // for this one would fail the test instead of returning.
        await own.close();
        expect(existsSync(own.caFile)).toBe(false);
      } finally {
        agent.destroy();
      }
    });
  });

  describe("trust", () => {
    it("is trusted through NODE_EXTRA_CA_CERTS by another Node process (https and fetch)", async () => {
      const script = `
        const https = require("node:https");
        https.get(process.argv[1], (res) => {
          res.resume();
          fetch(process.argv[1]).then((r) => console.log(res.statusCode + " " + r.status), (e) => { console.error(e.cause ?? e); process.exit(1); });
        }).on("error", (e) => { console.error(e); process.exit(1); });`;
      const { stdout } = await execFileAsync(process.execPath, ["-e", script, `${fake.url}${workspaceId}${API}`], {
        env: { ...process.env, NODE_EXTRA_CA_CERTS: fake.caFile },
      });
      expect(stdout.trim()).toBe("200 200");
    });

    it("is not trusted without the CA", async () => {
      await expect(
        new Promise((resolve, reject) => {
          httpsRequest(`${fake.url}/subscriptions`, { agent: false }, resolve).on("error", reject).end();
        }),
      ).rejects.toThrow(/self[- ]signed|unable to verify/i);
    });
  });

  describe("request log", () => {
    it("records method, path with query and status only", async () => {
      const path = `${workspaceId}/computes/cpu?api-version=2024-04-01&$expand=x`;
      await call(fake, "GET", path);
      expect(fake.requests.at(-1)).toEqual({ method: "GET", path, status: 200 });
      for (const entry of fake.requests) expect(Object.keys(entry).sort()).toEqual(["method", "path", "status"]);
    });

    it("appends one JSON line per request to the log file, before the client has the response", async () => {
      const dir = await mkdtemp(join(tmpdir(), "fake-arm-log-"));
      const logFile = join(dir, "requests.jsonl");
      try {
        await withFake(baseScenario, { logFile }, async (logged) => {
          await call(logged, "GET", `${workspaceId}${API}`);
          expect((await readFile(logFile, "utf8")).trim().split("\n")).toHaveLength(1);
          await call(logged, "DELETE", `${workspaceId}${API}`);
          await call(logged, "GET", "/nowhere");
          const lines = (await readFile(logFile, "utf8"))
            .trim()
            .split("\n")
            .map((line) => JSON.parse(line) as unknown);
          expect(lines).toEqual([
            { method: "GET", path: `${workspaceId}${API}`, status: 200 },
            { method: "DELETE", path: `${workspaceId}${API}`, status: 405 },
            { method: "GET", path: "/nowhere", status: 404 },
          ]);
        });
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });

  describe("latency", () => {
    it("delays every response, errors included", async () => {
      const { sleep, waits } = recordedSleep();
      await withFake(baseScenario, { latencyMs: 120, sleep }, async (slow) => {
        const statuses: number[] = [];
        for (const target of [`${workspaceId}${API}`, "/missing"])
          statuses.push((await call(slow, "GET", target)).status);
        expect(statuses).toEqual([200, 404]);
        expect(waits).toEqual([120, 120]);
      });
    });
  });

  describe("faults", () => {
    it("answers a status with an ARM error body and Retry-After for the first `times` matches, then normally", async () => {
      const scenario: Scenario = {
        ...baseScenario,
        faults: [
          {
            method: "post",
            path: "/listKeys$",
            status: 429,
            code: "TooManyRequests",
            message: "slow down",
            retryAfter: 7,
            times: 2,
          },
        ],
      };
      await withFake(scenario, {}, async (faulty) => {
        const target = `${exampleStorage.id}/listKeys${API}`;
        for (let attempt = 0; attempt < 2; attempt += 1) {
          const result = await call(faulty, "POST", target);
          expect(result.status).toBe(429);
          expect(result.headers["retry-after"]).toBe("7");
          expect(result.headers["content-type"]).toBe("application/json; charset=utf-8");
          expect(JSON.parse(result.text)).toEqual({ error: { code: "TooManyRequests", message: "slow down" } });
        }
        expect((await call(faulty, "POST", target)).status).toBe(200);
        // The method filter: a GET of the same path is not faulted (it reads as an empty child collection).
        expect((await call(faulty, "GET", target)).status).toBe(200);
      });
    });

    it("applies a fault with no `times` forever, with a default code, matching the path case-insensitively without the query", async () => {
      const scenario: Scenario = { ...baseScenario, faults: [{ path: "/WORKSPACES/ws$", status: 403 }] };
      await withFake(scenario, {}, async (faulty) => {
        for (let attempt = 0; attempt < 3; attempt += 1) {
          const result = await call(faulty, "GET", `${workspaceId}${API}`);
          expect(result.status).toBe(403);
          expect((JSON.parse(result.text) as ArmErrorBody).error.code).toBe("FaultInjected");
          expect(result.headers["x-ms-request-id"]).toBeTruthy();
        }
        expect((await call(faulty, "GET", `${workspaceId}/computes${API}`)).status).toBe(200);
      });
    });

    it("counts each fault's own matches: a spent fault lets the next one apply", async () => {
      const scenario: Scenario = {
        ...baseScenario,
        faults: [
          { path: "/computes/cpu$", status: 500, times: 1 },
          { path: "/computes/cpu$", status: 503, times: 1 },
          { path: "/computes/gpu$", status: 502, times: 1 },
        ],
      };
      await withFake(scenario, {}, async (faulty) => {
        const statuses: number[] = [];
        for (const name of ["cpu", "gpu", "cpu", "cpu", "gpu"]) {
          statuses.push((await call(faulty, "GET", `${workspaceId}/computes/${name}${API}`)).status);
        }
        expect(statuses).toEqual([500, 502, 503, 200, 200]);
      });
    });

    it("delays and then answers normally when a fault has delayMs and no status", async () => {
      const scenario: Scenario = { ...baseScenario, faults: [{ path: "/computes/gpu$", delayMs: 150, times: 1 }] };
      const { sleep, waits } = recordedSleep();
      await withFake(scenario, { sleep }, async (faulty) => {
        const result = await call(faulty, "GET", `${workspaceId}/computes/gpu${API}`);
        expect(waits).toEqual([150]);
        expect(result.status).toBe(200);
        expect((JSON.parse(result.text) as Record<string, unknown>).name).toBe("gpu");
      });
    });

    it("resets the connection without answering, logged with status 0", async () => {
      const scenario: Scenario = { ...baseScenario, faults: [{ path: "/computes$", reset: true, times: 1 }] };
      await withFake(scenario, {}, async (faulty) => {
        const target = `${workspaceId}/computes${API}`;
        await expect(call(faulty, "GET", target)).rejects.toThrow(/socket hang up|ECONNRESET/);
        expect(faulty.requests.at(-1)).toEqual({ method: "GET", path: target, status: 0 });
        expect((await call(faulty, "GET", target)).status).toBe(200);
      });
    });

    it("sends a raw body (malformed JSON) with the fault's status or 200", async () => {
      const scenario: Scenario = {
        ...baseScenario,
        faults: [
          { path: "/computes/cpu$", body: '{"value": [' },
          { path: "/computes/gpu$", body: "<html>bad gateway</html>", status: 502 },
        ],
      };
      await withFake(scenario, {}, async (faulty) => {
        const cpu = await call(faulty, "GET", `${workspaceId}/computes/cpu${API}`);
        expect([cpu.status, cpu.text]).toEqual([200, '{"value": [']);
        const gpu = await call(faulty, "GET", `${workspaceId}/computes/gpu${API}`);
        expect([gpu.status, gpu.text]).toEqual([502, "<html>bad gateway</html>"]);
      });
    });

    it("sends a truncated JSON body with status 200 and its exact byte length", async () => {
      const whole = JSON.stringify({ value: [{ name: "café-ü", properties: { computeType: "AmlCompute" } }] });
      const truncated = whole.slice(0, -7);
      const scenario: Scenario = { ...baseScenario, faults: [{ path: "/computes$", body: truncated, status: 200 }] };
      await withFake(scenario, {}, async (faulty) => {
        const result = await call(faulty, "GET", `${workspaceId}/computes${API}`);
        expect(result.status).toBe(200);
        expect(result.text).toBe(truncated);
        expect(result.headers["content-length"]).toBe(String(Buffer.byteLength(truncated)));
        expect(Buffer.byteLength(truncated)).toBeGreaterThan(truncated.length);
        expect(result.headers["content-type"]).toBe("application/json; charset=utf-8");
        expect(() => JSON.parse(result.text) as unknown).toThrow(SyntaxError);
        expect(faulty.requests.at(-1)?.status).toBe(200);
      });
    });
  });

  describe("read throttling", () => {
    const target = `${workspaceId}${API}`;

    it("answers 429 SubscriptionRequestsThrottled with Retry-After once `capacity` GETs have emptied the bucket, and logs it", async () => {
      const clock = manualClock();
      await withFake(
        { ...baseScenario, throttle: { capacity: 3, refillPerSecond: 1 } },
        { now: clock.now },
        async (limited) => {
          const remaining: unknown[] = [];
          for (let attempt = 0; attempt < 3; attempt += 1) {
            const result = await call(limited, "GET", target);
            expect(result.status).toBe(200);
            expect(result.headers["retry-after"]).toBeUndefined();
            remaining.push(remainingReads(result));
          }
          expect(remaining).toEqual(["2", "1", "0"]);
          const throttled = await call(limited, "GET", target);
          expect(throttled.status).toBe(429);
          expect(throttled.headers["retry-after"]).toBe("1");
          expect(remainingReads(throttled)).toBe("0");
          expect(throttled.headers["content-type"]).toBe("application/json; charset=utf-8");
          expect(throttled.headers["x-ms-request-id"]).toBeTruthy();
          const body = JSON.parse(throttled.text) as ArmErrorBody;
          expect(Object.keys(body)).toEqual(["error"]);
          expect(Object.keys(body.error).sort()).toEqual(["code", "message"]);
          expect(body.error.code).toBe("SubscriptionRequestsThrottled");
          expect(body.error.message).toContain(SUB);
          expect(body.error.message).toContain("'1' seconds");
          expect(limited.requests.map((entry) => entry.status)).toEqual([200, 200, 200, 429]);
          expect(limited.requests.at(-1)).toEqual({ method: "GET", path: target, status: 429 });
          // Still empty: the throttled read took nothing, and did not push the wait further.
          expect((await call(limited, "GET", target)).headers["retry-after"]).toBe("1");
        },
      );
    });

    it("sends Retry-After as the whole seconds, rounded up, until one token is back", async () => {
      const clock = manualClock();
      await withFake(
        { ...baseScenario, throttle: { capacity: 1, refillPerSecond: 0.3 } },
        { now: clock.now },
        async (limited) => {
          expect((await call(limited, "GET", target)).status).toBe(200);
          const empty = await call(limited, "GET", target);
          // 1 token at 0.3 per second: 3.33 s.
          expect([empty.status, empty.headers["retry-after"]]).toEqual([429, "4"]);
          clock.advance(2000);
          // 0.6 tokens: 0.4 more take 1.33 s.
          expect((await call(limited, "GET", target)).headers["retry-after"]).toBe("2");
          clock.advance(1300);
          // 0.99 tokens: 0.03 s to go, still at least 1.
          expect((await call(limited, "GET", target)).headers["retry-after"]).toBe("1");
          clock.advance(34);
          expect((await call(limited, "GET", target)).status).toBe(200);
        },
      );
    });

    it("refills continuously with the clock, never beyond capacity", async () => {
      const clock = manualClock();
      await withFake(
        { ...baseScenario, throttle: { capacity: 3, refillPerSecond: 2 } },
        { now: clock.now },
        async (limited) => {
          for (let attempt = 0; attempt < 3; attempt += 1)
            expect((await call(limited, "GET", target)).status).toBe(200);
          expect((await call(limited, "GET", target)).status).toBe(429);
          clock.advance(499);
          expect((await call(limited, "GET", target)).status).toBe(429);
          clock.advance(1);
          const refilled = await call(limited, "GET", target);
          expect([refilled.status, remainingReads(refilled)]).toEqual([200, "0"]);
          clock.advance(1250);
          // 2.5 tokens: the GET leaves 1.5, reported as 1.
          expect(remainingReads(await call(limited, "GET", target))).toBe("1");
          clock.advance(3_600_000);
          expect(remainingReads(await call(limited, "GET", target))).toBe("2");
        },
      );
    });

    it("keeps one bucket per subscription, its ID compared case-insensitively; paths without one share a bucket", async () => {
      const clock = manualClock();
      const lettered = "abcdef00-aaaa-bbbb-cccc-00000000abcd";
      await withFake(
        { ...baseScenario, throttle: { capacity: 2, refillPerSecond: 1 } },
        { now: clock.now },
        async (limited) => {
          // Unknown resources (404) are reads too.
          const lower = await call(
            limited,
            "GET",
            `/subscriptions/${lettered}/resourceGroups/rg/providers/Microsoft.Web/sites/a${API}`,
          );
          const upper = await call(limited, "GET", `/subscriptions/${lettered.toUpperCase()}/resourceGroups/RG${API}`);
          expect([lower.status, remainingReads(lower), upper.status, remainingReads(upper)]).toEqual([
            404,
            "1",
            404,
            "0",
          ]);
          expect(
            (await call(limited, "GET", `/SUBSCRIPTIONS/${lettered.toUpperCase()}/providers/x/y${API}`)).status,
          ).toBe(429);

          const elsewhere = `/subscriptions/${OTHER_SUB}/resourceGroups/rg-x/providers/Microsoft.MachineLearningServices/workspaces/elsewhere`;
          const other = await call(limited, "GET", `${elsewhere}${API}`);
          expect([other.status, remainingReads(other)]).toEqual([200, "1"]);
          const mine = await call(limited, "GET", target);
          expect([mine.status, remainingReads(mine)]).toEqual([200, "1"]);

          const list = await call(limited, "GET", "/subscriptions?api-version=2022-12-01");
          const nowhere = await call(limited, "GET", "/nowhere");
          expect([list.status, remainingReads(list), nowhere.status, remainingReads(nowhere)]).toEqual([
            200,
            "1",
            404,
            "0",
          ]);
          expect((await call(limited, "GET", "/providers/Microsoft.Resources/operations")).status).toBe(429);
          // The other buckets kept their token.
          expect((await call(limited, "GET", target)).status).toBe(200);
          expect((await call(limited, "GET", target)).status).toBe(429);
        },
      );
    });

    it("does not count POSTs or other methods against reads, and reports the read bucket on their answers", async () => {
      const clock = manualClock();
      await withFake(
        { ...baseScenario, throttle: { capacity: 2, refillPerSecond: 1 } },
        { now: clock.now },
        async (limited) => {
          const listKeys = `${exampleStorage.id}/listKeys${API}`;
          expect(remainingReads(await call(limited, "GET", target))).toBe("1");
          for (let attempt = 0; attempt < 5; attempt += 1) {
            const post = await call(limited, "POST", listKeys);
            expect([post.status, remainingReads(post)]).toEqual([200, "1"]);
          }
          const deleted = await call(limited, "DELETE", target, { body: "{}" });
          expect([deleted.status, remainingReads(deleted)]).toEqual([405, "1"]);
          expect(remainingReads(await call(limited, "GET", target))).toBe("0");
          expect((await call(limited, "GET", target)).status).toBe(429);
          // Reads are exhausted; actions still answer.
          const post = await call(limited, "POST", listKeys);
          expect([post.status, remainingReads(post)]).toEqual([200, "0"]);
        },
      );
    });

    it("means ARM's 250 tokens refilled at 25 per second with `throttle: true`", async () => {
      expect(ARM_READ_THROTTLE).toEqual({ capacity: 250, refillPerSecond: 25 });
      const clock = manualClock();
      await withFake({ ...baseScenario, throttle: true }, { now: clock.now }, async (limited) => {
        const agent = new Agent({ keepAlive: true, maxSockets: 8, ca: limited.caPem });
        try {
          const results = await Promise.all(Array.from({ length: 250 }, () => call(limited, "GET", target, { agent })));
          expect(results.every((result) => result.status === 200)).toBe(true);
          const counts = results.map((result) => Number(remainingReads(result))).sort((a, b) => b - a);
          expect(counts).toEqual(Array.from({ length: 250 }, (_, index) => 249 - index));
          const throttled = await call(limited, "GET", target, { agent });
          expect([throttled.status, throttled.headers["retry-after"]]).toEqual([429, "1"]);
          // One token every 40 ms.
          clock.advance(39);
          expect((await call(limited, "GET", target, { agent })).status).toBe(429);
          clock.advance(1);
          expect((await call(limited, "GET", target, { agent })).status).toBe(200);
          clock.advance(1000);
          expect(remainingReads(await call(limited, "GET", target, { agent }))).toBe("24");
        } finally {
          agent.destroy();
        }
      });
    });

    it("lets the option override the scenario's throttle, `false` turning it off", async () => {
      const clock = manualClock();
      await withFake(
        { ...baseScenario, throttle: true },
        { now: clock.now, throttle: { capacity: 1, refillPerSecond: 1 } },
        async (limited) => {
          expect(remainingReads(await call(limited, "GET", target))).toBe("0");
          expect((await call(limited, "GET", target)).status).toBe(429);
        },
      );
      await withFake(
        { ...baseScenario, throttle: { capacity: 1, refillPerSecond: 1 } },
        { now: clock.now, throttle: false },
        async (open) => {
          for (let attempt = 0; attempt < 3; attempt += 1) {
            const result = await call(open, "GET", target);
            expect([result.status, remainingReads(result)]).toEqual([200, "11999"]);
          }
        },
      );
      await withFake(baseScenario, { now: clock.now, throttle: true }, async (limited) => {
        expect(remainingReads(await call(limited, "GET", target))).toBe("249");
      });
      await expect(startFakeArm(baseScenario, { throttle: { capacity: 0, refillPerSecond: 1 } })).rejects.toThrow(
        /capacity/,
      );
    });

    it("delays a throttled read by the latency like any answer, and spends no fault on it", async () => {
      const clock = manualClock();
      const faulted = `${workspaceId}/computes/cpu${API}`;
      const scenario: Scenario = {
        ...baseScenario,
        throttle: { capacity: 1, refillPerSecond: 1 },
        faults: [{ path: "/computes/cpu$", status: 500, times: 1 }],
      };
      const { sleep, waits } = recordedSleep();
      await withFake(scenario, { now: clock.now, latencyMs: 100, sleep }, async (limited) => {
        expect((await call(limited, "GET", target)).status).toBe(200);
        const throttled = await call(limited, "GET", faulted);
        expect(waits).toEqual([100, 100]);
        expect(throttled.status).toBe(429);
        clock.advance(1000);
        // The fault is still unspent, and the faulted read took the token.
        const fault = await call(limited, "GET", faulted);
        expect([fault.status, remainingReads(fault)]).toEqual([500, "0"]);
        clock.advance(1000);
        expect((await call(limited, "GET", faulted)).status).toBe(200);
        expect(limited.requests.map((entry) => entry.status)).toEqual([200, 429, 500, 200]);
      });
    });
  });

  describe("write throttling", () => {
    const listKeys = `${exampleStorage.id}/listKeys${API}`;
    const read = `${workspaceId}${API}`;

    it("charges POST actions, PUT and PATCH to the subscription's write bucket, apart from reads; an empty one answers 429 for a 'write'", async () => {
      const clock = manualClock();
      await withFake(
        {
          ...baseScenario,
          throttle: { reads: { capacity: 5, refillPerSecond: 1 }, writes: { capacity: 3, refillPerSecond: 2 } },
        },
        { now: clock.now },
        async (limited) => {
          const first = await call(limited, "POST", listKeys);
          expect([first.status, remainingWrites(first), remainingReads(first)]).toEqual([200, "2", "5"]);
          // A PUT and a PATCH are writes too (refused by the read-only fake, but charged first).
          const put = await call(limited, "PUT", read, { body: "{}" });
          const patch = await call(limited, "PATCH", read, { body: "{}" });
          expect([put.status, remainingWrites(put), patch.status, remainingWrites(patch)]).toEqual([
            405,
            "1",
            405,
            "0",
          ]);
          const throttled = await call(limited, "POST", listKeys);
          expect([throttled.status, throttled.headers["retry-after"], remainingWrites(throttled)]).toEqual([
            429,
            "1",
            "0",
          ]);
          const body = JSON.parse(throttled.text) as ArmErrorBody;
          expect(body.error.code).toBe("SubscriptionRequestsThrottled");
          expect(body.error.message).toMatch(new RegExp(`Number of 'write' requests for subscription '${SUB}'`));
          expect(body.error.message).toContain("'1' seconds");
          // Reads have their own bucket, and say what is left of both.
          const get = await call(limited, "GET", read);
          expect([get.status, remainingReads(get), remainingWrites(get)]).toEqual([200, "4", "0"]);
          // Another subscription's write bucket is full.
          const elsewhere = `/subscriptions/${OTHER_SUB}/resourceGroups/rg-x/providers/Microsoft.Storage/storageAccounts/x/listKeys${API}`;
          expect(remainingWrites(await call(limited, "POST", elsewhere))).toBe("2");
          // Two a second: a token after 500 ms.
          clock.advance(499);
          expect((await call(limited, "POST", listKeys)).status).toBe(429);
          clock.advance(1);
          const refilled = await call(limited, "POST", listKeys);
          expect([refilled.status, remainingWrites(refilled)]).toEqual([200, "0"]);
          expect(limited.requests.map((entry) => entry.status)).toEqual([200, 405, 405, 429, 200, 404, 429, 200]);
        },
      );
    });

    it("charges DELETE to a delete bucket of its own, reported on its answer", async () => {
      const clock = manualClock();
      await withFake(
        { ...baseScenario, throttle: { deletes: { capacity: 1, refillPerSecond: 1 } } },
        { now: clock.now },
        async (limited) => {
          const deleted = await call(limited, "DELETE", read, { body: "{}" });
          expect([deleted.status, deleted.headers["x-ms-ratelimit-remaining-subscription-deletes"]]).toEqual([
            405,
            "0",
          ]);
          expect(remainingWrites(deleted)).toBe("200");
          const again = await call(limited, "DELETE", read, { body: "{}" });
          expect(again.status).toBe(429);
          expect((JSON.parse(again.text) as ArmErrorBody).error.message).toContain("'delete' requests");
          expect(remainingWrites(await call(limited, "POST", listKeys))).toBe("199");
        },
      );
    });

    it("means ARM's 200 write tokens refilled at 10 per second with `throttle: true`", async () => {
      expect(ARM_WRITE_THROTTLE).toEqual({ capacity: 200, refillPerSecond: 10 });
      const clock = manualClock();
      await withFake({ ...baseScenario, throttle: true }, { now: clock.now }, async (limited) => {
        const agent = new Agent({ keepAlive: true, maxSockets: 8, ca: limited.caPem });
        try {
          const results = await Promise.all(
            Array.from({ length: 200 }, () => call(limited, "POST", listKeys, { agent })),
          );
          expect(results.every((result) => result.status === 200)).toBe(true);
          expect(Math.min(...results.map((result) => Number(remainingWrites(result))))).toBe(0);
          expect((await call(limited, "POST", listKeys, { agent })).status).toBe(429);
          // One token every 100 ms; reads untouched.
          clock.advance(99);
          expect((await call(limited, "POST", listKeys, { agent })).status).toBe(429);
          clock.advance(1);
          expect((await call(limited, "POST", listKeys, { agent })).status).toBe(200);
          expect(remainingReads(await call(limited, "GET", read, { agent }))).toBe("249");
        } finally {
          agent.destroy();
        }
      });
    });

    it("spends no write token on a Resource Graph query, and sends fixed counts when throttling is off", async () => {
      const clock = manualClock();
      await withFake(
        { ...baseScenario, throttle: { writes: { capacity: 1, refillPerSecond: 1 } } },
        { now: clock.now },
        async (limited) => {
          const query = JSON.stringify({ subscriptions: [SUB], query: "resources | project id" });
          for (let attempt = 0; attempt < 3; attempt += 1) {
            const answer = await call(
              limited,
              "POST",
              "/providers/Microsoft.ResourceGraph/resources?api-version=2022-10-01",
              {
                body: query,
              },
            );
            expect(answer.status).toBe(200);
          }
          expect(remainingWrites(await call(limited, "POST", listKeys))).toBe("0");
        },
      );
      await withFake(baseScenario, { now: clock.now }, async (open) => {
        const post = await call(open, "POST", listKeys);
        expect([remainingReads(post), remainingWrites(post)]).toEqual(["11999", "1199"]);
      });
    });

    it("answers the POSTs named in `resourceRequests` as a provider with its own limit: no write token, the resource-requests header", async () => {
      const clock = manualClock();
      await withFake(
        {
          ...baseScenario,
          throttle: {
            writes: { capacity: 1, refillPerSecond: 1 },
            resourceRequests: ["/storageAccounts/[^/]+/listKeys$"],
          },
        },
        { now: clock.now },
        async (limited) => {
          for (const expected of ["11999", "11998", "11997"]) {
            const answer = await call(limited, "POST", listKeys);
            expect(answer.status).toBe(200);
            expect(answer.headers["x-ms-ratelimit-remaining-subscription-resource-requests"]).toBe(expected);
            expect(remainingWrites(answer)).toBeUndefined();
          }
          const other = await call(limited, "POST", `${workspaceId}/listKeys${API}`);
          expect([other.status, remainingWrites(other)]).toEqual([404, "0"]);
        },
      );
    });
  });

  describe("registry credentials", () => {
    const registryId = `${rgA}/providers/Microsoft.ContainerRegistry/registries/cr`;
    const registry = (adminUserEnabled: boolean | undefined): ArmResource => ({
      id: registryId,
      name: "cr",
      type: "Microsoft.ContainerRegistry/registries",
      location: "westeurope",
      properties: adminUserEnabled === undefined ? {} : { adminUserEnabled },
    });

    it("refuses listCredentials with ACR's 400 UnAuthorizedForCredentialOperations when the admin user is off, unless the scenario lists it", async () => {
      for (const admin of [false, undefined]) {
        await withFake({ ...baseScenario, resources: [registry(admin)] }, {}, async (fake) => {
          const refused = await call(fake, "POST", `${registryId}/listCredentials${API}`);
          expect(refused.status).toBe(400);
          const body = JSON.parse(refused.text) as ArmErrorBody;
          expect(body.error.code).toBe("UnAuthorizedForCredentialOperations");
          expect(body.error.message).toContain("as admin user is disabled");
        });
      }
      await withFake({ ...baseScenario, resources: [registry(true)] }, {}, async (fake) => {
        expect((await call(fake, "POST", `${registryId}/listCredentials${API}`)).status).toBe(404);
      });
      const listed = { [`${registryId}/listCredentials`]: { username: "cr", passwords: [] } };
      await withFake({ ...baseScenario, resources: [registry(false)], actions: listed }, {}, async (fake) => {
        expect((await call(fake, "POST", `${registryId}/listCredentials${API}`)).status).toBe(200);
      });
    });
  });

  describe("scenario validation", () => {
    it("rejects malformed scenarios with a message naming the problem", () => {
      expect(() => parseScenario([], "s.json")).toThrow(/JSON object/);
      expect(() => parseScenario({ resources: [{ name: "x" }] }, "s.json")).toThrow(/resources\[0\]/);
      expect(() => parseScenario({ resources: [], faults: [{ path: "(" }] }, "s.json")).toThrow(/faults\[0\]\.path/);
      expect(() => parseScenario({ resources: [], faults: [{ path: "x", status: "500" }] }, "s.json")).toThrow(
        /status/,
      );
      expect(() => parseScenario({ resources: [], privateEndpointTypes: { westeurope: "x" } }, "s.json")).toThrow(
        /westeurope/,
      );
      expect(() => parseScenario({ resources: [], pageSize: 0 }, "s.json")).toThrow(/pageSize/);
      expect(parseScenario({ resources: [{ id: "/subscriptions/s" }] }).faults).toEqual([]);
    });

    it("rejects a bad throttle with a message naming the field, and keeps a good one", () => {
      const bad: Array<[unknown, RegExp]> = [
        ["yes", /s\.json: throttle must be true, false or \{ "capacity"/],
        [250, /throttle must be true, false or/],
        [[250, 25], /throttle must be true, false or/],
        [{ refillPerSecond: 25 }, /s\.json: throttle\.capacity must be a positive integer/],
        [{ capacity: 0, refillPerSecond: 25 }, /throttle\.capacity must be a positive integer/],
        [{ capacity: -5, refillPerSecond: 25 }, /throttle\.capacity/],
        [{ capacity: 2.5, refillPerSecond: 25 }, /throttle\.capacity/],
        [{ capacity: "250", refillPerSecond: 25 }, /throttle\.capacity/],
        [{ capacity: 250 }, /s\.json: throttle\.refillPerSecond must be a positive number/],
        [{ capacity: 250, refillPerSecond: 0 }, /throttle\.refillPerSecond must be a positive number/],
        [{ capacity: 250, refillPerSecond: -1 }, /throttle\.refillPerSecond/],
        [{ capacity: 250, refillPerSecond: "25" }, /throttle\.refillPerSecond/],
        [{ capacity: 250, refillPerSecond: Number.POSITIVE_INFINITY }, /throttle\.refillPerSecond/],
      ];
      for (const [throttle, message] of bad) {
        expect(() => parseScenario({ resources: [], throttle }, "s.json"), JSON.stringify(throttle)).toThrow(message);
      }
      expect(parseScenario({ resources: [], throttle: true }).throttle).toBe(true);
      expect(parseScenario({ resources: [], throttle: false }).throttle).toBe(false);
      expect(parseScenario({ resources: [], throttle: { capacity: 1, refillPerSecond: 0.5 } }).throttle).toEqual({
        capacity: 1,
        refillPerSecond: 0.5,
      });
      expect(parseScenario({ resources: [] }).throttle).toBeUndefined();
      const buckets: Array<[unknown, RegExp]> = [
        [
          { writes: { capacity: 0, refillPerSecond: 10 } },
          /s\.json: throttle\.writes\.capacity must be a positive integer \(ARM: 200\)/,
        ],
        [{ reads: { capacity: 250 } }, /throttle\.reads\.refillPerSecond must be a positive number \(ARM: 25\)/],
        [{ deletes: 5 }, /throttle\.deletes must be \{ "capacity"/],
        [{ writes: { capacity: 1, refillPerSecond: 1 }, burst: 3 }, /throttle\.burst is not a bucket/],
        [{ resourceRequests: "listKeys" }, /throttle\.resourceRequests must be an array/],
        [{ resourceRequests: ["("] }, /throttle\.resourceRequests: "\(" is not a valid regular expression/],
      ];
      for (const [throttle, message] of buckets) {
        expect(() => parseScenario({ resources: [], throttle }, "s.json"), JSON.stringify(throttle)).toThrow(message);
      }
      const named = { writes: { capacity: 20, refillPerSecond: 5 } };
      expect(parseScenario({ resources: [], throttle: named }).throttle).toEqual(named);
    });
  });
});

describe("Azure SDK against the fake", () => {
  const credential: TokenCredential = {
    getToken: async () => ({ token: "t", expiresOnTimestamp: Date.now() + 3_600_000 }),
  };

  it("reads a storage account and pages a subscription-wide list (StorageManagementClient)", async () => {
    const extraAccounts = Array.from({ length: 4 }, (_, index): ArmResource => ({
      id: `/subscriptions/${SUB}/resourceGroups/rg-${index}/providers/Microsoft.Storage/storageAccounts/extra${index}`,
      name: `extra${index}`,
      type: "Microsoft.Storage/storageAccounts",
      location: "westeurope",
      kind: "StorageV2",
      properties: {},
    }));
    await withFake({ resources: [exampleStorage, ...extraAccounts] }, { pageSize: 2 }, async (sdkFake) => {
      const client = new StorageManagementClient(credential, SUB, {
        endpoint: sdkFake.url,
        tlsOptions: { ca: sdkFake.caPem },
        retryOptions: { maxRetries: 0 },
      });
      const account = await client.storageAccounts.getProperties("res9407", "sto8596");
      expect(account.name).toBe("sto8596");
      expect(account.kind).toBe("Storage");
      expect(account.primaryEndpoints?.blob).toBe("https://sto8596.blob.core.windows.net/");

      const listed: string[] = [];
      for await (const listedAccount of client.storageAccounts.list()) listed.push(listedAccount.name ?? "?");
      expect(listed).toEqual(["sto8596", "extra0", "extra1", "extra2", "extra3"]);

      const listRequests = sdkFake.requests.filter((entry) =>
        entry.path.includes("/providers/Microsoft.Storage/storageAccounts?"),
      );
      expect(listRequests.map((entry) => entry.status)).toEqual([200, 200, 200]);
      expect(listRequests.slice(1).every((entry) => entry.path.includes("$skiptoken="))).toBe(true);
    });
  });
});

describe("Azure SDK against a throttling or truncating fake", () => {
  const credential: TokenCredential = {
    getToken: async () => ({ token: "t", expiresOnTimestamp: Date.now() + 3_600_000 }),
  };
  const client = (sdkFake: FakeArm, maxRetries: number) =>
    new StorageManagementClient(credential, SUB, {
      endpoint: sdkFake.url,
      tlsOptions: { ca: sdkFake.caPem },
      retryOptions: { maxRetries },
    });

  it("sees a throttled read as a 429 RestError with ARM's code", async () => {
    const clock = manualClock();
    await withFake(
      { resources: [exampleStorage], throttle: { capacity: 1, refillPerSecond: 1 } },
      { now: clock.now },
      async (sdkFake) => {
        const storage = client(sdkFake, 0);
        expect((await storage.storageAccounts.getProperties("res9407", "sto8596")).name).toBe("sto8596");
        await expect(storage.storageAccounts.getProperties("res9407", "sto8596")).rejects.toMatchObject({
          statusCode: 429,
          code: "SubscriptionRequestsThrottled",
        });
      },
    );
  });

  it("waits out Retry-After and then reads (real clock)", async () => {
    await withFake(
      // One token, back after 1.67 s on the fake's real clock: the second read, sent at once, is refused
      // with Retry-After 2, and the retry finds the token only because the client waited (a retry at
      // once would be refused again). Slack both ways for a loaded machine.
      { resources: [exampleStorage], throttle: { capacity: 1, refillPerSecond: 0.6 } },
      {},
      async (sdkFake) => {
        const storage = client(sdkFake, 3);
        await storage.storageAccounts.getProperties("res9407", "sto8596");
        expect((await storage.storageAccounts.getProperties("res9407", "sto8596")).name).toBe("sto8596");
        expect(sdkFake.requests.map((entry) => entry.status)).toEqual([200, 429, 200]);
      },
    );
  });

  it("fails to parse a truncated 200 body", async () => {
    const truncated = JSON.stringify(exampleStorage).slice(0, 40);
    await withFake(
      { resources: [exampleStorage], faults: [{ path: "/sto8596$", body: truncated, status: 200 }] },
      {},
      async (sdkFake) => {
        await expect(client(sdkFake, 0).storageAccounts.getProperties("res9407", "sto8596")).rejects.toMatchObject({
          code: "PARSE_ERROR",
        });
      },
    );
  });
});

describe("fake-arm command line", () => {
  it("parses --throttle alone (ARM's limits, also before another flag) or as CAPACITY:REFILL, and rejects bad values", () => {
    expect(parseFakeArmArgs(["--scenario", "s.json"]).throttle).toBeUndefined();
    expect(parseFakeArmArgs(["--scenario", "s.json", "--throttle"]).throttle).toBe(true);
    expect(parseFakeArmArgs(["--throttle", "--scenario", "s.json"])).toMatchObject({
      throttle: true,
      scenarioFile: join(process.cwd(), "s.json"),
    });
    expect(parseFakeArmArgs(["--scenario", "s.json", "--throttle", "250:25"]).throttle).toEqual({
      capacity: 250,
      refillPerSecond: 25,
    });
    expect(parseFakeArmArgs(["--scenario", "s.json", "--throttle=10:0.5"]).throttle).toEqual({
      capacity: 10,
      refillPerSecond: 0.5,
    });
    for (const value of ["0:25", "250:0", "2.5:1", "250", "250:x", "a:b", "1:2:3", ":"]) {
      expect(() => parseFakeArmArgs(["--scenario", "s.json", "--throttle", value]), value).toThrow(/--throttle/);
    }
    expect(() => parseFakeArmArgs(["--scenario", "s.json", "--throttle", "0:25"])).toThrow(
      /capacity must be a positive integer/,
    );
    expect(parseFakeArmArgs(["--scenario", "s.json", "--throttle", "writes=20:5"]).throttle).toEqual({
      writes: { capacity: 20, refillPerSecond: 5 },
    });
    expect(
      parseFakeArmArgs(["--scenario", "s.json", "--throttle", "reads=40:80,writes=20:5,deletes=1:1"]).throttle,
    ).toEqual({
      reads: { capacity: 40, refillPerSecond: 80 },
      writes: { capacity: 20, refillPerSecond: 5 },
      deletes: { capacity: 1, refillPerSecond: 1 },
    });
    for (const value of ["writes=0:5", "writes=20", "puts=1:1", "writes=1:1,writes=2:2", "writes=1:1,", "=1:1"]) {
      expect(() => parseFakeArmArgs(["--scenario", "s.json", "--throttle", value]), value).toThrow(/--throttle/);
    }
  });

  it("throttles reads when started with --throttle", async () => {
    const dir = await mkdtemp(join(tmpdir(), "fake-arm-cli-"));
    try {
      const scenarioFile = join(dir, "scenario.json");
      await writeFile(scenarioFile, JSON.stringify(baseScenario));
      const { fakeArm } = await startFromCli(parseFakeArmArgs(["--scenario", scenarioFile, "--throttle", "2:0.001"]));
      try {
        const statuses: number[] = [];
        for (let attempt = 0; attempt < 3; attempt += 1)
          statuses.push((await call(fakeArm, "GET", `${workspaceId}${API}`)).status);
        expect(statuses).toEqual([200, 200, 429]);
      } finally {
        await fakeArm.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("parses its flags and rejects bad ones", () => {
    expect(
      parseFakeArmArgs(["--scenario", "s.json", "--latency-ms", "5", "--log", "r.jsonl", "--page-size", "3"]),
    ).toEqual({
      scenarioFile: join(process.cwd(), "s.json"),
      latencyMs: 5,
      logFile: join(process.cwd(), "r.jsonl"),
      pageSize: 3,
    });
    expect(() => parseFakeArmArgs([])).toThrow(/--scenario is required/);
    expect(() => parseFakeArmArgs(["--scenario", "s.json", "--latency-ms", "soon"])).toThrow(/latency-ms/);
    expect(() => parseFakeArmArgs(["--scenario", "s.json", "--page-size", "0"])).toThrow(/page-size/);
    expect(() => parseFakeArmArgs(["--scenario", "s.json", "--bogus"])).toThrow(/bogus/);
  });

  it("starts from a scenario file and prints the ready line", async () => {
    const dir = await mkdtemp(join(tmpdir(), "fake-arm-cli-"));
    try {
      const scenarioFile = join(dir, "scenario.json");
      const logFile = join(dir, "requests.jsonl");
      await writeFile(scenarioFile, JSON.stringify(baseScenario));
      const { fakeArm, readyLine } = await startFromCli(
        parseFakeArmArgs(["--scenario", scenarioFile, "--log", logFile]),
      );
      try {
        expect(JSON.parse(readyLine)).toEqual({ url: fakeArm.url, caFile: fakeArm.caFile });
        expect(readyLine).toMatch(/^\{"url":"https:\/\/127\.0\.0\.1:\d+","caFile":"\/.+\/ca\.pem"\}$/);
        await call(fakeArm, "GET", `${workspaceId}${API}`);
        expect(JSON.parse(await readFile(logFile, "utf8"))).toEqual({
          method: "GET",
          path: `${workspaceId}${API}`,
          status: 200,
        });
      } finally {
        await fakeArm.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  /** The compiled CLI, when `tsc` has built it from the current sources (as `npm test`'s pretest does). */
  const compiledCli = join(projectRoot, "dist/test/fake-arm/cli.js");
  const compiledIsFresh = ["cli", "server", "scenario", "cert"].every((name) => {
    const source = join(projectRoot, `test/fake-arm/${name}.ts`);
    const output = join(projectRoot, `dist/test/fake-arm/${name}.js`);
    return existsSync(output) && statSync(output).mtimeMs >= statSync(source).mtimeMs;
  });

  it.skipIf(!compiledIsFresh)("runs as node dist/test/fake-arm/cli.js until SIGTERM, then exits 0", async () => {
    const { spawn } = await import("node:child_process");
    const dir = await mkdtemp(join(tmpdir(), "fake-arm-bin-"));
    try {
      const scenarioFile = join(dir, "scenario.json");
      await writeFile(scenarioFile, JSON.stringify(baseScenario));
      const child = spawn(process.execPath, [compiledCli, "--scenario", scenarioFile, "--latency-ms", "1"], {
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      const ready = new Promise<string>((resolve, reject) => {
        child.stdout.on("data", (chunk: Buffer) => {
          stdout += chunk.toString("utf8");
          if (stdout.includes("\n")) resolve(stdout);
        });
        child.on("exit", (code) => reject(new Error(`fake-arm exited early with ${code}`)));
      });
      const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
      const line = JSON.parse((await ready).trim()) as { url: string; caFile: string };
      const caPem = await readFile(line.caFile, "utf8");
      const asFake = { url: line.url, caFile: line.caFile, caPem, requests: [], close: async () => undefined };
      expect((await call(asFake, "GET", `${workspaceId}${API}`)).status).toBe(200);
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
      expect(stdout.trim().split("\n")).toHaveLength(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
