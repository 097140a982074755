// The key vault the workspace names (properties.keyVault).
import { dependencyPart } from "./dependencies.js";

export default dependencyPart("keyVault");
