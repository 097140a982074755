// STUB: replaced by the real check.
import { defineCheck } from "../src/engine/types.js";

export default defineCheck({
  id: "workspace-diagnose",
  title: "TODO",
  severity: "medium",
  requires: ["workspace", "diagnose"],
  messages: { todo: "Not implemented." },
  remediation: "TODO",
  run(_parts, context) {
    return [{ status: "unknown", messageId: "todo", resourceId: context.target.workspaceId, evidence: {} }];
  },
});
