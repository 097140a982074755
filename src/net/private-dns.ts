// Private DNS for private endpoints: which zones each endpoint's group ID needs (public-cloud names,
// Learn: private-link/private-endpoint-dns), Azure's own resolver, and the `az` commands that create
// zone groups and VNet links. Pure knowledge; the private-dns check judges with it.

import { sh, type ShellWords } from "../core/visible.js";
import { nameOf, resourceGroupOf } from "../snapshot/ids.js";

/** Azure's recursive resolver: the only one that answers from private DNS zones. */
export const AZURE_DNS = "168.63.129.16";

/** What owns a private endpoint: the workspace or one of its dependencies. */
export type OwnerKind = "workspace" | "storage" | "registry" | "keyVault";

/** A zone an endpoint needs: the names that satisfy it, and the public zones a custom DNS server must forward. */
export interface NeededZone {
  name: string;
  accepts: string[];
  forward: string[];
}

const zone = (
  name: string,
  forward: string[] = [name.replace("privatelink.", "")],
  accepts: string[] = [],
): NeededZone => ({ name, accepts, forward });

/** Storage sub-resources (primary and secondary) and their zones (Learn: private-link/private-endpoint-dns). */
const STORAGE_SERVICES = ["blob", "file", "queue", "table", "dfs", "web"];

/** The zones each group ID needs, by owner; public-cloud names only. */
export function zonesFor(kind: OwnerKind, groupId: string, registryRegion: string): NeededZone[] | undefined {
  const group = groupId.toLowerCase();
  switch (kind) {
    case "workspace":
      return group === "amlworkspace"
        ? [
            zone("privatelink.api.azureml.ms", ["api.azureml.ms", "instances.azureml.ms", "inference.ml.azure.com"]),
            zone("privatelink.notebooks.azure.net", ["notebooks.azure.net", "aznbcontent.net"]),
          ]
        : undefined;
    case "storage": {
      const service = group.replace(/_secondary$/, "");
      return STORAGE_SERVICES.includes(service) ? [zone(`privatelink.${service}.core.windows.net`)] : undefined;
    }
    case "registry": {
      if (group !== "registry") return undefined;
      const registryZone = zone("privatelink.azurecr.io");
      if (!registryRegion) return [registryZone];
      // The data endpoint's records (<registry>.<region>.data) may live in privatelink.azurecr.io itself.
      return [
        registryZone,
        zone(
          `${registryRegion}.data.privatelink.azurecr.io`,
          [`${registryRegion}.data.azurecr.io`],
          ["privatelink.azurecr.io"],
        ),
      ];
    }
    case "keyVault":
      return group === "vault"
        ? [zone("privatelink.vaultcore.azure.net", ["vault.azure.net", "vaultcore.azure.net"])]
        : undefined;
  }
}

/** The one group ID a workspace, registry or key vault endpoint can have; storage has several. */
export const ONLY_GROUP: Partial<Record<OwnerKind, string>> = {
  workspace: "amlworkspace",
  registry: "registry",
  keyVault: "vault",
};

/** The az command that links a private DNS zone to a VNet (registration off); the VNet may be a placeholder. */
export function linkCommand(
  zoneId: string,
  zoneName: string,
  vnetId: string | ShellWords,
  linkName = `${typeof vnetId === "string" ? nameOf(vnetId) : "vnet"}-link`,
): string {
  return sh`az network private-dns link vnet create -g ${resourceGroupOf(zoneId)} -z ${zoneName} -n ${linkName} -v ${vnetId} -e false`;
}

/** The zone to create or add for a need: the shared one when another zone satisfies it (the registry's data records). */
export function remedyZone(need: NeededZone): string {
  return need.accepts[0] ?? need.name;
}

/** Creates the zone group with the first zone (name or ID) and adds the rest; only adds when `existing`. */
export function zoneGroupCommands(
  rg: string,
  endpoint: string,
  group: string,
  zones: string[],
  existing = false,
): string[] {
  return zones.map((zone, index) => {
    const verb = index === 0 && !existing ? "create" : "add";
    return sh`az network private-endpoint dns-zone-group ${verb} -g ${rg} --endpoint-name ${endpoint} -n ${group} --private-dns-zone ${zone} --zone-name ${configName(zone)}`;
  });
}

/** The zone configuration's name in a zone group, as the portal names it. */
function configName(zone: string): string {
  return nameOf(zone).replace(/\./g, "-");
}
