// Pure network logic: CIDR math, service-tag coverage, NSG rule evaluation.
export * from "./cidr.js";
export * from "./service-tags.js";
export * from "./nsg.js";
