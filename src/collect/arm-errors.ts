// How a failed ARM read is reported: the SDK's exception or HTTP error becomes a CollectionError
// with ARM's own code and message, the retries it took, and on a 403 the permission the read needs.

import { isRestError } from "@azure/core-rest-pipeline";
import type { CollectionError, PartName } from "../snapshot/types.js";
import { READ_PERMISSIONS, type Operation } from "./permissions.js";
import { parseBody, type Capture } from "./response-capture.js";
import type { Redactor } from "../core/redact.js";

/** What a read's error depends on besides the read: the run's limits and how far it has got. */
export interface ErrorContext {
  redactor: Redactor;
  requestTimeoutMs: number;
  maxRetryAfterMs: number;
  /** Seconds of --timeout, for the message of a read it cut short. */
  deadlineSeconds?: number;
  /** True once the run's --timeout has passed. */
  pastDeadline: boolean;
}

/** A read the run's --timeout cut short (`started`) or kept from starting. */
export function deadlineError(
  part: PartName,
  operation: Operation,
  resourceId: string,
  started: boolean,
  deadlineSeconds: number | undefined,
): CollectionError {
  const limit = deadlineSeconds !== undefined ? `the run's --timeout of ${deadlineSeconds} s` : "the run's deadline";
  return {
    part,
    resourceId,
    operation,
    code: "DeadlineExceeded",
    message: started ? `${limit} passed before the answer came` : `not read: ${limit} had passed`,
  };
}

/** A failed read as the report shows it: ARM's code and first line of message, redacted, and how often it was tried. */
export function armCollectionError(
  part: PartName,
  operation: Operation,
  resourceId: string,
  error: unknown,
  capture: Capture | undefined,
  context: ErrorContext,
): CollectionError {
  const redact = (text: string) => context.redactor.redactMessage(text);
  const attempts = capture?.attempts.length ?? 0;
  const tried = attempts > 1 ? { attempts } : {};
  if (error instanceof Error && error.name === "AbortError") {
    if (context.pastDeadline)
      return { ...deadlineError(part, operation, resourceId, true, context.deadlineSeconds), ...tried };
    const seconds = context.requestTimeoutMs / 1000;
    return {
      part,
      resourceId,
      operation,
      code: "Timeout",
      message: `no answer within --request-timeout ${seconds} s`,
      ...tried,
    };
  }
  if (isRestError(error)) {
    const statusCode = error.statusCode;
    // Paged lists raise their own error without the body; the wire kept the last error answer.
    const envelope = armErrorEnvelope(error.response?.bodyAsText) ?? armErrorEnvelope(capture?.errorBody);
    const code = envelope?.code ?? error.code;
    const last = capture?.attempts[capture.attempts.length - 1];
    const gaveUp =
      last?.retryAfterMs !== undefined && last.retryAfterMs > context.maxRetryAfterMs
        ? ` (ARM asked to wait ${Math.ceil(last.retryAfterMs / 1000)} s, longer than --max-retry-after ${context.maxRetryAfterMs / 1000} s)`
        : attempts > 1
          ? ` (after ${attempts} attempts)`
          : "";
    const text =
      code === "PARSE_ERROR"
        ? parseFailure(error.message)
        : statusCode === undefined
          ? error.message
          : (envelope?.message ?? error.message);
    return {
      part,
      resourceId,
      operation,
      ...(statusCode !== undefined ? { statusCode } : {}),
      ...(code ? { code } : {}),
      message: redact(`${firstLine(text)}${gaveUp}`),
      ...(statusCode === 403 ? { permission: READ_PERMISSIONS[operation] } : {}),
      ...tried,
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { part, resourceId, operation, message: redact(firstLine(message)), ...tried };
}

/** The SDK's parse error quotes the body it could not parse, which may hold keys: keep only the reason. */
function parseFailure(message: string): string {
  const reason = /Error "([^"]*)" occurred while parsing/.exec(message)?.[1];
  return `the response body is not valid JSON${reason ? ` (${reason})` : ""}`;
}

/** ARM's error envelope `{ "error": { "code", "message" } }` in a response body, as strings. */
function armErrorEnvelope(text: string | null | undefined): { code?: string; message?: string } | undefined {
  const inner = parseBody(text ?? undefined)?.error;
  if (!inner || typeof inner !== "object") return undefined;
  const { code, message } = inner as Record<string, unknown>;
  return { ...(typeof code === "string" ? { code } : {}), ...(typeof message === "string" ? { message } : {}) };
}

function firstLine(text: string): string {
  const line = text.split(/\r?\n/)[0] ?? "";
  return line.length > 500 ? `${line.slice(0, 497)}...` : line;
}
