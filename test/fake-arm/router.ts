// The fake ARM's request router: what a request answers when no throttle, quota or fault steps in.
// GETs read subscriptions, availablePrivateEndpointTypes, operation status URLs, resources and collections;
// POSTs run Resource Graph queries and actions (a registry's listCredentials with its admin user off is
// refused as ACR refuses it); every write is refused (the fake is read-only).

import { PostActions } from "./actions.js";
import { collectionPage, ResourceIndex, type PageRequest } from "./collections.js";
import { normaliseId, normaliseRegion, parentPath } from "./paths.js";
import { armError, isRecord, notFound, type JsonBody, type Reply } from "./reply.js";
import { RESOURCE_GRAPH_PATH, ResourceGraph } from "./resource-graph.js";
import type { Scenario } from "./scenario.js";

/** Listed for a region the scenario's `privateEndpointTypes` does not name. */
export const COMMON_PRIVATE_ENDPOINT_TYPES: readonly string[] = [
  "Microsoft.Storage/storageAccounts",
  "Microsoft.ContainerRegistry/registries",
  "Microsoft.KeyVault/vaults",
  "Microsoft.MachineLearningServices/workspaces",
  "Microsoft.MachineLearningServices/registries",
  "Microsoft.Sql/servers",
  "Microsoft.Web/sites",
  "Microsoft.CognitiveServices/accounts",
  "Microsoft.Insights/privateLinkScopes",
  "Microsoft.DocumentDB/databaseAccounts",
  "Microsoft.EventHub/namespaces",
  "Microsoft.ServiceBus/namespaces",
  "Microsoft.Search/searchServices",
  "Microsoft.Network/privateLinkServices",
];

const SUBSCRIPTION_PATH = /^\/subscriptions\/([^/]+)$/i;
const PRIVATE_ENDPOINT_TYPES_PATH =
  /^\/subscriptions\/([^/]+)(?:\/resourceGroups\/[^/]+)?\/providers\/Microsoft\.Network\/locations\/([^/]+)\/availablePrivateEndpointTypes$/i;

function subscriptionBody(subscriptionId: string): JsonBody {
  return { id: `/subscriptions/${subscriptionId}`, subscriptionId, displayName: subscriptionId, state: "Enabled" };
}

function privateEndpointTypeBody(subscriptionId: string, type: string): JsonBody {
  return {
    name: type,
    id: `/subscriptions/${subscriptionId}/providers/Microsoft.Network/AvailablePrivateEndpointTypes/${type}`,
    type: "Microsoft.Network/AvailablePrivateEndpointTypes",
    resourceName: type,
    displayName: type,
  };
}

/** One request as the router sees it. */
export interface RoutedRequest {
  /** Upper-cased. */
  method: string;
  /** URL path, decoded. */
  path: string;
  /** URL path as the client sent it. */
  rawPath: string;
  /** Query string without the `?`. */
  query: string;
  /** The request body as text. */
  body: string;
}

export class ArmRouter {
  /** `https://127.0.0.1:PORT` once the server listens: nextLinks and operation URLs point here. */
  baseUrl = "";
  private readonly index: ResourceIndex;
  private readonly actions: PostActions;
  /** Normalised region -> the types availablePrivateEndpointTypes lists there. */
  private readonly privateEndpointTypes = new Map<string, string[]>();
  private readonly resourceGraph: ResourceGraph;

  constructor(
    scenario: Scenario,
    private readonly pageSize: number,
  ) {
    this.index = new ResourceIndex(scenario.resources);
    this.actions = new PostActions(scenario);
    for (const [region, types] of Object.entries(scenario.privateEndpointTypes ?? {})) {
      this.privateEndpointTypes.set(normaliseRegion(region), types);
    }
    this.resourceGraph = new ResourceGraph(scenario);
  }

  answer(request: RoutedRequest): Reply {
    const { method, path } = request;
    switch (method) {
      case "GET":
        return this.answerGet(request);
      case "POST":
        return this.answerPost(path, request.body);
      case "PUT":
      case "PATCH":
      case "DELETE":
        return armError(405, "MethodNotAllowed", `The fake ARM server is read-only: ${method} is not allowed.`);
      default:
        return notFound(path);
    }
  }

  private page(members: readonly unknown[], request: RoutedRequest): Reply {
    const at: PageRequest = { baseUrl: this.baseUrl, rawPath: request.rawPath, query: request.query };
    return collectionPage(members, at, this.pageSize);
  }

  private answerGet(request: RoutedRequest): Reply {
    const { path } = request;
    const key = normaliseId(path);
    if (key === "/subscriptions") {
      return this.page([...this.index.subscriptions.values()].map(subscriptionBody), request);
    }
    const subscriptionMatch = SUBSCRIPTION_PATH.exec(key);
    if (subscriptionMatch) {
      const subscriptionId = this.index.subscriptions.get(subscriptionMatch[1] ?? "");
      return subscriptionId === undefined
        ? notFound(path)
        : { kind: "json", status: 200, body: subscriptionBody(subscriptionId) };
    }
    const typesMatch = PRIVATE_ENDPOINT_TYPES_PATH.exec(path);
    if (typesMatch) {
      const subscriptionId = typesMatch[1] ?? "";
      const types =
        this.privateEndpointTypes.get(normaliseRegion(typesMatch[2] ?? "")) ?? COMMON_PRIVATE_ENDPOINT_TYPES;
      return this.page(
        types.map((type) => privateEndpointTypeBody(subscriptionId, type)),
        request,
      );
    }
    const operationReply = this.actions.poll(path, this.baseUrl);
    if (operationReply) return operationReply;
    const resource = this.index.get(path);
    if (resource) return { kind: "json", status: 200, body: resource };
    const members = this.index.list(path);
    if (members) return this.page(members, request);
    return notFound(path);
  }

  private answerPost(path: string, requestBody: string): Reply {
    if (RESOURCE_GRAPH_PATH.test(path)) return this.resourceGraph.answer(requestBody);
    return this.adminUserDisabled(path) ?? this.actions.post(path, this.baseUrl);
  }

  /**
   * A registry's listCredentials the scenario does not list, on a registry whose admin user is off: ACR's
   * 400 (UnAuthorizedForCredentialOperations, as quoted in hashicorp/terraform-provider-azurerm#21440).
   */
  private adminUserDisabled(path: string): Reply | undefined {
    if (!/\/listCredentials$/i.test(path) || this.actions.lists(path)) return undefined;
    const registry = this.index.get(parentPath(path));
    if (!registry || String(registry.type).toLowerCase() !== "microsoft.containerregistry/registries") return undefined;
    if (isRecord(registry.properties) && registry.properties.adminUserEnabled === true) return undefined;
    return armError(
      400,
      "UnAuthorizedForCredentialOperations",
      `Cannot perform credential operations for ${String(registry.id)} as admin user is disabled. Kindly enable admin user as per docs: https://docs.microsoft.com/en-us/azure/container-registry/container-registry-authentication#admin-account`,
    );
  }
}
