// The registry of checks: the only list. Ids are permanent (see docs/checks/).

import type { Check } from "../src/engine/types.js";
import acrVnetImageBuild from "./acr-vnet-image-build.js";
import keySync from "./key-sync.js";
import privateEndpointRegion from "./private-endpoint-region.js";
import serviceTagsOutbound from "./service-tags-outbound.js";
import subnetColocation from "./subnet-colocation.js";

export const CHECKS: readonly Check[] = [
  subnetColocation,
  privateEndpointRegion,
  acrVnetImageBuild,
  serviceTagsOutbound,
  keySync,
];

export function findCheck(id: string): Check | undefined {
  return CHECKS.find((check) => check.id === id);
}
