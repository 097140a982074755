// The causes of a build that a container registry refused: credentials, a missing image, a host
// that does not resolve.

import { sh } from "../../core/visible.js";
import type { CauseDefinition, CauseMatch } from "./cause.js";
import type { LogLine } from "./log.js";

const REGISTRY_HOST =
  /\b(?:[a-z0-9]+(?:\.[a-z0-9-]+)*\.azurecr\.(?:io|cn|us)|mcr\.microsoft\.com|(?:registry-1\.|index\.)?docker\.io)\b/i;

function registryHostNear(lines: readonly LogLine[], index: number): string | undefined {
  for (const offset of [0, -1, 1, -2, 2, -3, 3, -4, -5, -6]) {
    const host = REGISTRY_HOST.exec(lines[index + offset]?.content ?? "")?.[0];
    if (host) return host.toLowerCase();
  }
  return undefined;
}

export const registryUnauthorized: CauseDefinition = {
  id: "registry-unauthorized",
  title: "The workspace's registry refused its credentials",
  status: "fail",
  related: ["key-sync"],
  fix:
    "The registry refused the credentials the workspace holds: if the registry's admin password was regenerated, run " +
    "`az ml workspace sync-keys -n <workspace> -g <resource-group>` and rebuild; `preflight --workspace <workspace> --only key-sync` " +
    "compares them without changing anything.",
  find(lines) {
    const found: CauseMatch[] = [];
    lines.forEach((entry, index) => {
      if (found.length > 0) return;
      if (!/unauthorized: authentication required|\bunauthorized: |\b401 Unauthorized\b/i.test(entry.content)) return;
      const host = registryHostNear(lines, index);
      if (!host) return;
      found.push({
        line: entry.line,
        message: `The registry ${host} answered "unauthorized".`,
        evidence: { registry: host },
      });
    });
    return found;
  },
};

export const imageManifestUnknown: CauseDefinition = {
  id: "image-manifest-unknown",
  title: "The image or tag does not exist in the registry",
  status: "fail",
  fix:
    "The registry has no image with that name and tag: list its tags (`az acr repository show-tags -n <registry> --repository " +
    "<repository>`) and correct the environment's image (tags are case-sensitive; a retention policy may have deleted it).",
  find(lines) {
    const found: CauseMatch[] = [];
    const seen = new Set<string>();
    for (const entry of lines) {
      if (!/manifest unknown/i.test(entry.content)) continue;
      const image =
        /manifest for (\S+) not found/.exec(entry.content)?.[1] ??
        /(?:pull|pulling|FROM)\s+(\S+:\S+)/i.exec(entry.content)?.[1];
      const key = image ?? "";
      if (seen.has(key)) continue;
      seen.add(key);
      found.push({
        line: entry.line,
        message: `The registry has no manifest for ${image ?? "the image"}.`,
        evidence: { ...(image ? { image } : {}) },
        ...(image ? acrTagsFix(image) : {}),
      });
    }
    return found;
  },
};

/** For an image in an Azure container registry or on MCR, the command that lists its tags. */
function acrTagsFix(image: string): { fix: string } | Record<string, never> {
  const [host, ...path] = image.split("/");
  const registry = /^([a-z0-9]+)\.azurecr\./i.exec(host ?? "")?.[1];
  const repository = path.join("/").split(/[:@]/)[0];
  if (host?.toLowerCase() === "mcr.microsoft.com" && repository) {
    return {
      fix: `Microsoft's registry has no such tag: list them with \`${sh`curl -s ${`https://mcr.microsoft.com/v2/${repository}/tags/list`}`}\` and pick an existing one for the environment's image.`,
    };
  }
  if (!registry || !repository) return {};
  return {
    fix: `Check which tags exist, \`${sh`az acr repository show-tags -n ${registry} --repository ${repository}`}\`, and correct the environment's image (tags are case-sensitive; a retention policy may have deleted it).`,
  };
}

export const registryHostUnresolved: CauseDefinition = {
  id: "registry-host-unresolved",
  title: "The registry's host name does not resolve",
  status: "fail",
  related: ["private-dns", "subnet-colocation", "acr-vnet-image-build"],
  fix:
    "The machine building the image cannot resolve the registry: with a private endpoint on the registry, its " +
    "privatelink.azurecr.io zone must be linked to the image-build compute's VNet (or your DNS servers must forward to " +
    "168.63.129.16), and the image-build compute must sit in a VNet that reaches the registry.",
  find(lines) {
    const found: CauseMatch[] = [];
    const seen = new Set<string>();
    for (const entry of lines) {
      const match =
        /lookup ([^\s:]+)(?: on [^\s:]+(?::\d+)?)?: (no such host|server misbehaving)/.exec(entry.content) ??
        /Could not resolve host: ([^\s;]+)()/.exec(entry.content);
      const host = match?.[1]?.toLowerCase();
      if (!host || !REGISTRY_HOST.test(host) || seen.has(host)) continue;
      seen.add(host);
      found.push({
        line: entry.line,
        message: `The registry host ${host} did not resolve${match?.[2] ? ` (${match[2]})` : ""}.`,
        evidence: { host },
      });
    }
    return found;
  },
};
