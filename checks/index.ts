// The registry of checks: the only list. Ids are permanent (see docs/checks/).

import type { Check } from "../src/engine/types.js";
import acrVnetImageBuild from "./acr-vnet-image-build.js";
import keySync from "./key-sync.js";
import privateEndpointRegion from "./private-endpoint-region.js";
import serviceTagsOutbound from "./service-tags-outbound.js";
import subnetColocation from "./subnet-colocation.js";
import requiredOutbound from "./required-outbound.js";
import forcedTunneling from "./forced-tunneling.js";
import privateDns from "./private-dns.js";
import trustedAccess from "./trusted-access.js";
import registryPolicies from "./registry-policies.js";
import managedNetwork from "./managed-network.js";
import computeRegion from "./compute-region.js";
import workspaceDiagnose from "./workspace-diagnose.js";

export const CHECKS: readonly Check[] = [
  subnetColocation,
  privateEndpointRegion,
  acrVnetImageBuild,
  serviceTagsOutbound,
  keySync,
  requiredOutbound,
  forcedTunneling,
  privateDns,
  trustedAccess,
  registryPolicies,
  managedNetwork,
  computeRegion,
  workspaceDiagnose,
];

export function findCheck(id: string): Check | undefined {
  return CHECKS.find((check) => check.id === id);
}
