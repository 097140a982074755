// compute-region: with a workspace private endpoint, is every compute in the workspace's region?
// Each case is the healthy workspace (ARM wire format) with one thing changed, named for its verdict;
// assertions are statuses, message ids and evidence.

import { describe, test } from "vitest";
import type { Status } from "../../src/core/status.js";
import type { Scenario } from "../fake-arm/scenario.js";
import { removeResource } from "../harness.js";
import {
  TRAINING,
  WS_ID,
  addCompute,
  compute,
  computeId,
  expectReadsOnlyWhatItRequires,
  partUnreadableCase,
  peId,
  testCaseTables,
  workspace,
  type Case,
  type ExpectedFinding,
} from "./mutations.js";

const CHECK = "compute-region";
const COMPUTES = ["cpu-build", "gpu-train", "ci-alice"] as const;
const WS_PE = peId("pe-ml-research");

/** Moves a compute to this region, as ARM shows it (resource location and computeLocation alike). */
function moveCompute(s: Scenario, name: string, region: string): void {
  const resource = compute(s, name);
  resource.location = region;
  resource.properties.computeLocation = region;
}

const perCompute = (
  names: readonly string[],
  status: Status,
  messageId: string,
  evidence: Record<string, unknown> = {},
  remediation?: string[],
): ExpectedFinding[] =>
  names.map((name) => ({
    status,
    messageId,
    resourceId: computeId(name),
    evidence: { compute: computeId(name), workspaceRegion: "westeurope", privateEndpoints: [WS_PE], ...evidence },
    ...(remediation ? { remediation } : {}),
  }));
const sameRegion = (names: readonly string[] = COMPUTES) =>
  perCompute(names, "pass", "same-region", { computeLocation: "westeurope" });

const passCases: Case[] = [
  {
    name: "pass: healthy, every compute in westeurope like the workspace",
    expect: {
      status: "pass",
      findings: [
        ...perCompute(["cpu-build", "gpu-train"], "pass", "same-region", {
          computeType: "AmlCompute",
          computeLocation: "westeurope",
        }),
        ...perCompute(["ci-alice"], "pass", "same-region", { computeType: "ComputeInstance" }),
      ],
    },
  },
  {
    name: 'pass: region names compare after normalising ("West Europe" is westeurope)',
    mutate: (s) => moveCompute(s, "gpu-train", "West Europe"),
    expect: {
      status: "pass",
      findings: [
        ...sameRegion(["cpu-build", "ci-alice"]),
        ...perCompute(["gpu-train"], "pass", "same-region", { computeLocation: "West Europe" }),
      ],
    },
  },
];

const failCases: Case[] = [
  {
    name: "fail: a compute cluster in northeurope while the private endpoint workspace is in westeurope",
    mutate: (s) => moveCompute(s, "gpu-train", "northeurope"),
    expect: {
      status: "fail",
      findings: [
        ...sameRegion(["cpu-build", "ci-alice"]),
        ...perCompute(
          ["gpu-train"],
          "fail",
          "other-region",
          { computeType: "AmlCompute", computeLocation: "northeurope" },
          [
            "az ml compute delete -n gpu-train -g ml-platform-rg -w ml-research",
            "az ml compute create -n gpu-train --type amlcompute --size Standard_NC6s_v3 --location westeurope",
          ],
        ),
      ],
    },
  },
  {
    name: "fail: a compute instance in eastus",
    mutate: (s) => moveCompute(s, "ci-alice", "eastus"),
    expect: {
      status: "fail",
      findings: [
        ...sameRegion(["cpu-build", "gpu-train"]),
        ...perCompute(
          ["ci-alice"],
          "fail",
          "other-region",
          { computeType: "ComputeInstance", computeLocation: "eastus" },
          ["az ml compute create -n ci-alice --type computeinstance --size Standard_DS11_v2 --location westeurope"],
        ),
      ],
    },
  },
  {
    name: "fail: an attached AKS compute in northeurope (AKS must be in the workspace's region)",
    mutate: (s) =>
      addCompute(s, "aks-infer", {
        computeType: "AKS",
        computeLocation: "northeurope",
        provisioningState: "Succeeded",
        properties: { agentVmSize: "Standard_D3_v2", aksNetworkingConfiguration: { subnetId: TRAINING } },
      }),
    expect: {
      status: "fail",
      findings: [
        ...sameRegion(),
        ...perCompute(["aks-infer"], "fail", "other-region", { computeType: "AKS", computeLocation: "northeurope" }, [
          "az ml compute detach -n aks-infer",
          "az ml compute attach -n aks-infer --type Kubernetes",
        ]),
      ],
    },
  },
];

const warnCases: Case[] = [
  {
    name: "warn: an attached Databricks compute in eastus",
    mutate: (s) =>
      addCompute(s, "dbx", {
        computeType: "Databricks",
        computeLocation: "eastus",
        provisioningState: "Succeeded",
        properties: {},
      }),
    expect: {
      status: "warn",
      findings: [
        ...sameRegion(),
        ...perCompute(
          ["dbx"],
          "warn",
          "attached-other-region",
          { computeType: "Databricks", computeLocation: "eastus" },
          ["az ml compute detach -n dbx"],
        ),
      ],
    },
  },
];

const skipCases: Case[] = [
  {
    name: "skip: the workspace has no private endpoint, even with a compute in another region",
    mutate: (s) => {
      workspace(s).properties.privateEndpointConnections = [];
      moveCompute(s, "gpu-train", "northeurope");
    },
    expect: {
      status: "skip",
      findings: [
        { status: "skip", messageId: "no-private-endpoint", resourceId: WS_ID, evidence: { privateEndpoints: [] } },
      ],
    },
  },
  {
    name: "skip: the workspace has no computes",
    mutate: (s) => {
      for (const name of COMPUTES) removeResource(s, `/computes/${name}`);
    },
    expect: {
      status: "skip",
      findings: [
        {
          status: "skip",
          messageId: "no-computes",
          resourceId: WS_ID,
          evidence: { privateEndpoints: [WS_PE], computes: [] },
        },
      ],
    },
  },
];

const unknownCases: Case[] = [
  {
    name: "unknown: a compute that reports no location (neither computeLocation nor location)",
    mutate: (s) => {
      delete compute(s, "cpu-build").properties.computeLocation;
      delete compute(s, "cpu-build").location;
    },
    expect: {
      status: "unknown",
      findings: [
        ...sameRegion(["gpu-train", "ci-alice"]),
        ...perCompute(["cpu-build"], "unknown", "location-missing", { computeLocation: null }),
      ],
    },
  },
  partUnreadableCase("unknown: the computes list returns 403", "computes"),
];

describe(CHECK, () => {
  testCaseTables(CHECK, [
    ["pass", passCases],
    ["fail", failCases],
    ["warn", warnCases],
    ["skip", skipCases],
    ["unknown", unknownCases],
  ]);

  test("reads only the workspace and its computes: no network reads, no keys, no writes", async () => {
    await expectReadsOnlyWhatItRequires(
      CHECK,
      /Microsoft\.Network|Microsoft\.Storage|Microsoft\.ContainerRegistry|Microsoft\.KeyVault|listKeys|listCredentials/i,
    );
  });
});
