// The container registry the workspace names (properties.containerRegistry); none until the first image build.
import { dependencyPart } from "./dependencies.js";

export default dependencyPart("registry");
