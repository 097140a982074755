// The causes of a build that conda stopped: a package not in the channels, pip not listed, a stale lock.

import { unique, type CauseDefinition, type CauseMatch } from "./cause.js";
import { packageName, type LogLine } from "./log.js";

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

export const condaPackageNotFound: CauseDefinition = {
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

export const condaPipNotListed: CauseDefinition = {
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
export const condaLockWait: CauseDefinition = {
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
