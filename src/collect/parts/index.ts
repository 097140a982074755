// Every snapshot part and its reader. Adding a part: its name in src/snapshot/types.ts (PART_NAMES),
// a reader here, its view in src/engine/parts.ts (docs/architecture.md walks through it).

import type { PartName } from "../../snapshot/types.js";
import computes from "./computes.js";
import type { PartReader } from "./define.js";
import diagnose from "./diagnose.js";
import dnsForwarders from "./dns-forwarders.js";
import keyVault from "./key-vault.js";
import keys from "./keys.js";
import networkSecurityGroups from "./network-security-groups.js";
import privateDns from "./private-dns.js";
import privateEndpointTypes from "./private-endpoint-types.js";
import privateEndpoints from "./private-endpoints.js";
import registry from "./registry.js";
import routeTables from "./route-tables.js";
import storage from "./storage.js";
import virtualNetworks from "./virtual-networks.js";
import workspace from "./workspace.js";

export const PART_READERS: Readonly<Record<PartName, PartReader>> = {
  workspace,
  storage,
  registry,
  keyVault,
  computes,
  privateEndpoints,
  virtualNetworks,
  networkSecurityGroups,
  privateEndpointTypes,
  keys,
  routeTables,
  privateDns,
  dnsForwarders,
  diagnose,
};
