// Image references against the grammar Docker and ACR use (distribution/reference): what is wrong with
// one, in words a user can act on. Pure.

// distribution/reference regexp.go, term by term.
const ALPHANUMERIC = "[a-z0-9]+";
const SEPARATOR = "(?:[._]|__|[-]+)";
const PATH_COMPONENT = `${ALPHANUMERIC}(?:${SEPARATOR}${ALPHANUMERIC})*`;
const DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?`;
const TAG = "[\\w][\\w.-]{0,127}";
const DIGEST = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}";
const REMOTE_NAME = `(${PATH_COMPONENT}(?:/${PATH_COMPONENT})*)(?::(${TAG}))?(?:@(${DIGEST}))?`;
const REFERENCE = new RegExp(`^(${DOMAIN})/${REMOTE_NAME}$`);
const REMOTE = new RegExp(`^${REMOTE_NAME}$`);

export interface ImageReference {
  /** The registry host, when the reference names one. */
  registry?: string;
  repository: string;
  tag?: string;
  digest?: string;
}

export type ImageVerdict =
  | { ok: true; reference: ImageReference }
  | { ok: false; problem: "malformed"; reason: string }
  | { ok: false; problem: "registry-missing"; reason: string; suggestion: string };

/** Docker takes the first component for a host only when it has a dot or a port, or is localhost. */
function looksLikeHost(component: string): boolean {
  return component.includes(".") || component.includes(":") || component === "localhost" || /[A-Z]/.test(component);
}

export interface ImageContext {
  /** The workspace's registry name (--registry), to recognise `myacr/base:1`. */
  registry?: string;
}

export function judgeImageReference(text: string, context: ImageContext = {}): ImageVerdict {
  const reference = text.trim();
  if (reference.includes("\\"))
    return {
      ok: false,
      problem: "malformed",
      reason: "it contains a backslash (a path separator from Windows, not part of any image name)",
    };
  if (/\/\//.test(reference) || reference.startsWith("/") || reference.endsWith("/"))
    return {
      ok: false,
      problem: "malformed",
      reason: "it has an empty path component (a double, leading or trailing slash)",
    };
  if (/:$/.test(reference) || /:@/.test(reference))
    return { ok: false, problem: "malformed", reason: "its tag is empty" };
  const [first, ...rest] = reference.split("/");
  const hasHost = rest.length > 0 && first !== undefined && looksLikeHost(first);
  if (hasHost && first && /\.azurecr$/i.test(first.split(":")[0] ?? "")) {
    return {
      ok: false,
      problem: "malformed",
      reason: `the registry host ${first} is missing its domain (${first}.io)`,
    };
  }
  const path = hasHost ? rest.join("/") : reference;
  const repositoryPart = path.split("@")[0]?.replace(/:[^/]*$/, "") ?? path;
  if (/[A-Z]/.test(repositoryPart))
    return {
      ok: false,
      problem: "malformed",
      reason: `the repository "${repositoryPart}" has upper-case letters (repository names are lower-case)`,
    };
  // The grammar alone would take "azureml/x" for host "azureml": Docker's rule decides first.
  const match = hasHost ? REFERENCE.exec(reference) : REMOTE.exec(reference);
  const host = hasHost ? match?.[1] : undefined;
  const [repository, tag, digest] = hasHost
    ? [match?.[2], match?.[3], match?.[4]]
    : [match?.[1], match?.[2], match?.[3]];
  if (!match || !repository || (hasHost && !host))
    return {
      ok: false,
      problem: "malformed",
      reason: "it does not match Docker's reference grammar (host/repository:tag@digest)",
    };
  const parsed: ImageReference = {
    repository,
    ...(host ? { registry: host } : {}),
    ...(tag ? { tag } : {}),
    ...(digest ? { digest } : {}),
  };
  if (!parsed.registry) {
    const namespace = parsed.repository.split("/")[0] ?? "";
    if (namespace === "azureml" && parsed.repository.includes("/")) {
      return {
        ok: false,
        problem: "registry-missing",
        reason: "Azure ML's base images live on mcr.microsoft.com, not Docker Hub",
        suggestion: `mcr.microsoft.com/${reference}`,
      };
    }
    if (
      context.registry &&
      parsed.repository.includes("/") &&
      namespace.toLowerCase() === context.registry.toLowerCase()
    ) {
      return {
        ok: false,
        problem: "registry-missing",
        reason: `${namespace} is the workspace's registry, but without its host Docker looks on Docker Hub`,
        suggestion: `${namespace}.azurecr.io/${reference.slice(namespace.length + 1)}`,
      };
    }
  }
  return { ok: true, reference: parsed };
}

/** No tag and no digest means `latest`: a base that moves under the build. */
export function isUnpinned(reference: ImageReference): boolean {
  return !reference.digest && (!reference.tag || reference.tag === "latest");
}

/** Azure ML's own base images, which carry a conda Azure ML supports. */
export function isAzureMlBaseImage(reference: ImageReference): boolean {
  return reference.registry?.toLowerCase() === "mcr.microsoft.com" && reference.repository.startsWith("azureml/");
}
