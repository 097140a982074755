// Credentials: PREFLIGHT_ACCESS_TOKEN as a static bearer token (pipelines that hold one; tests),
// otherwise DefaultAzureCredential (az login, service-principal variables, managed identity…).

import { DefaultAzureCredential } from "@azure/identity";
import type { AccessToken, TokenCredential } from "@azure/core-auth";
import { PreflightError } from "../core/errors.js";

export function createCredential(env: NodeJS.ProcessEnv): TokenCredential {
  const token = env.PREFLIGHT_ACCESS_TOKEN?.trim();
  if (token) {
    const accessToken: AccessToken = { token, expiresOnTimestamp: Date.now() + 60 * 60 * 1000 };
    return { getToken: async () => accessToken };
  }
  return new DefaultAzureCredential();
}

/** Fails fast, with what to do, when no credential in the chain can give a token. */
export async function ensureToken(credential: TokenCredential, endpoint: string, timeoutMs: number): Promise<void> {
  const scope = `${endpoint.replace(/\/+$/, "")}/.default`;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const token = await credential.getToken(scope, { abortSignal: controller.signal });
    if (!token) throw new Error("no token");
  } catch {
    throw new PreflightError(
      "no Azure credentials: run `az login`, or set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET (or AZURE_FEDERATED_TOKEN_FILE), or PREFLIGHT_ACCESS_TOKEN",
    );
  } finally {
    clearTimeout(timer);
  }
}
