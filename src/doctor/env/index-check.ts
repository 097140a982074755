// `preflight env --check-index`: the pins the linters found, looked up on the indexes and channels the
// files name (or the flags give), as findings on the lines that pin them.

import type { DoctorFinding, DoctorReport } from "../types.js";
import { PackageIndex } from "../package-index/client.js";
import { displayIndexUrl } from "../package-index/sources.js";
import type { CondaPin, IndexTarget, IndexVerdict, PipPin } from "../package-index/types.js";
import type { EnvLint } from "./lint.js";
import { ENV_RULES } from "./rules.js";
import { excerptOf, sourceFile } from "./shared.js";

export interface IndexFlags {
  "index-url"?: string;
  "extra-index-url"?: string[];
  channel?: string[];
  "conda-channel-alias": string;
  "conda-defaults": string[];
  python?: string;
  platform: "linux-64" | "linux-aarch64";
  glibc: string;
  "request-timeout": number;
}

const DEFAULT_PIP_INDEX = "https://pypi.org/simple";

export async function checkIndexes(
  lint: EnvLint,
  flags: IndexFlags,
  options: { ca?: string } = {},
): Promise<{ findings: DoctorFinding[]; index: NonNullable<DoctorReport["index"]> }> {
  const hints = lint.hints;
  const pipIndexUrls = [
    flags["index-url"] ?? hints.indexUrl ?? DEFAULT_PIP_INDEX,
    ...hints.extraIndexUrls,
    ...(flags["extra-index-url"] ?? []),
  ];
  const channels =
    flags.channel && flags.channel.length > 0
      ? flags.channel
      : hints.channels.length > 0
        ? hints.channels
        : ["defaults"];
  const index = new PackageIndex({
    pipIndexUrls: [...new Set(pipIndexUrls)],
    condaChannels: channels,
    condaChannelAlias: flags["conda-channel-alias"],
    condaDefaultChannels: flags["conda-defaults"],
    requestTimeoutMs: flags["request-timeout"] * 1000,
    retries: 2,
    ...(options.ca ? { ca: options.ca } : {}),
  });
  const python = flags.python ?? hints.python;
  const target: IndexTarget = {
    ...(python ? { python } : {}),
    condaSubdir: flags.platform,
    platform: flags.platform === "linux-aarch64" ? "linux_aarch64" : "linux_x86_64",
    glibc: flags.glibc,
  };
  const pipPins: PipPin[] = hints.pip.map((pin) => ({
    name: pin.name,
    version: pin.version,
    operator: pin.operator,
    line: pin.line,
    file: pin.file,
    ...(pin.marker ? { marker: pin.marker } : {}),
  }));
  const condaPins: CondaPin[] = hints.conda.map((pin) => ({
    name: pin.name,
    version: pin.version,
    exact: pin.exact,
    line: pin.line,
    file: pin.file,
    ...(pin.build ? { build: pin.build } : {}),
    ...(pin.channel ? { channel: pin.channel } : {}),
  }));
  const verdicts = [
    ...(pipPins.length > 0 ? await index.checkPip(pipPins, target) : []),
    ...(condaPins.length > 0 ? await index.checkConda(condaPins, target) : []),
  ];
  const unreachable = verdicts.filter((verdict) => verdict.id === "package-index-unreachable");
  const findings = verdicts
    .filter((verdict) => verdict.id !== "package-index-unreachable")
    .map((verdict) => toFinding(verdict, lint.texts));
  if (unreachable.length > 0) findings.push(unreachableFinding(unreachable, lint.texts));
  return {
    findings,
    index: {
      pip: pipPins.length > 0 ? [...new Set(pipIndexUrls)].map(displayIndexUrl) : [],
      conda: condaPins.length > 0 ? channels.map(displayIndexUrl) : [],
      requests: index.requests,
    },
  };
}

function toFinding(verdict: IndexVerdict, texts: Map<string, string>): DoctorFinding {
  const rule = ENV_RULES[verdict.id];
  const text = texts.get(verdict.pin.file);
  return {
    id: verdict.id,
    status: verdict.status,
    title: rule.title,
    message: verdict.message,
    file: verdict.pin.file,
    line: verdict.pin.line,
    excerpt: text === undefined ? [] : excerptOf(sourceFile(verdict.pin.file, "requirements", text), verdict.pin.line),
    fix: rule.fix,
    packages: [verdict.pin.name],
    evidence: { ...verdict.evidence, kind: verdict.kind },
  };
}

/**
 * Every pin an index or channel could not answer for, as one finding: the index is down, not each
 * package (seven identical blocks for seven pins said nothing more than one).
 */
function unreachableFinding(verdicts: readonly IndexVerdict[], texts: Map<string, string>): DoctorFinding {
  const [first] = verdicts;
  if (!first) throw new Error("unreachableFinding needs at least one verdict");
  const errors = [
    ...new Set(
      verdicts.flatMap((verdict) => {
        const listed = verdict.evidence.errors;
        return Array.isArray(listed) ? listed.map(String) : [];
      }),
    ),
  ];
  const packages = verdicts.map((verdict) => verdict.pin.name);
  const finding = toFinding(first, texts);
  return {
    ...finding,
    message: `Could not tell whether ${verdicts.length === 1 ? "1 pinned package is" : `${verdicts.length} pinned packages are`} available: ${errors.join("; ")}. Not looked up: ${packages.join(", ")}.`,
    packages,
    evidence: { errors, pins: verdicts.length, kinds: [...new Set(verdicts.map((verdict) => verdict.kind))] },
  };
}
