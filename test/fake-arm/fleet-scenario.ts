// A deterministic fleet of VNet-secured Azure ML workspaces for the fake ARM: N workspaces spread over
// subscriptions and resource groups, each laid out like examples/healthy-workspace.json, with an exact,
// seeded share of them given each seed check's failure the way a real misconfiguration looks.
//
// Layout, as platform teams build it (and as the fleet sweep must cope with):
// - Each resource group holds one VNet (shared "training" compute subnet, one "private-endpoints"
//   subnet, per-workspace subnets for some workspaces), one NSG, one route table and one NAT gateway,
//   all shared by its workspaces.
// - The privatelink.* DNS zones live once, in the "rg-connectivity" resource group of the first
//   subscription, linked to every VNet of the fleet.
// - Each workspace owns a storage account, a Premium registry, a key vault, one or two AmlCompute clusters
//   (cpu-build is its imageBuildCompute) and private endpoints (with zone groups) for all four.
//
// The modules: fleet-network.ts (each resource group's network), fleet-dns.ts (the central zones),
// fleet-workspace.ts (a workspace and its dependencies), fleet-failures.ts (which workspace gets which
// failure); this file spreads the workspaces over the resource groups and assembles the scenario.
//
// Everything random comes from a seeded PRNG: the same options give a byte-identical scenario.

import { addPrivateDns } from "./fleet-dns.js";
import { PlantedFailures, SEED_FAILURES, type FailureShare, type SeedFailure } from "./fleet-failures.js";
import { addGroupNetworks, DR_REGION, planResourceGroups, type ResourceGroupPlan } from "./fleet-network.js";
import {
  addWorkspace,
  dependencyOwner,
  type DependencyOwner,
  type FleetSink,
  type FleetWorkspace,
} from "./fleet-workspace.js";
import { deterministicGuid, hash32, rng } from "./random.js";
import type { Scenario } from "./scenario.js";

export interface FleetScenarioOptions {
  workspaces: number;
  /** Subscription IDs are deterministic GUIDs that depend only on the subscription's index. */
  subscriptions: number;
  /** Default 4. */
  resourceGroupsPerSubscription?: number;
  /** Default 1; same options → byte-identical scenario. */
  seed?: number;
  /** Share (0..1) of workspaces given each seed failure; default 0.1 each. */
  failureShare?: FailureShare;
  /**
   * Workspaces per storage account and registry (default 1: each its own). With more, each resource group's
   * workspaces go in blocks of this many, sharing the first one's; subnet-colocation is then never planted
   * (it is planted in the storage account's own network rules, which a shared account cannot hold for one
   * workspace alone).
   */
  sharedDependencies?: number;
}

export interface FleetScenario {
  scenario: Scenario;
  workspaces: FleetWorkspace[];
}

const DEFAULT_RESOURCE_GROUPS = 4;

/** Subscriptions with an even index are prod, odd ones dev; a workspace's `env` tag is its subscription's. */
export const MANAGEMENT_GROUPS = { prod: "mg-ml-prod", dev: "mg-ml-dev", all: "mg-ml-all" } as const;

const ENDPOINT_TYPES = [
  "Microsoft.MachineLearningServices/workspaces",
  "Microsoft.Storage/storageAccounts",
  "Microsoft.ContainerRegistry/registries",
  "Microsoft.KeyVault/vaults",
  "Microsoft.Sql/servers",
  "Microsoft.Web/sites",
];

function validate(options: FleetScenarioOptions): void {
  const positive = (name: string, value: unknown) => {
    if (typeof value !== "number" || !Number.isInteger(value) || value < 1)
      throw new Error(`${name} must be a positive integer, got ${String(value)}`);
  };
  positive("workspaces", options.workspaces);
  positive("subscriptions", options.subscriptions);
  if (options.resourceGroupsPerSubscription !== undefined)
    positive("resourceGroupsPerSubscription", options.resourceGroupsPerSubscription);
  if (options.sharedDependencies !== undefined) positive("sharedDependencies", options.sharedDependencies);
  if ((options.sharedDependencies ?? 1) > 1 && (options.failureShare?.["subnet-colocation"] ?? 0) > 0)
    throw new Error("subnet-colocation cannot be planted with sharedDependencies above 1 (a shared storage account)");
  if (options.seed !== undefined && (typeof options.seed !== "number" || !Number.isInteger(options.seed)))
    throw new Error(`seed must be an integer, got ${String(options.seed)}`);
  for (const [failure, share] of Object.entries(options.failureShare ?? {})) {
    if (!SEED_FAILURES.includes(failure as SeedFailure))
      throw new Error(`failureShare: unknown seed failure "${failure}" (known: ${SEED_FAILURES.join(", ")})`);
    if (typeof share !== "number" || !(share >= 0 && share <= 1))
      throw new Error(`failureShare["${failure}"] must be between 0 and 1, got ${String(share)}`);
  }
}

/** The subscription ID of the fleet's subscription number `index` (0-based): the same for every seed. */
export function fleetSubscriptionId(index: number): string {
  return deterministicGuid(`aml-preflight fleet subscription ${index}`);
}

/** The scenario around the fleet's resources and actions: endpoint types per region, management groups. */
function fleetScenario(sink: FleetSink, subscriptionIds: string[]): Scenario {
  const prodSubscriptions = subscriptionIds.filter((_, index) => index % 2 === 0);
  const devSubscriptions = subscriptionIds.filter((_, index) => index % 2 === 1);
  const fullTypes = ENDPOINT_TYPES;
  return {
    resources: sink.resources,
    actions: sink.actions,
    privateEndpointTypes: {
      westeurope: fullTypes,
      northeurope: fullTypes,
      [DR_REGION]: fullTypes.filter((type) => type !== "Microsoft.KeyVault/vaults"),
    },
    managementGroups: {
      [MANAGEMENT_GROUPS.prod]: prodSubscriptions,
      ...(devSubscriptions.length > 0 ? { [MANAGEMENT_GROUPS.dev]: devSubscriptions } : {}),
      [MANAGEMENT_GROUPS.all]: subscriptionIds,
    },
    faults: [],
  };
}

export function generateFleetScenario(options: FleetScenarioOptions): FleetScenario {
  validate(options);
  const n = options.workspaces;
  const groupsPerSubscription = options.resourceGroupsPerSubscription ?? DEFAULT_RESOURCE_GROUPS;
  const seed = options.seed ?? 1;

  const sharing = options.sharedDependencies ?? 1;
  // Which workspaces get which failure: one stream per failure, so one share's change leaves the others be.
  const failureShare = sharing > 1 ? { ...options.failureShare, "subnet-colocation": 0 } : options.failureShare;
  const failures = new PlantedFailures(n, failureShare, seed);
  const random = rng(hash32(`${seed}:layout`));

  const subscriptionIds = Array.from({ length: options.subscriptions }, (_, index) => fleetSubscriptionId(index));
  const dnsSubscriptionId = subscriptionIds[0] as string;
  const groups = planResourceGroups(subscriptionIds, groupsPerSubscription);

  const sink: FleetSink = { resources: [], actions: {} };
  const workspaces: FleetWorkspace[] = [];
  const width = Math.max(4, String(n).length);
  /** With shared dependencies: each block's owner, by the owner's index. */
  const owners = new Map<number, DependencyOwner>();
  const stride = options.subscriptions * groupsPerSubscription;
  for (let index = 0; index < n; index++) {
    const group = groups[
      (index % options.subscriptions) * groupsPerSubscription +
        (Math.floor(index / options.subscriptions) % groupsPerSubscription)
    ] as ResourceGroupPlan;
    const slot = { index, group, width, failures, random, dnsSubscriptionId };
    if (sharing === 1) {
      workspaces.push(addWorkspace(sink, slot));
      continue;
    }
    // Workspaces of one resource group are `stride` apart: the block's first is its owner.
    const ownerIndex = index - (Math.floor(index / stride) % sharing) * stride;
    const from = sink.resources.length;
    const workspace = addWorkspace(sink, { ...slot, sharing: { owner: owners.get(ownerIndex) } });
    if (ownerIndex === index) owners.set(index, dependencyOwner(sink, workspace, from));
    workspaces.push(workspace);
  }

  // The resource groups' shared network, now that every workspace has added its subnets.
  const vnetIds = addGroupNetworks(sink.resources, groups);
  // Central private DNS: each zone once, linked to every VNet of the fleet.
  addPrivateDns(sink.resources, dnsSubscriptionId, vnetIds, n);
  return { scenario: fleetScenario(sink, subscriptionIds), workspaces };
}
