// The cause of a build whose downloads timed out or lost their connection.

import { unique, type CauseDefinition } from "./cause.js";
import type { LogLine } from "./log.js";

/** Microsoft's and the workspace's registries: what the NSG service-tag checks are about. */
const AZURE_REGISTRY_HOST = /(?:^|\.)(?:azurecr\.(?:io|cn|us)|mcr\.microsoft\.com|data\.mcr\.microsoft\.com)$/i;

const PIP_RETRY = /^WARNING: Retrying \(Retry\(total=\d+/;
const NETWORK_ERROR =
  /ECONNRESET|ReadTimeoutError|Read timed out|Connection broken|ConnectTimeoutError|Connection reset by peer|CondaHTTPError: HTTP 000 CONNECTION FAILED|TLS handshake timeout|\bi\/o timeout\b|Connection timed out|The read operation timed out/i;
const URL_HOST = /https?:\/\/([^/\s:'"]+)|host='([^']+)'|HTTPSConnectionPool\(host='([^']+)'/;

/** Lines where a download timed out or its connection broke; pip's retries are marked. */
function networkErrorLines(lines: readonly LogLine[]): { line: LogLine; retried: boolean }[] {
  return lines.flatMap((line) =>
    NETWORK_ERROR.test(line.content) ? [{ line, retried: PIP_RETRY.test(line.content) }] : [],
  );
}

export const networkTimeout: CauseDefinition = {
  id: "network-timeout",
  title: "A download timed out or its connection broke",
  status: "fail",
  fix:
    "Rebuild once: these are often transient. If it repeats, install from a mirror or another feed (pip --index-url / " +
    "--extra-index-url, another conda channel), update pip and conda in the image, pin a pip version without known network " +
    "issues, and in a custom Dockerfile raise the timeouts (PIP_DEFAULT_TIMEOUT=100, `pip --retries 10`, " +
    "`conda config --set remote_read_timeout_secs 120`).",
  find(lines, outcome) {
    // A retry that then went through is noise in a build that succeeded; after a failure it is the lead.
    if (outcome === "succeeded") return [];
    const errors = networkErrorLines(lines);
    const fatal = errors.filter((error) => !error.retried);
    if (fatal.length === 0 && outcome !== "failed") return [];
    const first = errors[0];
    if (!first) return [];
    const hosts = unique(
      errors.flatMap(({ line }) => {
        const match = URL_HOST.exec(line.content);
        const host = match?.[1] ?? match?.[2] ?? match?.[3];
        return host ? [host] : [];
      }),
    );
    // A registry that times out from inside a VNet is usually the network, not the registry: an NSG or
    // a route in the way of MicrosoftContainerRegistry / AzureFrontDoor.FirstParty or the workspace's registry.
    const registries = hosts.filter((host) => AZURE_REGISTRY_HOST.test(host));
    return [
      {
        line: first.line.line,
        ...(registries.length > 0
          ? {
              related: ["service-tags-outbound", "required-outbound", "forced-tunneling"],
              fix:
                `The build could not reach ${registries.join(", ")}. From a VNet, that is usually the network: the NSG on the image-build ` +
                "compute's subnet must allow TCP 443 out to MicrosoftContainerRegistry and AzureFrontDoor.FirstParty (and the workspace's " +
                "registry), and a route table must not send that traffic to an appliance that drops it.",
            }
          : {}),
        message:
          `The build's downloads timed out or lost their connection (${errors.length} line${errors.length === 1 ? "" : "s"}` +
          `${errors.some((error) => error.retried) ? `, ${errors.filter((error) => error.retried).length} pip retries` : ""})` +
          `${hosts.length > 0 ? ` talking to ${hosts.join(", ")}` : ""}.`,
        evidence: {
          lines: errors
            .map((error) => error.line.line)
            .slice(0, 20)
            .map(String),
          ...(hosts.length > 0 ? { hosts } : {}),
        },
      },
    ];
  },
};
