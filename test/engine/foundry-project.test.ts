// A Foundry (AI Studio) project is audited through its hub: the collector reads the project, then the
// hub its hubResourceId names, and every check judges the hub's storage, key vault, registry,
// image-build compute, managed network, endpoints and computes, which Learn says the project inherits
// (learn.microsoft.com/azure/machine-learning/concept-hub-workspace). The scenario is the private hub
// and project of Microsoft's "azure-ai-studio-secure-bicep" sample (test/fixtures/foundry-hub-project.ts).

import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Ajv } from "ajv";
import { describe, expect, test } from "vitest";
import { CHECKS } from "../../checks/index.js";
import { renderFleet } from "../../reports/fleet/index.js";
import { loadRenderer } from "../../reports/index.js";
import { DEFAULT_RENDER_OPTIONS } from "../../reports/shared.js";
import { collectFleet } from "../../src/collect/fleet.js";
import { buildFleetReport, workspaceStatus } from "../../src/engine/fleet.js";
import { buildReport } from "../../src/engine/run.js";
import type { Report } from "../../src/engine/types.js";
import type { FleetScope } from "../../src/snapshot/fleet.js";
import type { PartName } from "../../src/snapshot/types.js";
import type { Scenario } from "../fake-arm/scenario.js";
import { startFakeArm } from "../fake-arm/server.js";
import {
  FOUNDRY,
  addProject,
  HUB_ACR_ID,
  HUB_ID,
  HUB_STORAGE_ID,
  PROJECT_ID,
  foundryScenario,
} from "../fixtures/foundry-hub-project.js";
import { ROOT, auditScenario, findingIds, resource, testReader, type AuditResult } from "../harness.js";
import { serviceEndpointsOnly } from "../checks/mutations.js";

const AT = { subscriptionId: FOUNDRY.subscriptionId, resourceGroup: FOUNDRY.resourceGroup };
const NOW = "2026-11-25T09:00:00.000Z";

function auditProject(scenario: Scenario = foundryScenario(), fixPlan = true): Promise<AuditResult> {
  return auditScenario(scenario, { workspace: { ...AT, name: FOUNDRY.project }, now: NOW, fixPlan });
}

function auditHub(scenario: Scenario = foundryScenario()): Promise<AuditResult> {
  return auditScenario(scenario, { workspace: { ...AT, name: FOUNDRY.hub }, now: NOW });
}

/** Each check's status and findings (status, message id, resource); not the diagnose, which is the project's own. */
function verdicts(report: Report): Record<string, string[]> {
  return Object.fromEntries(
    report.checks
      .filter((check) => check.id !== "workspace-diagnose")
      .map((check) => [
        check.id,
        [check.status, ...check.findings.map((f) => `${f.status} ${f.messageId} ${f.resourceId.toLowerCase()}`)],
      ]),
  );
}

/** Every `az ...` command a report prints: remediations and the fix plan. */
function azCommands(report: Report): string[] {
  const remediations = report.checks.flatMap((check) => check.findings.flatMap((f) => f.remediation ?? []));
  const plan = report.fixPlan
    ? [...report.fixPlan.steps.flatMap((step) => step.commands), ...report.fixPlan.unfixed.map((u) => u.advice)]
    : [];
  return [...remediations, ...plan].filter((text) => text.includes("az "));
}

describe("a project is judged through its hub", () => {
  test("snapshot: the project and its hub, read once after it; nothing read of the project's own", async () => {
    const audit = await auditProject();
    const ids = audit.snapshot.resources.map((raw) => String(raw.id).toLowerCase());
    expect(ids).toContain(PROJECT_ID.toLowerCase());
    expect(ids).toContain(HUB_ID.toLowerCase());
    expect(audit.snapshot.target).toMatchObject({
      workspaceId: PROJECT_ID,
      workspace: FOUNDRY.project,
      hub: { id: HUB_ID, name: FOUNDRY.hub, resourceGroup: FOUNDRY.resourceGroup, subscriptionId: AT.subscriptionId },
    });
    const paths = audit.requests.map((request) => `${request.method} ${request.path.split("?")[0]}`);
    expect(paths.filter((path) => path === `GET ${HUB_ID}`)).toHaveLength(1);
    expect(paths.indexOf(`GET ${PROJECT_ID}`)).toBeLessThan(paths.indexOf(`GET ${HUB_ID}`));
    // A project has no compute clusters and its keys are the hub's: the hub's are read, not the project's.
    expect(paths).toContain(`GET ${HUB_ID}/computes`);
    expect(paths).toContain(`POST ${HUB_ID}/listKeys`);
    expect(
      paths.filter((path) => path.startsWith(`GET ${PROJECT_ID}/`) || path.startsWith(`POST ${PROJECT_ID}/`)),
    ).toEqual([]);
    expect(paths).toContain(`GET ${HUB_ACR_ID}`);
    expect(paths).toContain(`GET ${HUB_STORAGE_ID}`);
    expect(audit.snapshot.errors).toEqual([]);
  });

  test("every check gives the project the hub's own verdict", async () => {
    const [project, hub] = await Promise.all([auditProject(), auditHub()]);
    expect(verdicts(project.report)).toEqual(verdicts(hub.report));
  });

  test("acr-vnet-image-build fails on the hub's private registry; its fix names the hub", async () => {
    const audit = await auditProject();
    const check = audit.check("acr-vnet-image-build");
    expect(check.status).toBe("fail");
    expect(findingIds(check)).toContain("fail:image-build-compute-unset");
    const unset = check.findings.find((finding) => finding.messageId === "image-build-compute-unset");
    expect(unset?.resourceId).toBe(HUB_ID);
    expect(unset?.remediation).toContain(`az ml workspace update -n ${FOUNDRY.hub} -g ${FOUNDRY.resourceGroup}`);
    expect(unset?.message).toContain(`but the hub ${FOUNDRY.hub} has no imageBuildCompute`);
    // Not "no registry yet": the hub's registry is judged.
    expect(findingIds(audit.check("registry-policies"))).not.toContain("skip:no-registry");
    for (const command of azCommands(audit.report)) {
      expect(command).not.toMatch(new RegExp(`(-n|-w|--workspace-name|--workspace) ${FOUNDRY.project}\\b`));
    }
    expect(azCommands(audit.report).some((command) => command.includes(FOUNDRY.hub))).toBe(true);
  });

  test("a missing image-build compute: the fix creates it in the hub, with no VNet (the managed network places it)", async () => {
    const scenario = foundryScenario();
    resource(scenario, HUB_ID).properties.imageBuildCompute = "cpu-build";
    const check = (await auditProject(scenario, false)).check("acr-vnet-image-build");
    const missing = check.findings.find((finding) => finding.messageId === "image-build-compute-missing");
    expect(missing?.message).toBe(
      `The imageBuildCompute of the hub ${FOUNDRY.hub} names "cpu-build", which is not one of its computes.`,
    );
    const where = `-g ${FOUNDRY.resourceGroup} --subscription ${FOUNDRY.subscriptionId}`;
    expect(missing?.remediation).toContain(
      `az ml compute create -n cpu-build --type amlcompute --size Standard_DS3_v2 -w ${FOUNDRY.hub} ${where};`,
    );
    expect(missing?.remediation).toContain(
      `az ml workspace update -n ${FOUNDRY.hub} ${where} --image-build-compute cpu-build`,
    );
    expect(missing?.remediation).not.toContain("--vnet-name");
    expect(missing?.remediation).not.toContain(FOUNDRY.project);
  });

  test("the report names the project and its hub: text, Markdown and JSON", async () => {
    const { report } = await auditProject();
    const options = { ...DEFAULT_RENDER_OPTIONS, verbose: true };
    const text = (await loadRenderer("text"))(report, options);
    expect(text.split("\n")[0]).toContain(`project ${FOUNDRY.project} of hub ${FOUNDRY.hub}`);
    expect(text).toContain(`hub ${HUB_ID}`);
    const markdown = (await loadRenderer("markdown"))(report, options);
    expect(markdown.split("\n")[0]).toBe(`# aml-preflight: project \`${FOUNDRY.project}\` of hub \`${FOUNDRY.hub}\``);
    expect(markdown).toContain(`|Hub|\`${HUB_ID}\`|`);
    const json = JSON.parse((await loadRenderer("json"))(report, options)) as Report;
    expect(json.target.hub).toEqual({
      id: HUB_ID,
      name: FOUNDRY.hub,
      subscriptionId: FOUNDRY.subscriptionId,
      resourceGroup: FOUNDRY.resourceGroup,
    });
  });

  test("a hub whose registry is set aside: the registry checks say a hub's registry is optional", async () => {
    const scenario = foundryScenario();
    delete resource(scenario, HUB_ID).properties.containerRegistry;
    const audit = await auditProject(scenario, false);
    expect(findingIds(audit.check("registry-policies"))).toEqual(["skip:no-registry-hub"]);
    expect(audit.check("registry-policies").findings[0]?.message).toContain(
      `Hub ${FOUNDRY.hub} names no container registry`,
    );
    expect(findingIds(audit.check("trusted-access"))).toContain("skip:no-registry-hub");
  });

  test("the project's own fields, empty or at their defaults, are inherited: no warning", async () => {
    const scenario = foundryScenario();
    const project = resource(scenario, PROJECT_ID);
    project.properties.managedNetwork = { isolationMode: "Disabled" };
    project.properties.containerRegistry = HUB_ACR_ID.toUpperCase();
    project.properties.storageAccount = "";
    const audit = await auditProject(scenario, false);
    const ids = audit.report.checks.flatMap(findingIds);
    expect(ids.filter((id) => id.includes("project-differs-from-hub"))).toEqual([]);
    expect(verdicts(audit.report)).toEqual(verdicts((await auditHub()).report));
  });

  test("another registry than the hub's: a warning where the registry is judged, one root cause", async () => {
    const scenario = foundryScenario();
    const other = HUB_ACR_ID.replace("bamiacrtest", "otheracr");
    resource(scenario, PROJECT_ID).properties.containerRegistry = other;
    const audit = await auditProject(scenario, false);
    const warned = audit.report.checks.filter((check) =>
      check.findings.some((finding) => finding.messageId === "project-differs-from-hub"),
    );
    // Every check that judged the registry: those that require the registry part.
    expect(warned.map((check) => check.id).sort()).toEqual(
      CHECKS.filter((check) => check.requires.includes("registry"))
        .map((check) => check.id)
        .sort(),
    );
    const finding = warned[0]?.findings.find((candidate) => candidate.messageId === "project-differs-from-hub");
    expect(finding).toMatchObject({
      status: "warn",
      resourceId: PROJECT_ID,
      evidence: { field: "containerRegistry", project: other, hub: HUB_ACR_ID, hubId: HUB_ID },
    });
    const causes = audit.report.rootCauses.filter((cause) => cause.key.startsWith("project-differs:"));
    expect(causes).toHaveLength(1);
    expect(causes[0]?.checks.length).toBe(warned.length);
    // The other registry was never read: the hub's is the one judged.
    expect(audit.requests.some((request) => request.path.includes("otheracr"))).toBe(false);
    expect(audit.check("acr-vnet-image-build").status).toBe("fail");
  });
});

describe("a hub that cannot be read", () => {
  test("403: each inherited check is unknown once, naming the hub and permission", async () => {
    const scenario = foundryScenario();
    (scenario.faults ??= []).push({
      method: "GET",
      path: `/workspaces/${FOUNDRY.hub}$`,
      status: 403,
      code: "AuthorizationFailed",
    });
    const audit = await auditProject(scenario);
    expect(audit.snapshot.target.hub).toMatchObject({ id: HUB_ID, name: FOUNDRY.hub });
    // Nothing is read in the hub's name: its dependencies are unknown until it is read.
    expect(
      audit.requests.some((request) => /storageAccounts|registries|vaults|computes|listKeys/i.test(request.path)),
    ).toBe(false);
    for (const check of audit.report.checks) {
      if (check.id === "workspace-diagnose") {
        expect(findingIds(check)).toEqual(["skip:not-requested"]);
        continue;
      }
      expect(check.status, check.id).toBe("unknown");
      expect(check.findings, check.id).toHaveLength(1);
      const [finding] = check.findings;
      expect(finding).toMatchObject({
        messageId: "part-unreadable",
        resourceId: HUB_ID,
        evidence: expect.objectContaining({ missingPermission: "Microsoft.MachineLearningServices/workspaces/read" }),
      });
      expect(finding?.message).toContain(`the hub ${FOUNDRY.hub} of project ${FOUNDRY.project} could not be read`);
    }
    const causes = audit.report.rootCauses.filter((cause) => cause.status === "unknown");
    expect(causes).toHaveLength(1);
    expect(causes[0]?.kind).toBe("permission");
  });

  test("404: a project naming a hub that no longer exists is a dangling reference", async () => {
    const scenario = foundryScenario();
    scenario.resources = scenario.resources.filter((raw) => raw.id !== HUB_ID);
    const audit = await auditProject(scenario, false);
    const check = audit.check("acr-vnet-image-build");
    expect(findingIds(check)).toEqual(["fail:dangling-reference"]);
    expect(check.findings[0]?.resourceId).toBe(HUB_ID);
  });
});

describe("the fix plan changes the hub", () => {
  test("image-build compute: the proven command updates the hub, where a project's builds are set", async () => {
    // A hub on a customer VNet (not one Learn supports for hubs, but the plan's mechanics are the same):
    // its CPU cluster reaches the service-endpoint-restricted registry and storage, and no imageBuildCompute names it.
    const scenario = foundryScenario();
    const vnet = HUB_ID.replace(
      /Microsoft\.MachineLearningServices\/workspaces\/.*$/,
      "Microsoft.Network/virtualNetworks/bami-vnet",
    );
    const subnet = `${vnet}/subnets/compute`;
    scenario.resources.push(
      {
        id: vnet,
        name: "bami-vnet",
        type: "Microsoft.Network/virtualNetworks",
        location: FOUNDRY.location,
        properties: {
          addressSpace: { addressPrefixes: ["10.3.0.0/16"] },
          subnets: [
            {
              id: subnet,
              name: "compute",
              properties: {
                addressPrefix: "10.3.1.0/24",
                serviceEndpoints: [
                  { service: "Microsoft.Storage", locations: [FOUNDRY.location], provisioningState: "Succeeded" },
                  {
                    service: "Microsoft.ContainerRegistry",
                    locations: [FOUNDRY.location],
                    provisioningState: "Succeeded",
                  },
                ],
              },
            },
          ],
          virtualNetworkPeerings: [],
        },
      },
      {
        id: `${HUB_ID}/computes/cpu-build`,
        name: "cpu-build",
        type: "Microsoft.MachineLearningServices/workspaces/computes",
        location: FOUNDRY.location,
        properties: {
          computeType: "AmlCompute",
          provisioningState: "Succeeded",
          computeLocation: FOUNDRY.location,
          properties: { vmSize: "Standard_DS3_v2", subnet: { id: subnet }, enableNodePublicIp: true },
        },
      },
    );
    resource(scenario, HUB_ID).properties.managedNetwork = { isolationMode: "Disabled" };
    serviceEndpointsOnly(resource(scenario, HUB_STORAGE_ID), [subnet], { state: "Succeeded" });
    serviceEndpointsOnly(resource(scenario, HUB_ACR_ID), [subnet]);
    const audit = await auditProject(scenario);
    expect(audit.check("acr-vnet-image-build").status).toBe("fail");
    const steps = audit.report.fixPlan?.steps.flatMap((step) => step.commands) ?? [];
    const where = `-g ${FOUNDRY.resourceGroup} --subscription ${FOUNDRY.subscriptionId}`;
    expect(steps).toContain(`az ml workspace update -n ${FOUNDRY.hub} ${where} --image-build-compute cpu-build`);
    expect(steps.join("\n")).not.toContain(FOUNDRY.project);
  });
});

describe("a fleet groups projects under their hub", () => {
  const scope = (via: FleetScope["via"]): FleetScope => ({
    subscriptions: [FOUNDRY.subscriptionId],
    managementGroups: [],
    resourceGroups: [],
    tags: [],
    via,
  });

  async function fleetOf(via: FleetScope["via"]) {
    const scenario = foundryScenario();
    const second = addProject(scenario, "bami-project-two");
    const fake = await startFakeArm(scenario);
    try {
      const { reader, redactor } = testReader(fake);
      const reports: Report[] = [];
      const settings = { toolVersion: "0.0.0-test", durationMs: 0 };
      await collectFleet({
        reader,
        redactor,
        scope: scope(via),
        parts: [...new Set(CHECKS.flatMap((check) => check.requires))] as PartName[],
        readKeys: true,
        toolVersion: "0.0.0-test",
        workspaceConcurrency: 4,
        now: () => new Date(NOW),
        onSnapshot: (snapshot) => reports.push(buildReport(snapshot, CHECKS, { ...settings, startedAt: NOW })),
        onUnreadable: (target, reason) => {
          throw new Error(`${target.workspace} unreadable: ${reason}`);
        },
      });
      const fleet = buildFleetReport(reports, {
        ...settings,
        ticket: null,
        startedAt: NOW,
        scope: scope(via),
        collection: { requests: { resourceGraph: 0, arm: 0 }, resourceGraph: { queries: 0, rows: 0 }, errors: [] },
      });
      return { fleet, second, requests: [...fake.requests] };
    } finally {
      await fake.close();
    }
  }

  test.each(["arm", "resource-graph"] as const)(
    "via %s: the hub is read once for itself and both projects",
    async (via) => {
      const { fleet, second, requests } = await fleetOf(via);
      const hubGets = requests.filter((request) => request.method === "GET" && request.path.split("?")[0] === HUB_ID);
      expect(hubGets).toHaveLength(1);
      expect(fleet.summary.workspaces).toBe(3);
      const hubStatus = fleet.workspaces.find((report) => report.target.workspaceId === HUB_ID);
      expect(fleet.hubs).toEqual([
        {
          id: HUB_ID,
          name: FOUNDRY.hub,
          subscriptionId: FOUNDRY.subscriptionId,
          resourceGroup: FOUNDRY.resourceGroup,
          status: hubStatus && workspaceStatus(hubStatus),
          projects: [PROJECT_ID, second],
        },
      ]);
      // Each project is judged as its hub is.
      for (const project of fleet.workspaces.filter((report) => report.target.hub))
        expect(verdicts(project)).toEqual(verdicts(hubStatus as Report));
    },
  );

  test("text, Markdown and JSON show the projects under their hub", async () => {
    const { fleet } = await fleetOf("arm");
    const text = renderFleet("text", fleet, DEFAULT_RENDER_OPTIONS);
    const lines = text.split("\n");
    const heading = lines.indexOf("Foundry hubs and their projects (1 hub, 2 projects):");
    expect(heading).toBeGreaterThan(0);
    const [hubLine, first, second] = lines.slice(heading + 1, heading + 4);
    expect(hubLine).toBe(`  ✗ fail    ${FOUNDRY.hub} (${FOUNDRY.resourceGroup})`);
    expect(first).toMatch(/^ {6}✗ fail {4}bami-project-test \(rg-bami-test\) {2}fail: acr-vnet-image-build\b/);
    expect(second).toMatch(/^ {6}✗ fail {4}bami-project-two \(rg-bami-test\) {2}fail: acr-vnet-image-build\b/);
    const markdown = renderFleet("markdown", fleet, DEFAULT_RENDER_OPTIONS);
    expect(markdown).toContain("## Foundry hubs and their projects");
    expect(markdown).toMatch(
      new RegExp(
        `- hub \`${FOUNDRY.hub}\` .*\\n  - project \`bami-project-test\` .*\\n  - project \`bami-project-two\``,
      ),
    );
    const reportSchema = JSON.parse(await readFile(join(ROOT, "reports/report.schema.json"), "utf8")) as object;
    const fleetSchema = JSON.parse(await readFile(join(ROOT, "reports/fleet-report.schema.json"), "utf8")) as object;
    const validate = new Ajv({ strict: false, allErrors: true }).addSchema(reportSchema).compile(fleetSchema);
    const json: unknown = JSON.parse(renderFleet("json", fleet, DEFAULT_RENDER_OPTIONS));
    expect(validate(json), JSON.stringify(validate.errors)).toBe(true);
    expect((json as { hubs: unknown[] }).hubs).toHaveLength(1);
  });
});
