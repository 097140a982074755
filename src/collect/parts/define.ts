// One reader per snapshot part: the part it fills, the parts it must wait for, the parts its checks
// need beside it, and how it reads. The collector starts each selected reader once everything in
// its `after` that is collected at all has been read.

import type { PartName } from "../../snapshot/types.js";
import type { ReadContext } from "./context.js";

export interface PartReader {
  part: PartName;
  /** Parts read before this one starts (those not collected in this run are not waited for). */
  after: readonly PartName[];
  /** Parts that are collected whenever this one is: what its checks cannot be judged without. */
  implies: readonly PartName[];
  read(ctx: ReadContext): Promise<void>;
}

export function definePart(reader: {
  part: PartName;
  after?: readonly PartName[];
  implies?: readonly PartName[];
  read(ctx: ReadContext): Promise<void>;
}): PartReader {
  return { after: [], implies: [], ...reader };
}
