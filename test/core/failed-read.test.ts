// The one wording of a failed read: its explanation, its headline in a list, its evidence and its fix.

import { describe, expect, test } from "vitest";
import {
  explainFailedRead,
  failedRead,
  failedReadEvidence,
  failedReadHeadline,
  failedReadRemediation,
} from "../../src/core/failed-read.js";

const NSG = "/subscriptions/S/resourceGroups/RG/providers/Microsoft.Network/networkSecurityGroups/nsg";
const STORAGE = "/subscriptions/S/resourceGroups/RG/providers/Microsoft.Storage/storageAccounts/st";
const REFUSED = {
  operation: "nsg get",
  statusCode: 403,
  code: "AuthorizationFailed",
  permission: "Microsoft.Network/networkSecurityGroups/read",
};

describe("explainFailedRead", () => {
  test.each([
    [
      "status, code and permission",
      REFUSED,
      "403 AuthorizationFailed; needs Microsoft.Network/networkSecurityGroups/read",
    ],
    ["a timeout", { operation: "nsg get", code: "Timeout", message: "no answer in 30 s" }, "Timeout"],
    ["only a message", { operation: "nsg get", message: "socket hang up" }, "socket hang up"],
    ["a permission and nothing else", { permission: "X/read" }, "needs X/read"],
    ["nothing", {}, ""],
  ])("%s", (_name, read, expected) => {
    expect(explainFailedRead(read)).toBe(expected);
  });
});

describe("failedReadHeadline", () => {
  test.each([
    [
      "refused",
      REFUSED,
      "nsg get failed (403 AuthorizationFailed; needs Microsoft.Network/networkSecurityGroups/read)",
    ],
    // The message is the list's to show apart: never in the headline.
    ["only a message", { operation: "nsg get", message: "socket hang up" }, "nsg get failed"],
    ["no operation", { statusCode: 500 }, "a read failed (500)"],
  ])("%s", (_name, read, expected) => {
    expect(failedReadHeadline(read)).toBe(expected);
  });
});

test("failedReadEvidence: the read's fields, the permission only when refused", () => {
  expect(failedReadEvidence(REFUSED)).toEqual({
    operation: "nsg get",
    statusCode: 403,
    code: "AuthorizationFailed",
    missingPermission: "Microsoft.Network/networkSecurityGroups/read",
  });
  expect(failedReadEvidence({ operation: "nsg get", code: "Timeout" })).toEqual({
    operation: "nsg get",
    statusCode: null,
    code: "Timeout",
  });
  expect(failedReadEvidence(undefined)).toEqual({});
});

describe("failedReadRemediation", () => {
  test("a refused read: grant its action; Reader is named only when it covers every action", () => {
    expect(failedReadRemediation([failedRead(NSG, REFUSED)])).toBe(
      `Grant the identity running preflight Microsoft.Network/networkSecurityGroups/read (Reader covers reads) on ${NSG}, then run again.`,
    );
    const listKeys = {
      operation: "storage listKeys",
      statusCode: 403,
      permission: "Microsoft.Storage/storageAccounts/listKeys/action",
    };
    expect(failedReadRemediation([failedRead(STORAGE, listKeys)])).toBe(
      `Grant the identity running preflight Microsoft.Storage/storageAccounts/listKeys/action on ${STORAGE}, then run again.`,
    );
  });

  test("an alternative is said after the fix, whichever fix it is", () => {
    const alternative = { alternative: "run with --no-keys to skip this check" };
    expect(failedReadRemediation([failedRead(STORAGE, { statusCode: 403, permission: "A/action" })], alternative)).toBe(
      `Grant the identity running preflight A/action on ${STORAGE}, then run again. Or run with --no-keys to skip this check.`,
    );
    expect(failedReadRemediation([failedRead(STORAGE, { code: "Timeout" })], alternative)).toBe(
      "Run again with a longer --request-timeout; if ARM stays slow, try later. Or run with --no-keys to skip this check.",
    );
  });

  test("nothing left open: no fix", () => {
    expect(failedReadRemediation([])).toBeUndefined();
  });
});
