// STUB: replaced by the real check.
import { defineCheck } from "../src/engine/types.js";

export default defineCheck({
  id: "required-outbound",
  title: "TODO",
  severity: "medium",
  requires: ["workspace", "computes", "virtualNetworks", "networkSecurityGroups"],
  messages: { todo: "Not implemented." },
  remediation: "TODO",
  run(_parts, context) {
    return [{ status: "unknown", messageId: "todo", resourceId: context.target.workspaceId, evidence: {} }];
  },
});
