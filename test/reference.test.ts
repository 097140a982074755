// Microsoft's public reference deployments of a secure Azure Machine Learning workspace, as ARM returns them
// after deployment (test/fixtures/reference/, sources and assumptions in its README), audited through the real
// collector and SDK clients against the fake ARM. Each row is the verdict Microsoft Learn gives for that
// deployment and why, not what the tool happens to print: a template's real defect stays a fail and is named.
//
// The Learn pages (learn.microsoft.com/azure/...) the rows follow:
// - subnet-colocation, acr-vnet-image-build: machine-learning/how-to-secure-workspace-vnet (image-build compute
//   in the VNet of the private dependencies), machine-learning/how-to-managed-network (Configure image builds);
// - service-tags-outbound, required-outbound, forced-tunneling: machine-learning/how-to-access-azureml-behind-firewall,
//   virtual-network/network-security-groups-overview (default rules), managed VNets: how-to-managed-network;
// - private-dns: machine-learning/how-to-configure-private-link and how-to-custom-dns, private-link/
//   private-endpoint-dns (zone names), firewall/dns-settings (DNS proxy);
// - trusted-access: storage/common/storage-network-security-overview, container-registry/allow-access-trusted-services;
// - registry-policies: ACR's quarantine pattern (github.com/Azure/acr docs/preview/quarantine: unscanned images
//   are blocked for pull), machine-learning/how-to-identity-based-service-authentication (admin user off);
// - managed-network: machine-learning/how-to-managed-network, ai-foundry/how-to/configure-managed-network;
// - hubs and projects: machine-learning/concept-hub-workspace (a project inherits its hub's resources).

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { CHECKS } from "../checks/index.js";
import type { Status } from "../src/core/status.js";
import type { Scenario } from "./fake-arm/scenario.js";
import { ROOT, auditScenario, type AuditResult } from "./harness.js";

/** check id → [expected status, why: the template's fact and the Learn rule that decides]. */
type Verdicts = Record<string, readonly [Status, string]>;

/** A defect of the template: a failing finding of `check` with this message id that names `mentions`. */
interface Defect {
  check: string;
  messageId: string;
  mentions: string;
  defect: string;
}

interface Deployment {
  fixture: string;
  workspace: { subscriptionId: string; resourceGroup: string; name: string };
  verdicts: Verdicts;
  defects: Defect[];
}

const OPT_IN = "Azure's own diagnose runs only with --diagnose; what it would answer is no part of the template";
const MANAGED = "managed VNet: Azure owns the computes' NSGs and routes (Learn how-to-managed-network)";

const D1: Deployment = {
  fixture: "d1-quickstart-end-to-end-secure",
  workspace: {
    subscriptionId: "3f6a2c1e-8b4d-4f7a-9e2b-5c1d0a9e7b31",
    resourceGroup: "rg-mlsec",
    name: "mlw-mlsec-k7x2",
  },
  verdicts: {
    "subnet-colocation": [
      "pass",
      "cluster001, ci001 and the AKS subnet share the VNet of the blob/file/vault/registry PEs",
    ],
    "private-endpoint-region": [
      "pass",
      "every PE is Auto-Approved at location = the workspace's and its VNet's region",
    ],
    "acr-vnet-image-build": ["pass", "private registry: imageBuildCompute cluster001 is CPU AmlCompute beside its PE"],
    "service-tags-outbound": ["pass", "rule 200 allows MCR:443; no outbound deny, so AllowInternetOutBound covers AFD"],
    "key-sync": ["pass", "the workspace's cached key and password are the storage key1 and registry password"],
    "required-outbound": ["pass", "no outbound deny; inbound 44224 from AzureMachineLearning allowed (rule 130)"],
    "forced-tunneling": ["pass", "no route table: public-IP cluster001 and ci001 reach Internet directly"],
    "private-dns": ["fail", "DEFECT: vault PE writes to privatelink.vault.azure.net, Learn's zone is vaultcore"],
    "trusted-access": ["pass", "storage Deny with bypass AzureServices; Premium registry, bypass AzureServices"],
    "registry-policies": ["fail", "DEFECT: quarantinePolicy enabled: pushed environment images cannot be pulled"],
    "managed-network": ["skip", "customer VNet: no managedNetwork (isolationMode Disabled)"],
    "compute-region": ["pass", "private-link workspace; cluster001, ci001 and AKS are all in its region"],
    "workspace-diagnose": ["skip", OPT_IN],
  },
  defects: [
    {
      check: "registry-policies",
      messageId: "quarantine-enabled",
      mentions: "crmlseck7x2",
      defect: "containerregistry.bicep sets policies.quarantinePolicy.status 'enabled' (PR #12719 never merged)",
    },
    {
      check: "private-dns",
      messageId: "zone-missing-from-group",
      mentions: "privatelink.vaultcore.azure.net",
      defect: "keyvault.bicep names its zone 'privatelink${environment().suffixes.keyvaultDns}' = vault.azure.net",
    },
  ],
};

const TERRAFORM_201: Verdicts = {
  "subnet-colocation": ["pass", "computes in snet-training reach the PEs in snet-workspace of the same VNet"],
  "private-endpoint-region": ["pass", "every PE is auto-approved in the resource group's region, as is the VNet"],
  "acr-vnet-image-build": ["pass", "private registry: image-builder is CPU AmlCompute in the VNet of its PE"],
  "service-tags-outbound": ["pass", "nsg-training has no outbound rule: AllowInternetOutBound lets 443 out"],
  "key-sync": ["pass", "the workspace's cached key and password are the storage key1 and registry password"],
  "required-outbound": ["pass", "no outbound deny; inbound 44224 from AzureMachineLearning allowed (rule 110)"],
  "forced-tunneling": ["pass", "rt-training sends 0.0.0.0/0 to Internet: no forced tunnel for public-IP nodes"],
  "private-dns": ["pass", "the six zones (vault on vaultcore) are in the PE zone groups and linked to the VNet"],
  "trusted-access": ["pass", "storage Deny with bypass AzureServices; Premium registry, bypass AzureServices"],
  "registry-policies": ["pass", "quarantine off (provider default); admin user enabled"],
  "managed-network": ["skip", "customer VNet: isolationMode Disabled"],
  "compute-region": ["pass", "private-link workspace; every compute is in its region"],
  "workspace-diagnose": ["skip", OPT_IN],
};

const D2: Deployment = {
  fixture: "d2-terraform-201-moderately-secure",
  workspace: {
    subscriptionId: "8c2d4e6f-1a3b-4c5d-9e7f-0a1b2c3d4e52",
    resourceGroup: "rg-exampleml-dev",
    name: "mlw-exampleml-dev",
  },
  verdicts: TERRAFORM_201,
  defects: [],
};

const D3: Deployment = {
  fixture: "d3-terraform-301-hub-spoke-firewall",
  workspace: {
    subscriptionId: "c4b7e1a9-2f3d-4e8b-a6c5-7d9e0f1a2b63",
    resourceGroup: "rg-exampleml-dev",
    name: "mlw-exampleml-dev",
  },
  verdicts: {
    ...TERRAFORM_201,
    "acr-vnet-image-build": ["pass", "image-builder reaches the registry PE in its own spoke VNet (beats 0/0 UDR)"],
    "service-tags-outbound": ["pass", "nsg-training has no outbound rule; the hub firewall, not an NSG, filters"],
    "forced-tunneling": ["pass", "0/0 goes to the firewall, udr-AzureML and udr-Batch send both tags to Internet"],
    // Learn dns-settings + private-endpoint-dns-integration: a DNS proxy forwards to Azure DNS in its own VNet.
    "private-dns": ["pass", "spoke DNS = firewall 10.1.4.4, DNS proxy on, Azure DNS upstream; zones linked to hub"],
  },
  defects: [],
};

const D4: Deployment = {
  fixture: "d4-avm-workspace-waf-aligned",
  workspace: {
    subscriptionId: "e9f1a3c5-7b2d-4f6e-8a0c-1b3d5f7a9c84",
    resourceGroup: "dep-avm-machinelearningservices.workspaces-mlswwaf-rg",
    name: "avmmlswwaf001",
  },
  verdicts: {
    "subnet-colocation": ["skip", "no compute in a customer subnet: computes would run in the managed VNet"],
    "private-endpoint-region": ["pass", "the workspace PE is auto-approved in its VNet's region"],
    "acr-vnet-image-build": ["pass", "no registry yet and storage accepts all networks: serverless build works"],
    "service-tags-outbound": ["skip", MANAGED],
    "key-sync": ["pass", "the cached storage key is key1; no registry yet"],
    "required-outbound": ["skip", MANAGED],
    "forced-tunneling": ["skip", MANAGED],
    // Learn how-to-configure-private-link: the inbound PE needs both zones even with a managed network.
    "private-dns": ["fail", "DEFECT: the workspace PE's zone group has the api zone but no notebooks.azure.net"],
    "trusted-access": ["pass", "storage accepts all networks; no registry yet"],
    "registry-policies": ["skip", "no registry yet (created on the first image build)"],
    "managed-network": ["warn", "approved-outbound network Inactive, no imageBuildCompute: first build provisions it"],
    "compute-region": ["skip", "no computes"],
    "workspace-diagnose": ["skip", OPT_IN],
  },
  defects: [
    {
      check: "private-dns",
      messageId: "zone-missing-from-group",
      mentions: "privatelink.notebooks.azure.net",
      defect: "the e2e dependencies create only privatelink.api.azureml.ms",
    },
  ],
};

const FOUNDRY_HUB: Verdicts = {
  "subnet-colocation": ["skip", "no compute in a customer subnet: hub computes run in the managed VNet"],
  "private-endpoint-region": ["pass", "hub, storage, vault and registry PEs are auto-approved in the VNet's region"],
  "acr-vnet-image-build": ["fail", "DEFECT: registry publicNetworkAccess Disabled and no imageBuildCompute"],
  "service-tags-outbound": ["skip", MANAGED],
  "key-sync": ["skip", "identity access: shared keys off, no cached storage key, registry admin user off"],
  "required-outbound": ["skip", MANAGED],
  "forced-tunneling": ["skip", MANAGED],
  "private-dns": ["fail", "DEFECT: hub PE's notebooks zone is privatelink.notebooks.azureml.net, not azure.net"],
  "trusted-access": ["pass", "storage bypass AzureServices; Premium registry, bypass AzureServices"],
  "registry-policies": ["pass", "quarantine off; admin user off and no cached password: the identity workflow"],
  "managed-network": ["warn", "AllowInternetOutbound network Inactive, no imageBuildCompute: not provisioned yet"],
  "compute-region": ["skip", "no computes"],
  "workspace-diagnose": ["skip", OPT_IN],
};

const FOUNDRY_DEFECTS: Defect[] = [
  {
    check: "acr-vnet-image-build",
    messageId: "image-build-compute-unset",
    mentions: "bamiacrtest",
    defect:
      "acrEnabled: true makes a Premium registry with publicNetworkAccess Disabled; the hub sets no build compute",
  },
  {
    check: "private-dns",
    messageId: "zone-missing-from-group",
    mentions: "privatelink.notebooks.azure.net",
    defect: "the privateEndpoints module names its notebooks zone privatelink.notebooks.azureml.net",
  },
];

const D5_HUB: Deployment = {
  fixture: "d5-foundry-hub-project-managed-vnet",
  workspace: {
    subscriptionId: "a7c9e2f4-6b8d-4a1c-b3e5-9f0a2c4e6b95",
    resourceGroup: "rg-bami-test",
    name: "bami-hub-test",
  },
  verdicts: FOUNDRY_HUB,
  defects: FOUNDRY_DEFECTS,
};

/** The project inherits the hub's resources, managed network and PE (Learn concept-hub-workspace). */
const D5_PROJECT: Deployment = { ...D5_HUB, workspace: { ...D5_HUB.workspace, name: "bami-project-test" } };

function scenarioOf(fixture: string): Scenario {
  return JSON.parse(readFileSync(join(ROOT, "test/fixtures/reference", fixture, "scenario.json"), "utf8")) as Scenario;
}

function describeDeployment(title: string, deployment: Deployment, more?: (audit: () => AuditResult) => void): void {
  describe(title, () => {
    let audit: AuditResult;
    beforeAll(async () => {
      audit = await auditScenario(scenarioOf(deployment.fixture), {
        workspace: deployment.workspace,
        now: "2026-03-01T12:00:00Z",
      });
    });

    test("every check has an expected verdict", () => {
      expect(Object.keys(deployment.verdicts).sort()).toEqual(CHECKS.map((check) => check.id).sort());
    });

    test("the collector reads everything the deployment has", () => {
      expect(audit.report.collection.errors).toEqual([]);
    });

    const rows = Object.entries(deployment.verdicts).map(([id, [status, why]]) => [id, status, why] as const);
    test.each(rows)("%s → %s: %s", (id, status, why) => {
      expect(audit.check(id).status, why).toBe(status);
    });

    for (const defect of deployment.defects) {
      test(`names the template's defect (${defect.check}): ${defect.defect}`, () => {
        const named = audit
          .check(defect.check)
          .findings.filter((finding) => finding.status === "fail" && finding.messageId === defect.messageId)
          .filter((finding) => JSON.stringify(finding).includes(defect.mentions));
        expect(named.length, `fail:${defect.messageId} naming ${defect.mentions}`).toBeGreaterThan(0);
      });
    }

    more?.(() => audit);
  });
}

describeDeployment("D1 azure-quickstart-templates machine-learning-end-to-end-secure", D1);
describeDeployment("D2 Azure/terraform 201-machine-learning-moderately-secure", D2);
describeDeployment("D3 Azure/terraform 301-machine-learning-hub-spoke-secure (firewall DNS proxy)", D3);
describeDeployment("D4 AVM machine-learning-services/workspace waf-aligned (managed VNet)", D4);
describeDeployment("D5 azure-ai-studio-secure-bicep managedvnet: the hub", D5_HUB);
describeDeployment(
  "D5 azure-ai-studio-secure-bicep managedvnet: the project, judged through its hub",
  D5_PROJECT,
  (audit) => {
    test("the report names the hub it judged the project by", () => {
      expect(JSON.stringify(audit().report)).toContain("bami-hub-test");
    });
  },
);
