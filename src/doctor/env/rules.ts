// The rules of `preflight env`, by id: what each says and how to fix it. Ids are permanent: a retired rule
// keeps its id and says why it is no longer reported. The status is a promise (docs/doctor.md): `fail`, the
// build breaks or the CLI refuses the file; `warn`, a risk; `unknown`, the file does not show enough to judge.

export const ENV_RULES = {
  "pip-not-listed": {
    title: "Pip is a conda dependency when pip packages are listed",
    status: "warn",
    fix: "Add pip to the conda dependencies, pinned (e.g. `- pip=24.2`), next to the `- pip:` list: conda warns and adds a pip of its own choosing, so the pip that installs the list can change from one build to the next.",
  },
  "pip-unpinned": {
    title: "Pip itself is pinned",
    status: "warn",
    fix: "Pin pip (e.g. `- pip=23.3.1`): a new pip release can change how the same requirements resolve, which is how working environments start failing to build.",
  },
  "package-unpinned": {
    title: "Every package is pinned to a version",
    status: "warn",
    fix: "Pin the version (conda `name=1.2.3`, pip `name==1.2.3`) so the image builds the same way tomorrow; `pip freeze` / `conda env export` in a working environment gives the versions.",
  },
  "conda-forge-unpinned-pip": {
    title: "conda-forge is not the first channel while pip is unpinned",
    status: "warn",
    fix: "Pin pip and the pip packages (`pip-unpinned`, `package-unpinned`); a build log with `pip-resolver-backtracking` is the evidence of a resolver that loops.",
    retired:
      "Retired: it came from Learn's 2021 troubleshooting note that only conda-forge shipped pip 20.3's resolver. Every channel ships that resolver now and Learn recommends conda-forge first, so the channel order decides nothing; pip-unpinned and package-unpinned report what is left.",
  },
  "conda-too-old": {
    title: "The image's conda is 4.5.4 or newer",
    status: "fail",
    fix: "Azure ML needs conda 4.5.4 or newer in a custom base image: install a newer Miniconda (e.g. Miniconda3-py310_23.5.2-0) or run `conda install -y conda>=4.5.4`, or start from an mcr.microsoft.com/azureml base image.",
  },
  "conda-version-unknown": {
    title: "The image's conda version can be told",
    status: "unknown",
    fix: "The Dockerfile uses conda from a custom base image but does not show its version: run `docker run --rm <image> conda --version` and make sure it is 4.5.4 or newer (or install a known Miniconda in the Dockerfile).",
  },
  "image-reference-malformed": {
    title: "Image references are well formed",
    status: "fail",
    fix: "Write the reference as host/repository:tag (lower-case repository, single slashes, no backslashes), e.g. myregistry.azurecr.io/team/base:1.4.",
  },
  "image-registry-missing": {
    title: "Private images name their registry host",
    status: "fail",
    fix: "Without a host, Docker pulls from Docker Hub: prefix the registry's host (myregistry.azurecr.io/..., mcr.microsoft.com/azureml/...).",
  },
  "image-unpinned": {
    title: "Images are pinned to a tag or digest",
    status: "warn",
    fix: "Name a specific tag or digest (e.g. `:20240226.v1` or `@sha256:...`): `latest` moves, and the next build gets a different base.",
  },
  "requirement-invalid": {
    title: "Every requirement line parses",
    status: "fail",
    fix: "pip will stop on this line: write it as `name==version` (PEP 508 and PEP 440), a URL, or a pip option on its own line.",
  },
  "template-placeholder": {
    title: "Every value is filled in (no `{{...}}` template placeholder)",
    status: "unknown",
    fix: "This file is a template (azureml-assets fills `{{latest-image-tag}}`, `{{latest-pypi-version}}` and the like when it publishes an environment): build from the filled files, and lint those to judge what the placeholders become. The rest of this file was judged.",
  },
  "environment-key-retired": {
    title: "The environment uses only keys the current Azure ML CLI and SDK accept",
    status: "fail",
    fix: "Rewrite the key as the current environment schema has it: `docker.image` becomes `image`, `build.local_path` and `build.context_uri` become `build.path`; see https://learn.microsoft.com/azure/machine-learning/reference-yaml-environment.",
  },
  "environment-file-missing": {
    title: "Files the environment names exist",
    status: "fail",
    fix: "Azure ML resolves `conda_file` and `build.path` relative to the environment's YAML file: correct the path or add the file.",
  },
  "package-missing-from-index": {
    title: "Pinned packages exist on the index",
    status: "fail",
    fix: "Correct the version (the message lists the nearest ones the index has), or add the index or channel that publishes it.",
  },
  "package-no-compatible-file": {
    title: "Pinned packages have a file for the target platform and Python",
    status: "fail",
    fix: "Pick a version that publishes a wheel for Linux x86_64 and this Python (or an sdist), or change the Python version.",
  },
  "package-index-unreachable": {
    title: "The package index answers",
    status: "unknown",
    fix: "The index did not answer: check the URL, credentials and proxy (HTTPS_PROXY), then run again.",
  },
  "package-on-index": {
    title: "Pinned packages exist on the index",
    status: "pass",
    fix: "",
  },
} as const satisfies Record<
  string,
  {
    title: string;
    status: "fail" | "warn" | "unknown" | "pass";
    fix: string;
    /** A retired rule is never reported; its id stays reserved and this says what covers it now. */
    retired?: string;
  }
>;

type EnvRuleId = keyof typeof ENV_RULES;

/** The rules that are still reported. */
export type ActiveEnvRuleId = {
  [Id in EnvRuleId]: (typeof ENV_RULES)[Id] extends { retired: string } ? never : Id;
}[EnvRuleId];
