// A conda environment file: channels, dependencies and the `- pip:` list, each with the line it is on
// (the `yaml` library's line counter), judged for pip, pins and the conda-forge/pip resolver loop.

import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from "yaml";
import { PreflightError } from "../../core/errors.js";
import type { DoctorFinding } from "../types.js";
import { lintPipEntry } from "./requirements.js";
import { emptyHints, envFinding, type LintResult, type SourceFile } from "./shared.js";

/** A conda match spec, as far as pinning goes. */
interface CondaSpec {
  channel?: string;
  name: string;
  /** The version constraint as written (`=1.2`, `==1.2.3`, `>=1`, `1.2.3`). */
  constraint?: string;
  version?: string;
  build?: string;
  /** One version (`==1.2.3`, `1.2.3`) or one release series (`=1.2`): what --check-index can look up. */
  pinned: boolean;
  exact: boolean;
}

function parseCondaSpec(text: string): CondaSpec | undefined {
  let rest = text.trim();
  let channel: string | undefined;
  if (rest.includes("::")) {
    channel = rest.slice(0, rest.lastIndexOf("::"));
    rest = rest.slice(rest.lastIndexOf("::") + 2);
  }
  // name[version='>=1.2',build=py*]
  const bracket = /^([A-Za-z0-9_][A-Za-z0-9._-]*)\s*\[(.*)\]$/.exec(rest);
  if (bracket?.[1]) {
    const version = /version\s*=\s*['"]?([^'",\]]+)/.exec(bracket[2] ?? "")?.[1];
    return {
      ...(channel ? { channel } : {}),
      name: bracket[1],
      ...(version ? { constraint: version } : {}),
      pinned: version !== undefined && isExactVersion(version.replace(/^==/, "")),
      exact: version?.startsWith("==") ?? false,
      ...(version ? { version: version.replace(/^==?/, "") } : {}),
    };
  }
  const match = /^([A-Za-z0-9_][A-Za-z0-9._-]*)\s*(.*)$/.exec(rest);
  if (!match?.[1]) return undefined;
  const name = match[1];
  const constraint = (match[2] ?? "").trim();
  const base = { ...(channel ? { channel } : {}), name };
  if (constraint === "") return { ...base, pinned: false, exact: false };
  // name==1.2.3[=build] / name=1.2[=build]
  const equals = /^(==?)\s*([^=\s]+)(?:=(\S+))?$/.exec(constraint);
  if (equals?.[2]) {
    const exact = equals[1] === "==";
    const version = equals[2];
    // `=1.2` is conda's fuzzy pin (1.2.*): one release series. `=1` spans a whole major version.
    const pinned = exact
      ? isExactVersion(version)
      : isExactVersion(version.replace(/\.\*$/, "")) && version.replace(/\.\*$/, "").includes(".");
    return {
      ...base,
      constraint,
      version: version.replace(/\.\*$/, ""),
      ...(equals[3] ? { build: equals[3] } : {}),
      pinned,
      exact,
    };
  }
  // MatchSpec's space form: "numpy 1.26.4 py310h5f9d8c6_0".
  const spaced = /^([0-9][^\s]*)(?:\s+(\S+))?$/.exec(constraint);
  if (spaced?.[1] && isExactVersion(spaced[1])) {
    return {
      ...base,
      constraint,
      version: spaced[1],
      ...(spaced[2] ? { build: spaced[2] } : {}),
      pinned: true,
      exact: true,
    };
  }
  return { ...base, constraint, pinned: false, exact: false };
}

/** One version, not a range, glob or alternative. */
function isExactVersion(version: string): boolean {
  return /^[0-9][A-Za-z0-9._+!-]*$/.test(version) && !version.includes("*");
}

export function lintCondaFile(file: SourceFile): LintResult {
  const counter = new LineCounter();
  const document = parseDocument(file.text, { lineCounter: counter });
  if (document.errors.length > 0) {
    const error = document.errors[0];
    throw new PreflightError(`${file.path} is not valid YAML: ${error?.message.split("\n")[0] ?? "parse error"}`);
  }
  const lineOf = (node: Node | null | undefined): number => (node?.range ? counter.linePos(node.range[0]).line : 1);
  const findings: DoctorFinding[] = [];
  const hints = emptyHints();
  const follow: LintResult["follow"] = [];

  const channelsNode = document.get("channels", true);
  const channels = isSeq(channelsNode)
    ? channelsNode.items.flatMap((item) => (isScalar(item) ? [{ name: String(item.value), line: lineOf(item) }] : []))
    : [];
  hints.channels = channels.map((channel) => channel.name);

  const dependencies = document.get("dependencies", true);
  const specs: { spec: CondaSpec; line: number; text: string }[] = [];
  let pipSection: { line: number; entries: number } | undefined;
  if (isSeq(dependencies)) {
    for (const item of dependencies.items) {
      if (isScalar(item)) {
        const text = String(item.value);
        const spec = parseCondaSpec(text);
        if (spec) specs.push({ spec, line: lineOf(item), text });
        continue;
      }
      if (!isMap(item)) continue;
      const pipPair = item.items.find((pair) => isScalar(pair.key) && pair.key.value === "pip");
      if (!pipPair) continue;
      const pipLine = lineOf(pipPair.key as Node);
      let entries = 0;
      if (isSeq(pipPair.value)) {
        for (const entry of pipPair.value.items) {
          if (!isScalar(entry)) continue;
          const text = String(entry.value).trim();
          const line = lineOf(entry);
          if (!text.startsWith("-")) entries += 1;
          lintPipEntry({ line, end: line, text: text.replace(/(^|\s)#.*$/, "").trim() }, file, hints, findings, follow);
        }
      }
      pipSection = { line: pipLine, entries };
    }
  }

  const pip = specs.find(({ spec }) => spec.name.toLowerCase() === "pip");
  if (pipSection && pipSection.entries > 0 && !pip) {
    findings.push(
      envFinding("pip-not-listed", file, pipSection.line, {
        message: `The file lists ${pipSection.entries} pip package${pipSection.entries === 1 ? "" : "s"} but not pip itself as a conda dependency.`,
      }),
    );
  }
  if (pip && !pip.spec.pinned) {
    findings.push(
      envFinding("pip-unpinned", file, pip.line, {
        message: `pip is a conda dependency without a version${pip.spec.constraint ? ` (${pip.spec.constraint})` : ""}.`,
        packages: ["pip"],
        evidence: { spec: pip.text },
      }),
    );
  }
  const firstChannel = channels[0];
  if (firstChannel && isCondaForge(firstChannel.name) && !pip?.spec.pinned) {
    findings.push(
      envFinding("conda-forge-unpinned-pip", file, firstChannel.line, {
        message: `conda-forge is the highest-priority channel and pip is ${pip ? "not pinned" : "not listed"}: conda will take conda-forge's newest pip.`,
        evidence: { channels: channels.map((channel) => channel.name), pip: pip?.text ?? "absent" },
      }),
    );
  }
  for (const { spec, line, text } of specs) {
    if (spec.name.toLowerCase() === "pip") continue;
    if (!spec.pinned) {
      findings.push(
        envFinding("package-unpinned", file, line, {
          message: `${spec.name} is not pinned to a version${spec.constraint ? ` (${spec.constraint})` : ""}.`,
          packages: [spec.name],
          evidence: { spec: text },
        }),
      );
      continue;
    }
    if (spec.version) {
      hints.conda.push({
        name: spec.name,
        version: spec.version,
        exact: spec.exact,
        ...(spec.build ? { build: spec.build } : {}),
        ...(spec.channel ? { channel: spec.channel } : {}),
        file: file.path,
        line,
      });
    }
    if (spec.name.toLowerCase() === "python" && spec.version)
      hints.python = spec.version.split(".").slice(0, 2).join(".");
  }
  if (pip?.spec.pinned && pip.spec.version) {
    hints.conda.push({
      name: "pip",
      version: pip.spec.version,
      exact: pip.spec.exact,
      file: file.path,
      line: pip.line,
    });
  }
  findings.sort((left, right) => left.line - right.line);
  return { findings, hints, follow };
}

function isCondaForge(channel: string): boolean {
  return channel === "conda-forge" || /\/conda-forge\/?$/.test(channel);
}
