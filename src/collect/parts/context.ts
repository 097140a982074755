// What every part reader reads through: one collection's resources, errors and results, and reads
// that are made once however many readers ask (a VNet that both the NSG and the route-table readers
// need is one GET). A fleet's shared reads and its Resource Graph sweep sit behind the same calls.

import { redactFields, type Redactor } from "../../core/redact.js";
import { idKey, parseResourceId } from "../../snapshot/ids.js";
import { privateEndpointConnections } from "../../snapshot/model.js";
import { asObject } from "../../snapshot/json.js";
import type { CollectionError, DiagnoseOutcome, KeysOutcome, PartName, RawResource } from "../../snapshot/types.js";
import type { ArmReader } from "../arm.js";
import type { Operation } from "../permissions.js";
import type { SharedReads } from "../shared-reads.js";

export interface WorkspaceRef {
  subscriptionId: string;
  /** Absent: found by listing the subscription's workspaces. */
  resourceGroup?: string;
  name: string;
}

export interface CollectOptions {
  reader: ArmReader;
  redactor: Redactor;
  workspace: WorkspaceRef;
  parts: readonly PartName[];
  /** --no-keys: no listKeys/listCredentials at all. */
  readKeys: boolean;
  toolVersion: string;
  now?: () => Date;
  /** --diagnose: run Azure's workspace diagnose, bounded by this many milliseconds. Absent: not run. */
  diagnose?: { timeoutMs: number };
  /** A fleet's reads shared between its workspaces (and its Resource Graph sweep); absent: every read is this workspace's own. */
  shared?: SharedReads;
}

/** An ARM ID of a top-level resource, split for the SDK's (resourceGroup, name) calls. */
export interface ParsedRef {
  id: string;
  subscriptionId: string;
  resourceGroup: string;
  name: string;
}

export function parseRef(id: string): ParsedRef | undefined {
  const parsed = parseResourceId(id);
  if (!parsed || parsed.segments.length !== 1) return undefined;
  return {
    id: parsed.id,
    subscriptionId: parsed.subscriptionId,
    resourceGroup: parsed.resourceGroup,
    name: parsed.name,
  };
}

/** The workspace as its reader found it; every other reader starts from it. */
export interface WorkspaceRead {
  id: string;
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  raw: RawResource;
  properties: Record<string, unknown>;
  /** A Foundry project's hub: where it is, and its body when it could be read. */
  hub?: { ref: ParsedRef; read?: WorkspaceRead };
}

export class ReadContext {
  readonly resources = new Map<string, RawResource>();
  readonly errors: CollectionError[] = [];
  readonly privateEndpointTypes: Record<string, string[]> = {};
  keys?: KeysOutcome;
  diagnose?: DiagnoseOutcome;
  private workspaceRead?: WorkspaceRead;
  private readonly gets = new Map<string, Promise<RawResource | undefined>>();
  private readonly lists = new Map<string, Promise<RawResource[] | undefined>>();
  private readonly derived = new Map<string, Promise<unknown>>();

  constructor(
    readonly options: CollectOptions,
    private readonly wanted: ReadonlySet<PartName>,
  ) {}

  get reader(): ArmReader {
    return this.options.reader;
  }

  get shared(): SharedReads | undefined {
    return this.options.shared;
  }

  want(part: PartName): boolean {
    return this.wanted.has(part);
  }

  get workspace(): WorkspaceRead {
    if (!this.workspaceRead) throw new Error("the workspace is read before any other part");
    return this.workspaceRead;
  }

  set workspace(read: WorkspaceRead) {
    this.workspaceRead = read;
  }

  /**
   * The workspace whose dependencies, network and computes apply: a project's hub (undefined when it
   * could not be read, so nothing is read in its name), otherwise the workspace itself.
   */
  get settingsWorkspace(): WorkspaceRead | undefined {
    const { hub } = this.workspace;
    return hub ? hub.read : this.workspace;
  }

  /** Keeps a body (secret-looking fields redacted) as a resource of the snapshot. */
  keep(body: Record<string, unknown>): RawResource {
    const clean = redactFields(body) as RawResource;
    if (typeof clean.id === "string") this.resources.set(idKey(clean.id), clean);
    return clean;
  }

  fail(error: CollectionError): void {
    this.errors.push(error);
  }

  /** One resource by ID, read once for the collection (and once for a fleet's run): its body, or undefined when the read failed. */
  get(
    part: PartName,
    operation: Operation,
    id: string,
    call: (ref: ParsedRef) => Promise<unknown>,
  ): Promise<RawResource | undefined> {
    return memo(this.gets, idKey(id), async () => {
      const ref = parseRef(id);
      if (!ref) {
        this.fail({ part, resourceId: id, operation, message: `"${id}" is not an ARM resource ID` });
        return undefined;
      }
      const kept = this.resources.get(idKey(id));
      if (kept) return kept;
      const read = () => this.reader.readOne(part, operation, id, () => call(ref));
      const result = await (this.shared ? this.shared.one(id, read) : read());
      if (!result.ok) {
        this.fail(result.error);
        return undefined;
      }
      return this.keep(result.body);
    });
  }

  /**
   * Every item of a list, read once for the collection and kept: the items, or undefined when the list
   * failed. `childType` lets a fleet answer a parent's children from its sweep.
   */
  list(
    part: PartName,
    operation: Operation,
    listId: string,
    call: () => AsyncIterable<unknown>,
    childType?: string,
  ): Promise<RawResource[] | undefined> {
    return memo(this.lists, idKey(listId), async () => {
      const read = () => this.reader.readAll(part, operation, listId, call);
      const parentId = listId.slice(0, listId.lastIndexOf("/"));
      const result = await (this.shared && childType ? this.shared.children(parentId, childType, read) : read());
      if (!result.ok) {
        this.fail(result.error);
        return undefined;
      }
      return result.items.map((item) => this.keep(item));
    });
  }

  /** A value worked out once per collection, whichever reader asks first (a read several readers build on). */
  once<T>(key: string, work: () => Promise<T>): Promise<T> {
    return memo(this.derived, key, work) as Promise<T>;
  }

  /** The resources kept so far whose type is `type` (case-insensitive). */
  resourcesOfType(type: string): RawResource[] {
    const wanted = type.toLowerCase();
    return [...this.resources.values()].filter(
      (resource) => typeof resource.type === "string" && resource.type.toLowerCase() === wanted,
    );
  }
}

/** The private endpoints a resource's `privateEndpointConnections` name. */
export function endpointIdsOf(raw: unknown): string[] {
  return privateEndpointConnections(raw)
    .map((connection) => connection.privateEndpointId)
    .filter((id): id is string => !!id);
}

/** The object under `properties`, or an empty one. */
export function propertiesOf(raw: RawResource | undefined): Record<string, unknown> {
  return asObject(raw?.properties) ?? {};
}

function memo<T>(cache: Map<string, Promise<T>>, key: string, read: () => Promise<T>): Promise<T> {
  let pending = cache.get(key);
  if (!pending) {
    pending = read();
    cache.set(key, pending);
  }
  return pending;
}
