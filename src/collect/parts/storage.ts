// The storage account the workspace names (properties.storageAccount).
import { dependencyPart } from "./dependencies.js";

export default dependencyPart("storage");
