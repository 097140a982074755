// Azure's own workspace diagnose (--diagnose): a long-running POST after the workspace, polled until
// the service says it is done; it takes tens of seconds, beside every other read.

import { asArray, asObject, asString } from "../../snapshot/json.js";
import type { DiagnoseResult } from "../../snapshot/types.js";
import type { Redactor } from "../../core/redact.js";
import { definePart } from "./define.js";

export default definePart({
  part: "diagnose",
  after: ["workspace"],
  read: async (ctx) => {
    if (!ctx.options.diagnose) {
      ctx.diagnose = { requested: false };
      return;
    }
    const { id, subscriptionId, resourceGroup, name } = ctx.workspace;
    const result = await ctx.reader.diagnose(id, subscriptionId, resourceGroup, name, ctx.options.diagnose.timeoutMs);
    if (!result.ok) {
      ctx.fail(result.error);
      ctx.diagnose = { requested: true, error: result.error };
      return;
    }
    ctx.diagnose = { requested: true, results: diagnoseResults(result.body, ctx.options.redactor) };
  },
});

/** `{ value: { dnsResolutionResults: [...], ... } }` as a flat list, server text scrubbed. */
function diagnoseResults(body: Record<string, unknown>, redactor: Redactor): DiagnoseResult[] {
  const value = asObject(body.value) ?? {};
  const results: DiagnoseResult[] = [];
  for (const [key, list] of Object.entries(value)) {
    const category = key.replace(/Results$/, "");
    for (const entry of asArray(list).map(asObject)) {
      if (!entry) continue;
      results.push({
        category,
        code: asString(entry.code) ?? "",
        level: asString(entry.level) ?? "",
        message: redactor.redactMessage(asString(entry.message) ?? ""),
      });
    }
  }
  return results;
}
