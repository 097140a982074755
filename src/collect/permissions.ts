// The Azure RBAC action each read needs, named in a 403 so the fix is one role assignment away.

export const READ_PERMISSIONS = {
  "workspace get": "Microsoft.MachineLearningServices/workspaces/read",
  "workspaces list": "Microsoft.MachineLearningServices/workspaces/read",
  "computes list": "Microsoft.MachineLearningServices/workspaces/computes/read",
  "workspace listKeys": "Microsoft.MachineLearningServices/workspaces/listKeys/action",
  "storage get": "Microsoft.Storage/storageAccounts/read",
  "storage listKeys": "Microsoft.Storage/storageAccounts/listKeys/action",
  "registry get": "Microsoft.ContainerRegistry/registries/read",
  "registry listCredentials": "Microsoft.ContainerRegistry/registries/listCredentials/action",
  "key vault get": "Microsoft.KeyVault/vaults/read",
  "private endpoint get": "Microsoft.Network/privateEndpoints/read",
  "virtual network get": "Microsoft.Network/virtualNetworks/read",
  "network security group get": "Microsoft.Network/networkSecurityGroups/read",
  "network security groups list": "Microsoft.Network/networkSecurityGroups/read",
  "availablePrivateEndpointTypes list": "Microsoft.Network/locations/availablePrivateEndpointTypes/read",
  "route table get": "Microsoft.Network/routeTables/read",
  "private DNS zone groups list": "Microsoft.Network/privateEndpoints/privateDnsZoneGroups/read",
  "private DNS zone get": "Microsoft.Network/privateDnsZones/read",
  "virtual network links list": "Microsoft.Network/privateDnsZones/virtualNetworkLinks/read",
  "azure firewalls list": "Microsoft.Network/azureFirewalls/read",
  "firewall policy get": "Microsoft.Network/firewallPolicies/read",
  "DNS resolvers list": "Microsoft.Network/dnsResolvers/read",
  "inbound endpoints list": "Microsoft.Network/dnsResolvers/inboundEndpoints/read",
  "workspace diagnose": "Microsoft.MachineLearningServices/workspaces/diagnose/action",
  // Resource Graph returns only what the caller may read; the query itself needs this on the tenant.
  "resource graph query": "Microsoft.ResourceGraph/resources/read",
} as const;

export type Operation = keyof typeof READ_PERMISSIONS;
