// `preflight env --check-index`, pip's side: what the indexes' answers for a pin add up to, in pip's terms.
// pip installs the best file any index offers; only when none does is the pin missing, incompatible, or
// (when an index did not answer) not known.

import { compare as comparePep440, valid as validPep440 } from "@renovatebot/pep440";
import { describeWheelTarget, evaluateMarker, parseWheelFilename, wheelTagText } from "../wheel-tags.js";
import { GRADE_ORDER, type PipOutcome } from "./pypi.js";
import type { IndexTarget, PipPin, VerdictDraft } from "./types.js";
import { LIST_LIMIT, listText, nearest } from "./verdict-text.js";

type Installable = Extract<PipOutcome, { state: "installable" }>;
type Unreachable = Extract<PipOutcome, { state: "error" }>;
type Incompatible = Extract<PipOutcome, { state: "incompatible" }>;
type VersionMissing = Extract<PipOutcome, { state: "version-missing" }>;

/** What every verdict on one pin shares. */
interface PipVerdictContext {
  pin: PipPin;
  target: IndexTarget;
  /** The indexes consulted, as shown. */
  indexes: string[];
  /** The target the pin was judged for; every verdict's evidence starts with it. */
  targetEvidence: TargetEvidence;
  /** The target in words. */
  where: string;
  /** A closing sentence when the Python version was not known; empty otherwise. */
  unknownPython: string;
}

interface TargetEvidence {
  python: string;
  pythonKnown: boolean;
  platform: IndexTarget["platform"];
  glibc: string;
}

function targetEvidenceOf(target: IndexTarget): TargetEvidence {
  return {
    python: target.python ?? "unknown",
    pythonKnown: target.python !== undefined,
    platform: target.platform,
    glibc: target.glibc,
  };
}

function pipVerdictContext(pin: PipPin, target: IndexTarget, indexes: string[]): PipVerdictContext {
  return {
    pin,
    target,
    indexes,
    targetEvidence: targetEvidenceOf(target),
    where: describeWheelTarget(target),
    unknownPython:
      target.python !== undefined ? "" : " The Python version was not known, so every Python tag was accepted.",
  };
}

function pinText(pin: PipPin): string {
  return `${pin.name}${pin.operator ?? "=="}${pin.version}`;
}

/** The verdict for a pin whose marker is false on the target (pip skips it, so it is not looked up); else undefined. */
export function markerSkipVerdict(pin: PipPin, target: IndexTarget): VerdictDraft | undefined {
  if (pin.marker === undefined || evaluateMarker(pin.marker, target) !== false) return undefined;
  return {
    id: "package-on-index",
    status: "skip",
    message: `Not looked up: ${pinText(pin)} has the marker \`${pin.marker}\`, which is false on ${describeWheelTarget(target)}, so pip skips it.`,
    evidence: {
      ...targetEvidenceOf(target),
      marker: pin.marker,
      markerApplies: false,
    },
  };
}

/** What the answers of every index (`outcomes`, in the order of `indexes`) say about a pip pin. */
export function pipVerdict(
  pin: PipPin,
  target: IndexTarget,
  indexes: string[],
  outcomes: readonly PipOutcome[],
): VerdictDraft {
  const context = pipVerdictContext(pin, target, indexes);
  const best = bestInstallable(outcomes);
  if (best) return installableVerdict(context, best);

  const errors = outcomes.filter((outcome): outcome is Unreachable => outcome.state === "error");
  const incompatible = outcomes.filter((outcome): outcome is Incompatible => outcome.state === "incompatible");
  const versionMissing = outcomes.filter((outcome): outcome is VersionMissing => outcome.state === "version-missing");
  if (errors.length > 0) return unreachableVerdict(context, errors, outcomes);
  if (incompatible.length > 0) return incompatibleVerdict(context, incompatible);
  if (versionMissing.length > 0) return versionMissingVerdict(context, versionMissing);
  return {
    id: "package-missing-from-index",
    status: "fail",
    message: `No project named ${pin.name} on ${indexes.join(", ")}.`,
    evidence: {
      ...context.targetEvidence,
      indexes,
      projectFound: false,
    },
  };
}

/** The most installable answer: a wheel over an sdist over a yanked release; the first index on a tie. */
function bestInstallable(outcomes: readonly PipOutcome[]): Installable | undefined {
  let best: Installable | undefined;
  for (const outcome of outcomes) {
    if (
      outcome.state === "installable" &&
      (!best || GRADE_ORDER.indexOf(outcome.grade) < GRADE_ORDER.indexOf(best.grade))
    )
      best = outcome;
  }
  return best;
}

function installableVerdict(context: PipVerdictContext, best: Installable): VerdictDraft {
  const { pin, indexes, where, unknownPython } = context;
  const files = best.files.map((file) => file.filename);
  const evidence = {
    ...context.targetEvidence,
    indexes,
    index: best.source.display,
    version: best.version,
    files: files.slice(0, LIST_LIMIT),
  };
  if (best.grade === "wheel") {
    return {
      id: "package-on-index",
      status: "pass",
      message: `${pinText(pin)} is on ${best.source.display} with a wheel for ${where} (${files[0] ?? ""}).${unknownPython}`,
      evidence,
    };
  }
  if (best.grade === "sdist") {
    return {
      id: "package-on-index",
      status: "warn",
      message: `${pinText(pin)} is on ${best.source.display}, but only as a source distribution for ${where} (${files[0] ?? ""}): pip builds it from source, which needs a compiler and the library headers in the image.${unknownPython}`,
      evidence: { ...evidence, sourceOnly: true },
    };
  }
  const reason = best.files.find((file) => file.yankedReason)?.yankedReason;
  return {
    id: "package-on-index",
    status: "warn",
    message: `${pinText(pin)} is on ${best.source.display} but yanked${reason ? ` ("${reason}")` : ""}: pip still installs a yanked release for an exact pin, with a warning. Its maintainers withdrew it; prefer another version.${best.grade === "yanked-sdist" ? " It is also only a source distribution (built with a compiler)." : ""}`,
    evidence: {
      ...evidence,
      yanked: true,
      ...(reason ? { yankedReason: reason } : {}),
      ...(best.grade === "yanked-sdist" ? { sourceOnly: true } : {}),
    },
  };
}

/** Some index did not answer, so nothing can be ruled out; what the others said goes in brackets. */
function unreachableVerdict(
  context: PipVerdictContext,
  errors: readonly Unreachable[],
  outcomes: readonly PipOutcome[],
): VerdictDraft {
  const { pin, indexes } = context;
  const elsewhere = outcomes
    .filter((outcome) => outcome.state !== "error")
    .map(
      (outcome) =>
        `${outcome.state === "absent" ? "no such project" : outcome.state === "version-missing" ? "no such version" : "no file for this target"} on ${outcome.source.display}`,
    );
  return {
    id: "package-index-unreachable",
    status: "unknown",
    message: `Could not tell whether ${pinText(pin)} is available: ${errors.map((error) => `${error.source.display}: ${error.message}`).join("; ")}${elsewhere.length > 0 ? ` (${elsewhere.join("; ")})` : ""}.`,
    evidence: {
      ...context.targetEvidence,
      indexes,
      unreachable: errors.map((error) => error.source.display),
      errors: errors.map((error) => `${error.source.display}: ${error.message}`),
    },
  };
}

function incompatibleVerdict(context: PipVerdictContext, incompatible: readonly Incompatible[]): VerdictDraft {
  const { pin, target, indexes, where, unknownPython } = context;
  const files = incompatible.flatMap((outcome) => outcome.files);
  const tags = [
    ...new Set(
      files.map((file) => {
        const wheel = parseWheelFilename(file.filename);
        return wheel ? wheelTagText(wheel) : "sdist";
      }),
    ),
  ];
  const excludedByPython = [...new Set(incompatible.flatMap((outcome) => outcome.excludedByPython))];
  const pythonNote =
    excludedByPython.length > 0
      ? ` requires-python ${listText(excludedByPython)} excludes Python ${target.python ?? ""}.`
      : "";
  const seen = files.length === 0 ? "the index lists the version but no installable file" : `seen ${listText(tags)}`;
  return {
    id: "package-no-compatible-file",
    status: "fail",
    message: `${pinText(pin)} is on ${incompatible.map((outcome) => outcome.source.display).join(", ")}, but none of its ${files.length} file(s) installs on ${where}: ${seen}.${pythonNote}${unknownPython}`,
    evidence: {
      ...context.targetEvidence,
      indexes,
      index: incompatible[0]?.source.display ?? "",
      files: files.map((file) => file.filename).slice(0, LIST_LIMIT),
      tagsSeen: tags.slice(0, LIST_LIMIT),
      ...(excludedByPython.length > 0 ? { requiresPython: excludedByPython } : {}),
    },
  };
}

function versionMissingVerdict(context: PipVerdictContext, versionMissing: readonly VersionMissing[]): VerdictDraft {
  const { pin, indexes } = context;
  const versions = sortPep440(versionMissing.flatMap((outcome) => outcome.versions));
  const close = nearest(versions, pin.version, comparePep440Safe);
  return {
    id: "package-missing-from-index",
    status: "fail",
    message: `${pin.name} has no version ${pin.version} on ${indexes.join(", ")}${close.length > 0 ? `; nearest versions: ${close.join(", ")}` : "; it lists no versions"}.`,
    evidence: {
      ...context.targetEvidence,
      indexes,
      projectFound: true,
      nearestVersions: close,
      versionsSeen: versions.length,
    },
  };
}

function comparePep440Safe(a: string, b: string): number {
  try {
    return comparePep440(a, b);
  } catch {
    return a.localeCompare(b);
  }
}

function sortPep440(versions: Iterable<string>): string[] {
  return [...new Set(versions)].filter((version) => validPep440(version) !== null).sort(comparePep440Safe);
}
