// The scenario's POST actions (`listKeys`, ...): immediate ones answered with their body, long-running ones
// (`asyncActions`) the ARM way, 202 Accepted with a `Location` on the fake that is polled until done.

import { normaliseId, parentPath, SUBSCRIPTION_PREFIX } from "./paths.js";
import { armError, okReply, type Reply } from "./reply.js";
import type { AsyncAction, Scenario } from "./scenario.js";

/** Status URL of a long-running operation the fake started (see `asyncActions`). */
const OPERATION_RESULT_PATH = /\/locations\/fake\/operationResults\/(\d+)$/i;

/** A long-running operation started: polls still to answer with 202, and the action with the final body. */
interface Operation {
  remaining: number;
  action: AsyncAction;
}

/** 202 Accepted pointing at the operation's status URL on this server. */
function accepted(path: string, operation: string, action: AsyncAction, baseUrl: string): Reply {
  const subscription = SUBSCRIPTION_PREFIX.exec(path)?.[1] ?? "none";
  const location = `${baseUrl}/subscriptions/${subscription}/providers/Microsoft.MachineLearningServices/locations/fake/operationResults/${operation}?api-version=2025-12-01`;
  return {
    kind: "json",
    status: 202,
    body: {},
    headers: { location, "retry-after": String(action.retryAfter ?? 0) },
  };
}

export class PostActions {
  /** Bodies of immediate actions, by lower-cased path. */
  private readonly actions = new Map<string, unknown>();
  /** Long-running actions, by lower-cased path. */
  private readonly asyncActions = new Map<string, AsyncAction>();
  /** Long-running operations started, by number. */
  private readonly operations = new Map<string, Operation>();

  constructor(scenario: Pick<Scenario, "actions" | "asyncActions">) {
    for (const [path, body] of Object.entries(scenario.actions ?? {})) this.actions.set(normaliseId(path), body);
    for (const [path, action] of Object.entries(scenario.asyncActions ?? {})) {
      this.asyncActions.set(normaliseId(path), action);
    }
  }

  /** True when the scenario gives this action a body (immediate or long-running). */
  lists(path: string): boolean {
    const key = normaliseId(path);
    return this.actions.has(key) || this.asyncActions.has(key);
  }

  /** `POST <resource id>/<action>`: starts a long-running action, or answers an immediate one. */
  post(path: string, baseUrl: string): Reply {
    const key = normaliseId(path);
    const longRunning = this.asyncActions.get(key);
    if (longRunning) {
      const operation = String(this.operations.size + 1);
      this.operations.set(operation, { remaining: Math.max(0, (longRunning.polls ?? 1) - 1), action: longRunning });
      return accepted(path, operation, longRunning, baseUrl);
    }
    if (!this.actions.has(key)) {
      const action = path.slice(path.lastIndexOf("/") + 1);
      return armError(
        404,
        "ResourceNotFound",
        `The action '${action}' on resource '${parentPath(path)}' was not found.`,
      );
    }
    return okReply(this.actions.get(key));
  }

  /** A GET of an operation's status URL (202 until its polls are used up, then 200); undefined for any other path. */
  poll(path: string, baseUrl: string): Reply | undefined {
    const operation = OPERATION_RESULT_PATH.exec(path)?.[1];
    if (operation === undefined) return undefined;
    const state = this.operations.get(operation);
    if (!state) return armError(404, "OperationNotFound", `No operation ${operation}.`);
    if (state.remaining > 0) {
      state.remaining -= 1;
      return accepted(path, operation, state.action, baseUrl);
    }
    return okReply(state.action.body);
  }
}
