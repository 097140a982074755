// The repository stands alone: no tracked file names a path on its authors' machine or a folder
// beside the checkout, so a fresh clone anywhere passes `npm ci && npm test`.

import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { describe, expect, test } from "vitest";
import { ROOT } from "../harness.js";

/**
 * Where a file leaves the repository: the checkout's parent folder spelt out (the machine it was
 * written on), the folder that held the shared material beside earlier checkouts, or a relative
 * walk into a sibling of the checkout.
 */
function outsidePaths(text: string, parent: string): string[] {
  const patterns = [/(?<![\w.-])\/work\/[\w.-]+/g, /(?<![\w/.-])(?:\.\.\/)+shared(?=\/|[\s"'`)]|$)/gm];
  const found = patterns.flatMap((pattern) => [...text.matchAll(pattern)].map((match) => match[0]));
  // A parent one level deep (/tmp, /srv) is too common a prefix to say anything about this machine.
  if (parent.split("/").filter(Boolean).length > 1 && text.includes(`${parent}/`)) found.push(`${parent}/`);
  return [...new Set(found)];
}

function trackedFiles(): string[] {
  try {
    // A file deleted in the work tree but not yet in a commit is not there to read.
    return execFileSync("git", ["ls-files", "-z"], { cwd: ROOT, encoding: "utf8" })
      .split("\0")
      .filter((file) => file && existsSync(join(ROOT, file)));
  } catch {
    // Not a git checkout (an unpacked tarball): every file but what installs and builds make.
    const walk = (dir: string): string[] =>
      readdirSync(join(ROOT, dir)).flatMap((name) => {
        const path = dir ? `${dir}/${name}` : name;
        if (["node_modules", "dist", ".git", "coverage"].includes(name)) return [];
        return statSync(join(ROOT, path)).isDirectory() ? walk(path) : [path];
      });
    return walk("");
  }
}

describe("the repository stands alone", () => {
  test("the detector finds a machine path, a sibling folder and the checkout's parent, and nothing else", () => {
    // Spelt in pieces, so this file does not trip its own test.
    const machinePath = ["", "work", "shared"].join("/");
    const sibling = ["..", "shared"].join("/");
    expect(outsidePaths(`const EXAMPLES = "${machinePath}/arm-examples";`, "/elsewhere")).toEqual([machinePath]);
    expect(outsidePaths(`see ${sibling}/CONTRACTS.md section 5`, "/elsewhere")).toEqual([sibling]);
    expect(outsidePaths("read /home/dev/src/notes.txt", "/home/dev/src")).toEqual(["/home/dev/src/"]);
    // Paths inside a container or a build log are not this machine's.
    expect(
      outsidePaths("COPY requirements.txt /tmp/requirements.txt\nENV PATH=/opt/conda/bin:$PATH", "/home/dev/src"),
    ).toEqual([]);
    expect(outsidePaths("import { x } from '../shared.js'; checks/shared.ts", "/")).toEqual([]);
    expect(outsidePaths("RUN bash /tmp/miniconda.sh", "/tmp")).toEqual([]);
  });

  test("no tracked file names an absolute path outside the repository", () => {
    const parent = dirname(ROOT);
    const files = trackedFiles().filter((file) => file !== "package-lock.json");
    expect(files.length).toBeGreaterThan(100);
    const offenders: string[] = [];
    for (const file of files) {
      const bytes = readFileSync(join(ROOT, file));
      if (bytes.includes(0)) continue; // binary
      const hits = outsidePaths(bytes.toString("utf8"), parent);
      if (hits.length > 0)
        offenders.push(`${relative(ROOT, join(ROOT, file)).split(sep).join("/")}: ${hits.join(", ")}`);
    }
    expect(offenders).toEqual([]);
  });
});
