// Injected faults: which one a request gets (shared with the fake package index), and what the fake ARM
// answers for it.

import { armError, type Reply } from "./reply.js";
import type { Fault } from "./scenario.js";

/** What a fault is matched on; the fake ARM's faults and the fake index's share these fields. */
export interface MatchableFault {
  /** HTTP method to match (case-insensitive); absent: any method. */
  method?: string;
  /** Regular expression matched case-insensitively against the URL path without the query string. */
  path: string;
  /** Only the first N matching requests get this fault; 0 or absent: every one. */
  times?: number;
}

interface ActiveFault<F> {
  fault: F;
  pattern: RegExp;
  matchCount: number;
}

/** A scenario's faults, in order, each with the number of requests it has matched so far. */
export class FaultMatcher<F extends MatchableFault> {
  private readonly faults: ActiveFault<F>[];

  constructor(faults: readonly F[]) {
    this.faults = faults.map((fault) => ({ fault, pattern: new RegExp(fault.path, "i"), matchCount: 0 }));
  }

  /** The first fault that matches and has not used up its `times`, counting the match. */
  take(method: string, path: string): F | undefined {
    for (const active of this.faults) {
      const { fault } = active;
      if (fault.method !== undefined && fault.method.toUpperCase() !== method) continue;
      if (!active.pattern.test(path)) continue;
      const times = fault.times ?? 0;
      if (times > 0 && active.matchCount >= times) continue;
      active.matchCount += 1;
      return fault;
    }
    return undefined;
  }
}

/** The fake ARM's answer under `fault`; `normal` is the answer without it (for a fault that only delays or adds headers). */
export function faultReply(fault: Fault, normal: () => Reply): Reply {
  if (fault.reset) return { kind: "reset" };
  const headers: Record<string, string> = {};
  if (fault.retryAfter !== undefined) headers["retry-after"] = String(fault.retryAfter);
  if (fault.body !== undefined) return { kind: "raw", status: fault.status ?? 200, body: fault.body, headers };
  if (fault.status === undefined) {
    const reply = normal();
    return reply.kind === "reset" ? reply : { ...reply, headers: { ...reply.headers, ...headers } };
  }
  const reply = armError(
    fault.status,
    fault.code ?? "FaultInjected",
    fault.message ?? `Fault injected by the fake ARM server for ${fault.path}.`,
  );
  return { ...reply, headers };
}
