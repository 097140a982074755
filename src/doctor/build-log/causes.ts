// The causes `preflight build-log` recognises: one entry each, metadata and matcher together.
// Patterns are the tools' own words (pip, conda, docker, ACR); fixes follow Azure ML's guidance for
// image build failures. Ids are permanent: pipelines and tickets filter on them.

import { packageName, type LogLine, type Outcome } from "./log.js";

export const CAUSE_IDS = [
  "network-timeout",
  "conda-package-not-found",
  "pip-package-not-found",
  "pip-distutils-uninstall",
  "pip-hash-mismatch",
  "conda-pip-not-listed",
  "pip-resolver-backtracking",
  "pip-dependency-conflict",
  "conda-lock-wait",
  "registry-unauthorized",
  "image-manifest-unknown",
  "registry-host-unresolved",
] as const;
type CauseId = (typeof CAUSE_IDS)[number];

/** One place a cause shows in the log. */
export interface CauseMatch {
  line: number;
  /** Last line of the block that belongs to it (a list of packages, a hash table). */
  end?: number;
  message: string;
  packages?: string[];
  evidence?: Record<string, string | number | boolean | string[]>;
  /** A fix naming this match's specifics; else the cause's generic fix. */
  fix?: string;
  /** Audit checks for this match when they differ from the cause's (a timeout talking to a registry). */
  related?: readonly string[];
}

export interface CauseDefinition {
  id: CauseId;
  /** The cause in a few words. */
  title: string;
  status: "fail" | "warn";
  fix: string;
  /** Audit checks that look at a service-side cause (`preflight --workspace ... --only <these>`). */
  related?: readonly string[];
  find(lines: readonly LogLine[], outcome: Outcome): CauseMatch[];
}

/** Microsoft's and the workspace's registries: what the NSG service-tag checks are about. */
const AZURE_REGISTRY_HOST = /(?:^|\.)(?:azurecr\.(?:io|cn|us)|mcr\.microsoft\.com|data\.mcr\.microsoft\.com)$/i;
const REGISTRY_HOST =
  /\b(?:[a-z0-9]+(?:\.[a-z0-9-]+)*\.azurecr\.(?:io|cn|us)|mcr\.microsoft\.com|(?:registry-1\.|index\.)?docker\.io)\b/i;

/** Lines of a block that follows a header: indented list items, up to the first line that is neither. */
function listAfter(lines: readonly LogLine[], headerIndex: number, item: RegExp): { items: string[]; end: number } {
  const items: string[] = [];
  let end = lines[headerIndex]?.line ?? 0;
  for (let index = headerIndex + 1; index < lines.length; index += 1) {
    const entry = lines[index];
    if (!entry) break;
    const match = item.exec(entry.content);
    if (match?.[1]) {
      items.push(match[1]);
      end = entry.line;
      continue;
    }
    // Conda puts a blank line between its header and the list.
    if (entry.content.trim() === "" && items.length === 0) continue;
    break;
  }
  return { items, end };
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

// --- network ---------------------------------------------------------------------------------

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

const networkTimeout: CauseDefinition = {
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

// --- conda -----------------------------------------------------------------------------------

const condaPackageNotFound: CauseDefinition = {
  id: "conda-package-not-found",
  title: "Conda found no package for a listed dependency",
  status: "fail",
  fix:
    "The packages listed are not in the channels the environment names, at that version, for linux-64: check each name and " +
    "version (`conda search -c <channel> <name>`), add the channel that has it (`channels:` or `channel::name`), loosen the " +
    "pin, or move a PyPI-only package to the `pip:` section.",
  find(lines) {
    const found: CauseMatch[] = [];
    lines.forEach((entry, index) => {
      if (
        /^\s*(?:ResolvePackageNotFound:|PackagesNotFoundError: The following packages are not available from current channels:)/.test(
          entry.content,
        )
      ) {
        const { items, end } = listAfter(lines, index, /^\s*-\s+(\S+)/);
        const packages = unique(items.map(packageName));
        found.push({
          line: entry.line,
          end,
          packages,
          message: `Conda could not find ${packages.length > 0 ? packages.join(", ") : "the listed packages"} in the environment's channels.`,
          evidence: { specs: items },
        });
        return;
      }
      // libmamba: "└─ foo 9.9** does not exist (perhaps a typo or a missing channel)."
      const mamba =
        /(?:└─|^\s*-)\s*(\S+)(?:\s+\S+)?\s+does not exist \(perhaps a typo or a missing channel\)/.exec(
          entry.content,
        ) ?? /nothing provides requested (\S+)/.exec(entry.content);
      if (mamba?.[1]) {
        const name = packageName(mamba[1]);
        found.push({
          line: entry.line,
          packages: [name],
          message: `Conda's solver found no package ${name} in the environment's channels.`,
          evidence: { spec: entry.content.trim() },
        });
      }
    });
    return found;
  },
};

const condaPipNotListed: CauseDefinition = {
  id: "conda-pip-not-listed",
  title: "Pip dependencies are listed but pip itself is not",
  status: "warn",
  fix: "Add pip to the conda dependencies with a pinned version (e.g. `- pip=23.3.1`) next to the `- pip:` list, so conda installs the pip that installs them.",
  find(lines) {
    return lines.flatMap((entry) =>
      /you have pip-installed dependencies in your environment file, but you do not list pip itself/i.test(
        entry.content,
      )
        ? [
            {
              line: entry.line,
              message:
                "Conda warned that the environment lists pip dependencies without pip: it used whatever pip it had.",
            },
          ]
        : [],
    );
  },
};

const condaLockWait: CauseDefinition = {
  id: "conda-lock-wait",
  title: "Conda waited on a lock left by another operation",
  status: "fail",
  fix:
    "A build that crashed left its conda lock behind, and this one waits on it for ever. Delete the lock file the log names " +
    "(Azure ML's is ~/.azureml/locks/azureml_conda_lock) and build again; in a custom Dockerfile, never run two conda commands at once.",
  find(lines) {
    const waits = lines.filter((entry) => /Waiting for other conda operations to finish/i.test(entry.content));
    const first = waits[0];
    if (!first) return [];
    // Azure ML prints "Delete <path> to override." beside the wait.
    const lockLine = lines.find((entry) => /Delete \S+ to override/.test(entry.content));
    const lock = lockLine ? /Delete (\S+) to override/.exec(lockLine.content)?.[1] : undefined;
    return [
      {
        line: first.line,
        ...(lockLine && lockLine.line > first.line && lockLine.line <= first.line + 3 ? { end: lockLine.line } : {}),
        message: `Conda waited for another conda operation to finish (${waits.length} time${waits.length === 1 ? "" : "s"}): a stale lock${lock ? ` (${lock})` : ""}.`,
        evidence: { waits: waits.length, ...(lock ? { lockFile: lock } : {}) },
        ...(lock
          ? { fix: `A build that crashed left its conda lock behind: delete ${lock} (\`rm ${lock}\`) and build again.` }
          : {}),
      },
    ];
  },
};

// --- pip -------------------------------------------------------------------------------------

const COULD_NOT_FIND = /Could not find a version that satisfies the requirement (\S+)((?: \((?:[^()]|\([^()]*\))*\))*)/;
const NO_MATCHING = /No matching distribution found for (\S+)((?: \((?:[^()]|\([^()]*\))*\))*)/;

/** "(from good-package==1.0) (from versions: none)" → the parts. */
function parseFromGroups(groups: string): { pulledInBy?: string; requiredBy?: string; versions?: string } {
  const result: { pulledInBy?: string; requiredBy?: string; versions?: string } = {};
  for (const match of groups.matchAll(/\((?:from versions: ([^)]*)|from ((?:[^()]|\([^()]*\))*))\)/g)) {
    if (match[1] !== undefined) result.versions = match[1];
    else if (match[2] !== undefined) {
      // Older pip names the requirements file instead, "(from -r /tmp/requirements.txt (line 3))", or the
      // chain that led here, "(from azureml-dataprep==2.5.0->-r /tmp/requirements.txt (line 2))".
      const [parent, ...rest] = match[2].split("->");
      const from = rest.length > 0 ? rest.join("->") : undefined;
      if (parent?.startsWith("-r ") || parent?.startsWith("-c ")) result.requiredBy = match[2];
      else {
        if (parent) result.pulledInBy = parent;
        if (from) result.requiredBy = from;
      }
    }
  }
  return result;
}

const pipPackageNotFound: CauseDefinition = {
  id: "pip-package-not-found",
  title: "Pip found no release for a requirement",
  status: "fail",
  fix:
    "Pip found no release matching the requirement for this platform (Linux x86_64) and Python: check the name and version " +
    "(`pip index versions <name>`), correct or loosen the pin, or choose a version that publishes files for this Python.",
  find(lines) {
    const byPackage = new Map<string, CauseMatch>();
    for (const entry of lines) {
      const match = COULD_NOT_FIND.exec(entry.content) ?? NO_MATCHING.exec(entry.content);
      if (!match?.[1]) continue;
      const requirement = match[1];
      const name = packageName(requirement);
      const groups = parseFromGroups(match[2] ?? "");
      const existing = byPackage.get(name.toLowerCase());
      if (existing) {
        // The "No matching distribution" line after "Could not find" adds nothing but its line.
        existing.end = entry.line;
        continue;
      }
      const pulledIn = groups.pulledInBy ? packageName(groups.pulledInBy) : undefined;
      byPackage.set(name.toLowerCase(), {
        line: entry.line,
        packages: pulledIn ? [name, pulledIn] : [name],
        message: pulledIn
          ? `Pip found no release of ${requirement}, which ${groups.pulledInBy} requires.`
          : `Pip found no release of ${requirement}${groups.versions !== undefined ? ` (versions on the index: ${groups.versions || "none"})` : ""}.`,
        evidence: {
          requirement,
          ...(groups.pulledInBy ? { pulledInBy: groups.pulledInBy } : {}),
          ...(groups.requiredBy ? { requiredBy: groups.requiredBy } : {}),
          ...(groups.versions !== undefined ? { versionsOnIndex: groups.versions } : {}),
        },
        ...(pulledIn
          ? {
              fix:
                `${name} is a dependency of ${groups.pulledInBy}, not something the environment lists: pin a version of ${pulledIn} ` +
                `whose dependencies exist, or add ${name} from the index that publishes it (--extra-index-url).`,
            }
          : {}),
      });
    }
    return [...byPackage.values()];
  },
};

const pipDistutilsUninstall: CauseDefinition = {
  id: "pip-distutils-uninstall",
  title: "Pip cannot replace a package installed by conda or distutils",
  status: "fail",
  fix:
    "The package came from conda or the OS (distutils) and pip cannot remove it to install another version: let conda own it " +
    "(list it as a conda dependency at the version pip wants), remove it first (`conda remove <name>`), or in a custom " +
    "Dockerfile install over it with `pip install --ignore-installed <name>`.",
  find(lines) {
    const found: CauseMatch[] = [];
    const seen = new Set<string>();
    lines.forEach((entry, index) => {
      let name: string | undefined;
      const old =
        /Cannot uninstall '([^']+)'\. It is a distutils installed project|Cannot uninstall ([A-Za-z0-9._-]+?)\.? It is a distutils installed project/.exec(
          entry.content,
        );
      if (old) name = old[1] ?? old[2];
      else {
        // pip ≥ 23.1: "error: uninstall-distutils-installed-package", then "× Cannot uninstall PyYAML 5.3.1"
        // (the anchor: it names the package), then "╰─> It is a distutils installed project ...".
        const modern = /^\s*×\s*Cannot uninstall ([A-Za-z0-9._-]+)/.exec(entry.content);
        const nearby = lines
          .slice(Math.max(0, index - 3), index + 3)
          .map((line) => line.content)
          .join("\n");
        if (modern?.[1] && /uninstall-distutils-installed-package|It is a distutils installed project/.test(nearby))
          name = modern[1];
      }
      if (!name || seen.has(name.toLowerCase())) return;
      seen.add(name.toLowerCase());
      found.push({
        line: entry.line,
        end: Math.min(entry.line + 2, lines.length),
        packages: [name],
        message: `Pip cannot uninstall ${name}: it was installed by distutils (conda or the OS), so pip cannot tell which files are its.`,
        fix: `Let conda own ${name} (list it as a conda dependency at the version pip wants) or remove it first with \`conda remove ${name}\`; in a custom Dockerfile, \`pip install --ignore-installed ${name}\`.`,
      });
    });
    return found;
  },
};

const pipHashMismatch: CauseDefinition = {
  id: "pip-hash-mismatch",
  title: "A downloaded file does not match its pinned hash",
  status: "fail",
  fix:
    "If the package was republished or the version changed on purpose, regenerate the hashes (`pip-compile --generate-hashes`, " +
    "`pip hash <file>`). If nothing changed, treat it as possible tampering or a proxy rewriting downloads, and do not remove " +
    "the hashes to get past it.",
  find(lines) {
    const found: CauseMatch[] = [];
    lines.forEach((entry, index) => {
      if (!/THESE PACKAGES DO NOT MATCH THE HASHES FROM THE REQUIREMENTS FILE/.test(entry.content)) return;
      const packages: string[] = [];
      let end = entry.line;
      for (const next of lines.slice(index + 1, index + 40)) {
        const item = /^\s+([A-Za-z0-9_][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==\S+ from /.exec(next.content);
        if (item?.[1]) packages.push(item[1]);
        else if (!/^\s+(?:Expected|Got|sha\d+|\S+ --hash)/.test(next.content) && next.content.trim() !== "") break;
        end = next.line;
      }
      found.push({
        line: entry.line,
        end,
        packages: unique(packages),
        message: `Pip refused ${packages.length > 0 ? unique(packages).join(", ") : "a download"}: the file's hash is not the one the requirements pin.`,
      });
    });
    return found;
  },
};

const pipResolverBacktracking: CauseDefinition = {
  id: "pip-resolver-backtracking",
  title: "Pip's resolver backtracked without end",
  status: "fail",
  fix:
    "Pin the packages pip keeps backtracking over (the ones named) to versions that fit together, and pin pip itself " +
    "(`- pip=<version>` in the conda file), as Azure ML's guidance recommends, so a new resolver release cannot change the result.",
  find(lines) {
    const longer = lines.find((entry) =>
      /This is taking longer than usual\. You might need to provide the dependency resolver with stricter constraints/.test(
        entry.content,
      ),
    );
    // pip < 25.1 raises ResolutionTooDeep; newer pip says "error: resolution-too-deep".
    const tooDeep = lines.find((entry) =>
      /ResolutionTooDeep|error: resolution-too-deep|Dependency resolution exceeded maximum depth/.test(entry.content),
    );
    const anchor = longer ?? tooDeep;
    if (!anchor) return [];
    const packages = unique(
      lines.flatMap((entry) => {
        const match = /pip is looking at multiple versions of (\S+?) to determine which version is compatible/.exec(
          entry.content,
        );
        return match?.[1] ? [packageName(match[1])] : [];
      }),
    );
    return [
      {
        line: anchor.line,
        packages,
        message: `Pip's resolver kept backtracking${packages.length > 0 ? ` over ${packages.join(", ")}` : ""}${tooDeep ? " until it gave up (ResolutionTooDeep)" : ""}.`,
        evidence: { ...(tooDeep ? { resolutionTooDeepLine: tooDeep.line } : {}) },
      },
    ];
  },
};

const pipDependencyConflict: CauseDefinition = {
  id: "pip-dependency-conflict",
  title: "Two requirements need versions that conflict",
  status: "fail",
  fix:
    'Pip\'s "The conflict is caused by" lines say which requirement wants what: loosen one of the pins, or choose versions ' +
    "whose dependencies agree (`pip install --dry-run` locally with the same Python shows the same conflict).",
  find(lines) {
    const cannot = lines.find((entry) =>
      /Cannot install .+ because these package versions have conflicting dependencies/.test(entry.content),
    );
    const impossible = lines.find((entry) => /ResolutionImpossible/.test(entry.content));
    const anchor = cannot ?? impossible;
    if (!anchor) return [];
    const named = cannot ? (/Cannot install (.+?) because these package versions/.exec(cannot.content)?.[1] ?? "") : "";
    // Under conda, pip names the requirements file for the requirements it came from: "-r <file> (line 1)".
    const packages = unique(
      named
        .split(/,\s*|\s+and\s+/)
        .map((part) => part.trim())
        .filter((part) => part !== "" && !/^-[rc]\s/.test(part))
        .map(packageName),
    );
    const causedBy = lines.filter(
      (entry) =>
        entry.line > anchor.line && entry.line < anchor.line + 15 && /^\s+\S+ \S+ depends on /.test(entry.content),
    );
    return [
      {
        line: anchor.line,
        end: causedBy.at(-1)?.line ?? anchor.line,
        packages,
        message: `Pip cannot install ${packages.length > 0 ? packages.join(" and ") : "the requirements"} together: their dependencies conflict.`,
        evidence: { ...(causedBy.length > 0 ? { causedBy: causedBy.map((entry) => entry.content.trim()) } : {}) },
      },
    ];
  },
};

// --- registry --------------------------------------------------------------------------------

function registryHostNear(lines: readonly LogLine[], index: number): string | undefined {
  for (const offset of [0, -1, 1, -2, 2, -3, 3, -4, -5, -6]) {
    const host = REGISTRY_HOST.exec(lines[index + offset]?.content ?? "")?.[0];
    if (host) return host.toLowerCase();
  }
  return undefined;
}

function preflightCommand(checks: readonly string[]): string {
  return `preflight --workspace <workspace> --only ${checks.join(",")}`;
}

const registryUnauthorized: CauseDefinition = {
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

const imageManifestUnknown: CauseDefinition = {
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
      fix: `Microsoft's registry has no such tag: list them with \`curl -s https://mcr.microsoft.com/v2/${repository}/tags/list\` and pick an existing one for the environment's image.`,
    };
  }
  if (!registry || !repository) return {};
  return {
    fix: `Check which tags exist, \`az acr repository show-tags -n ${registry} --repository ${repository}\`, and correct the environment's image (tags are case-sensitive; a retention policy may have deleted it).`,
  };
}

const registryHostUnresolved: CauseDefinition = {
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

export const CAUSES: readonly CauseDefinition[] = [
  networkTimeout,
  condaPackageNotFound,
  pipPackageNotFound,
  pipDistutilsUninstall,
  pipHashMismatch,
  condaPipNotListed,
  pipResolverBacktracking,
  pipDependencyConflict,
  condaLockWait,
  registryUnauthorized,
  imageManifestUnknown,
  registryHostUnresolved,
];

/** The audit checks that look at a match's service-side cause, and the command that runs them. */
export function relatedChecks(
  cause: CauseDefinition,
  match: CauseMatch,
  workspace?: string,
): { checks: string[]; command: string } | undefined {
  const checks = match.related ?? cause.related;
  if (!checks) return undefined;
  const command = preflightCommand(checks);
  return { checks: [...checks], command: workspace ? command.replace("<workspace>", workspace) : command };
}
