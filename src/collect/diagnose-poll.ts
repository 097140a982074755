// Azure's workspace diagnose is a long-running POST: started once, then polled at the pace the
// service asks for until it is done or the caller's signal gives up.

import { setTimeout as sleep } from "node:timers/promises";
import type { AzureMachineLearningWorkspaces } from "@azure/arm-machinelearning";
import { captureContext } from "./response-capture.js";

/** Every category the diagnose API knows, each with default settings (the shape of Azure's own example). */
const DIAGNOSE_EVERYTHING = {
  udr: {},
  nsg: {},
  resourceLock: {},
  dnsResolution: {},
  storageAccount: {},
  keyVault: {},
  containerRegistry: {},
  applicationInsights: {},
  others: {},
};

/** Starts the diagnose and polls it until done; the bodies arrive through the wire capture. */
export async function diagnoseUntilDone(
  ml: AzureMachineLearningWorkspaces,
  resourceGroup: string,
  workspace: string,
  signal: AbortSignal,
): Promise<void> {
  const poller = await ml.workspaces.beginDiagnose(resourceGroup, workspace, {
    parameters: { value: DIAGNOSE_EVERYTHING },
    abortSignal: signal,
  });
  while (!poller.isDone()) {
    const last = captureContext.getStore()?.attempts.at(-1);
    await sleep(pollInterval(last?.retryAfterMs), undefined, { signal });
    await poller.poll({ abortSignal: signal });
  }
}

/** Between polls: what Retry-After asked for, within 0.1–10 s; 2 s when it asked nothing. */
function pollInterval(retryAfter: number | undefined): number {
  if (retryAfter === undefined) return 2_000;
  return Math.min(10_000, Math.max(100, retryAfter));
}
