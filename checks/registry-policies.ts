// STUB: replaced by the real check.
import { defineCheck } from "../src/engine/types.js";

export default defineCheck({
  id: "registry-policies",
  title: "TODO",
  severity: "medium",
  requires: ["workspace", "registry", "keys"],
  messages: { todo: "Not implemented." },
  remediation: "TODO",
  run(_parts, context) {
    return [{ status: "unknown", messageId: "todo", resourceId: context.target.workspaceId, evidence: {} }];
  },
});
