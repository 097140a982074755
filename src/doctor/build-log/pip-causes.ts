// The causes of a build that pip stopped: a missing release, a package it cannot replace, a hash
// mismatch, a resolver that backtracks or finds a conflict.

import { unique, type CauseDefinition, type CauseMatch } from "./cause.js";
import { packageName } from "./log.js";

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

export const pipPackageNotFound: CauseDefinition = {
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

export const pipDistutilsUninstall: CauseDefinition = {
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

export const pipHashMismatch: CauseDefinition = {
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

export const pipResolverBacktracking: CauseDefinition = {
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

export const pipDependencyConflict: CauseDefinition = {
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
