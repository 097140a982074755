// STUB: replaced by the real check.
import { defineCheck } from "../src/engine/types.js";

export default defineCheck({
  id: "trusted-access",
  title: "TODO",
  severity: "medium",
  requires: ["workspace", "storage", "registry"],
  messages: { todo: "Not implemented." },
  remediation: "TODO",
  run(_parts, context) {
    return [{ status: "unknown", messageId: "todo", resourceId: context.target.workspaceId, evidence: {} }];
  },
});
