// How the fake ARM compares and takes apart request paths and resource IDs.

/** The subscription segment at the start of a path or resource ID. */
export const SUBSCRIPTION_PREFIX = /^\/subscriptions\/([^/]+)/i;

export function normaliseId(id: string): string {
  const trimmed = id.length > 1 && id.endsWith("/") ? id.slice(0, -1) : id;
  return trimmed.toLowerCase();
}

export function normaliseRegion(region: string): string {
  return region.toLowerCase().replace(/\s+/g, "");
}

export function parentPath(path: string): string {
  return path.slice(0, path.lastIndexOf("/"));
}

export function decodePath(rawPath: string): string {
  try {
    return decodeURIComponent(rawPath);
  } catch {
    return rawPath;
  }
}
