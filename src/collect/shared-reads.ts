// Reads shared by the workspaces of a fleet: a VNet, NSG, DNS zone, a region's private endpoint types
// or a storage account's keys serves many workspaces and is read once for the run. What a Resource Graph sweep returned
// is served from it; anything it did not return (out of scope, a type it does not index, a
// resource deleted since) is read from ARM, once, and that answer (a failure too) is shared.

import { idKey } from "../snapshot/ids.js";
import type { CollectionError, RawResource } from "../snapshot/types.js";

export type ReadOneResult = { ok: true; body: Record<string, unknown> } | { ok: false; error: CollectionError };
export type ReadAllResult = { ok: true; items: Record<string, unknown>[] } | { ok: false; error: CollectionError };

/** Resources a sweep returned, by ID and by parent and child type. */
export class SweepIndex {
  private readonly byId = new Map<string, RawResource>();
  private readonly children = new Map<string, RawResource[]>();
  /** Lower-cased types the sweep returned at least one row of. */
  private readonly typesSeen = new Set<string>();

  constructor(rows: Iterable<RawResource>) {
    for (const row of rows) this.add(row);
  }

  get size(): number {
    return this.byId.size;
  }

  add(row: RawResource): void {
    if (typeof row.id !== "string") return;
    const key = idKey(row.id);
    if (this.byId.has(key)) return;
    this.byId.set(key, row);
    const type = typeof row.type === "string" ? row.type.toLowerCase() : "";
    if (!type) return;
    this.typesSeen.add(type);
    const parent = key.slice(0, key.lastIndexOf("/", key.lastIndexOf("/") - 1));
    const siblings = this.children.get(`${parent}|${type}`);
    if (siblings) siblings.push(row);
    else this.children.set(`${parent}|${type}`, [row]);
  }

  get(id: string): RawResource | undefined {
    return this.byId.get(idKey(id));
  }

  /**
   * The children of `parentId` of `childType`, when the sweep can vouch for the whole list: the parent
   * came back from it and it indexes the type at all (returned a row of it anywhere). Otherwise
   * undefined: an empty answer would not tell "none" from "not indexed" or "out of scope".
   */
  childrenOf(parentId: string, childType: string): RawResource[] | undefined {
    const type = childType.toLowerCase();
    if (!this.typesSeen.has(type) || !this.byId.has(idKey(parentId))) return undefined;
    return this.children.get(`${idKey(parentId)}|${type}`) ?? [];
  }
}

/** What the collector asks of a fleet's shared reads; absent for a single workspace. */
export class SharedReads {
  private readonly ones = new Map<string, Promise<ReadOneResult>>();
  private readonly workspaces = new Map<string, Promise<ReadOneResult>>();
  private readonly lists = new Map<string, Promise<ReadAllResult>>();
  private readonly keyReads = new Map<string, Promise<ReadOneResult>>();
  /** Reads answered from the sweep instead of ARM. */
  servedFromSweep = 0;
  /** Key-listing POSTs made, by operation (each key once for the run). */
  readonly keyRequests: Record<string, number> = {};

  constructor(private readonly index: SweepIndex = new SweepIndex([])) {}

  /** The sweep's row for this ID, if it returned one (nothing is read, nothing counted). */
  peek(id: string): RawResource | undefined {
    return this.index.get(id);
  }

  /** The resource with this ID: from the sweep, else read through `read` once for the run. */
  one(id: string, read: () => Promise<ReadOneResult>): Promise<ReadOneResult> {
    const row = this.index.get(id);
    if (row) {
      this.servedFromSweep += 1;
      return Promise.resolve({ ok: true, body: row });
    }
    return memo(this.ones, idKey(id), read);
  }

  /**
   * A workspace's own GET, from ARM at the pinned api-version (never the sweep's copy, which may lack
   * `managedNetwork` and `imageBuildCompute`), once for the run: a hub is read once for itself and for
   * every project of it.
   */
  workspace(id: string, read: () => Promise<ReadOneResult>): Promise<ReadOneResult> {
    return memo(this.workspaces, idKey(id), read);
  }

  /** The children of `parentId` of `childType`: from the sweep when it covers them, else listed once. */
  children(parentId: string, childType: string, list: () => Promise<ReadAllResult>): Promise<ReadAllResult> {
    const rows = this.index.childrenOf(parentId, childType);
    if (rows) {
      this.servedFromSweep += 1;
      return Promise.resolve({ ok: true, items: rows });
    }
    return memo(this.lists, `${idKey(parentId)}|${childType.toLowerCase()}`, list);
  }

  /**
   * A key-listing POST (workspace listKeys, storage listKeys, registry listCredentials), made once for the
   * run: a storage account or registry shared by many workspaces, or a hub by its projects, is asked once.
   * Each spends a token of ARM's write bucket.
   */
  keys(operation: string, id: string, read: () => Promise<ReadOneResult>): Promise<ReadOneResult> {
    return memo(this.keyReads, `${operation}|${idKey(id)}`, () => {
      this.keyRequests[operation] = (this.keyRequests[operation] ?? 0) + 1;
      return read();
    });
  }

  /** A list read once for the run, by a key of the caller's (availablePrivateEndpointTypes per subscription and region). */
  once(key: string, list: () => Promise<ReadAllResult>): Promise<ReadAllResult> {
    return memo(this.lists, key.toLowerCase(), list);
  }
}

function memo<T>(cache: Map<string, Promise<T>>, key: string, read: () => Promise<T>): Promise<T> {
  let pending = cache.get(key);
  if (!pending) {
    pending = read();
    cache.set(key, pending);
  }
  return pending;
}
