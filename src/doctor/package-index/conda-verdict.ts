// `preflight env --check-index`, conda's side: what the channels' repodata says about a pin, in conda's
// terms: the first channel (by priority) with a matching build, else why there is none.

import type { CondaRecord, Repodata } from "./conda-repodata.js";
import { buildMatches, compareCondaVersions, condaPinVersion, condaVersionMatches } from "./conda-version.js";
import type { ChannelSource } from "./sources.js";
import type { CondaPin, IndexTarget, VerdictDraft } from "./types.js";
import { LIST_LIMIT, listText, nearest } from "./verdict-text.js";

/** A channel's repodata for each subdir looked in. */
export interface ChannelRepodata {
  channel: ChannelSource;
  data: { subdir: string; repodata: Repodata }[];
}

/** A build of the pinned package, and the channel it is in. */
interface ChannelRecord {
  channel: ChannelSource;
  record: CondaRecord;
}

/** What every verdict on one pin shares. */
interface CondaVerdictContext {
  pin: CondaPin;
  /** The pin as conda would read it, `channel::name=version=build`. */
  spec: string;
  /** The pin's version without operators or `.*`. */
  version: string;
  /** In priority order. */
  channels: ChannelSource[];
  subdirs: string[];
  /** Every verdict's evidence starts with it. */
  baseEvidence: { channels: string[]; subdirs: string[]; exact: boolean; build?: string };
}

/** What the repodata of every channel (`channelData`, in priority order) says about a conda pin. */
export function condaVerdict(
  pin: CondaPin,
  target: IndexTarget,
  subdirs: string[],
  channelData: readonly ChannelRepodata[],
): VerdictDraft {
  const channels = channelData.map(({ channel }) => channel);
  const version = condaPinVersion(pin);
  const context: CondaVerdictContext = {
    pin,
    spec: `${pin.channel ? `${pin.channel}::` : ""}${pin.name}${pin.exact ? "==" : "="}${version}${pin.build ? `=${pin.build}` : ""}`,
    version,
    channels,
    subdirs,
    baseEvidence: {
      channels: channels.map((channel) => channel.display),
      subdirs,
      exact: pin.exact,
      ...(pin.build ? { build: pin.build } : {}),
    },
  };

  const records = recordsNamed(channelData, pin.name.toLowerCase());
  const versionMatched = records.filter(({ record }) => condaVersionMatches(record.version, version, pin.exact));
  const matched = versionMatched.filter(({ record }) => buildMatches(record.build, pin.build));
  // Channels are searched in priority order, as conda would.
  const firstChannel = channels.find((channel) => matched.some((entry) => entry.channel === channel));
  if (firstChannel) return foundVerdict(context, firstChannel, matched);

  const errors = channelData.flatMap(({ channel, data }) =>
    data.flatMap(({ repodata }) => (repodata.kind === "error" ? [`${channel.display}: ${repodata.message}`] : [])),
  );
  if (errors.length > 0) {
    return {
      id: "package-index-unreachable",
      status: "unknown",
      message: `Could not tell whether ${context.spec} is available: ${errors.join("; ")}.`,
      evidence: {
        ...context.baseEvidence,
        errors,
      },
    };
  }
  return missingVerdict(context, target, channelData, versionMatched, records);
}

/** Every build named `name` (lower case) in the repodata that was read. */
function recordsNamed(channelData: readonly ChannelRepodata[], name: string): ChannelRecord[] {
  const records: ChannelRecord[] = [];
  for (const { channel, data } of channelData) {
    for (const { repodata } of data) {
      if (repodata.kind !== "ok") continue;
      for (const record of repodata.packages.get(name) ?? []) records.push({ channel, record });
    }
  }
  return records;
}

function foundVerdict(
  context: CondaVerdictContext,
  firstChannel: ChannelSource,
  matched: readonly ChannelRecord[],
): VerdictDraft {
  // Newest first: what conda would pick.
  const inChannel = matched
    .filter((entry) => entry.channel === firstChannel)
    .map(({ record }) => record)
    .sort((a, b) => compareCondaVersions(b.version, a.version) || a.build.localeCompare(b.build));
  const builds = inChannel.map((record) => `${record.version}=${record.build}`);
  return {
    id: "package-on-index",
    status: "pass",
    message: `${context.spec} is on ${firstChannel.display} (${[...new Set(inChannel.map((record) => record.subdir))].join(", ")}): ${listText(builds, 3)}.`,
    evidence: {
      ...context.baseEvidence,
      channel: firstChannel.display,
      subdir: inChannel[0]?.subdir ?? "",
      matched: builds.slice(0, LIST_LIMIT),
    },
  };
}

/** No build matches: the version has other builds, the package other versions, or the channels lack it. */
function missingVerdict(
  context: CondaVerdictContext,
  target: IndexTarget,
  channelData: readonly ChannelRepodata[],
  versionMatched: readonly ChannelRecord[],
  records: readonly ChannelRecord[],
): VerdictDraft {
  const { pin, spec, version, channels, subdirs } = context;
  const missingChannels = channelData
    .filter(({ data }) => data.every(({ repodata }) => repodata.kind === "absent"))
    .map(({ channel }) => channel.display);
  const missingNote = missingChannels
    .map(
      (channel) =>
        ` Channel ${channel} has no ${target.condaSubdir}/repodata.json (nor noarch): it does not exist or is not a conda channel.`,
    )
    .join("");
  const where = `${context.baseEvidence.channels.join(", ")} (${subdirs.join(", ")})`;
  const evidence = { ...context.baseEvidence, ...(missingChannels.length > 0 ? { missingChannels } : {}) };

  if (versionMatched.length > 0) {
    const builds = [...new Set(versionMatched.map(({ record }) => record.build))].sort();
    return {
      id: "package-missing-from-index",
      status: "fail",
      message: `${spec}: ${pin.name} ${version} is on ${where}, but no build matches ${pin.build ?? ""}; builds seen: ${listText(builds)}.${missingNote}`,
      evidence: {
        ...evidence,
        buildsSeen: builds.slice(0, LIST_LIMIT),
      },
    };
  }
  if (records.length > 0) {
    const versions = [...new Set(records.map(({ record }) => record.version))].sort(compareCondaVersions);
    const close = nearest(versions, version, compareCondaVersions);
    return {
      id: "package-missing-from-index",
      status: "fail",
      message: `${spec} is not on ${where}; nearest versions: ${close.join(", ")}.${missingNote}`,
      evidence: {
        ...evidence,
        packageFound: true,
        nearestVersions: close,
      },
    };
  }
  if (missingChannels.length === channels.length && channels.length > 0) {
    return {
      id: "package-missing-from-index",
      status: "fail",
      message: `${spec} cannot be found:${missingNote}`,
      evidence: { ...evidence, packageFound: false },
    };
  }
  return {
    id: "package-missing-from-index",
    status: "fail",
    message: `No package named ${pin.name} on ${where}.${missingNote}`,
    evidence: {
      ...evidence,
      packageFound: false,
    },
  };
}
