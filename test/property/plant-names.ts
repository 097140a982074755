// Planting text in the names of a snapshot, for tests of what a name from someone else's file can do
// when it is printed or pasted into a shell.

/** `text` with `insert` in its middle: the same for equal texts, so IDs planted alike still join. */
export function middle(text: string, insert: string): string {
  const at = Math.floor(text.length / 2);
  return `${text.slice(0, at)}${insert}${text.slice(at)}`;
}

export interface PlantOptions {
  /** Keys whose string value is a name (`name`, `workspace`, `resourceGroup`, …). */
  keys: readonly string[];
  /** A name to leave as it is because it is Azure's, not the customer's; `previous` is the ID segment before it. */
  spare?: (name: string, previous?: string) => boolean;
  /** Keys of objects whose names are all Azure's (a SKU's `name`). */
  azureNamed?: readonly string[];
}

/**
 * A planter: a copy of a snapshot with `insert` in every name, in the values of `keys` and in the
 * resource group and every name after the provider namespace of each resource ID. What the checks
 * read as values (priorities, prefixes, states) is left alone, so the same problems are found.
 */
export function namePlanter(options: PlantOptions): (value: unknown, insert: string) => unknown {
  const keys = new Set(options.keys);
  const azureNamed = new Set(options.azureNamed ?? []);
  const spare = options.spare ?? (() => false);
  const plantId = (id: string, insert: string): string => {
    const parts = id.split("/");
    const provider = parts.findIndex((part) => part.toLowerCase() === "providers");
    return parts
      .map((part, at) => {
        const previous = parts[at - 1]?.toLowerCase();
        if (previous === "resourcegroups") return middle(part, insert);
        const isName = provider >= 0 && at > provider + 1 && (at - provider) % 2 === 1;
        return isName && !spare(part, previous) ? middle(part, insert) : part;
      })
      .join("/");
  };
  const plant = (value: unknown, insert: string, key: string): unknown => {
    if (typeof value === "string") {
      if (value.startsWith("/subscriptions/")) return plantId(value, insert);
      return keys.has(key) && !spare(value) ? middle(value, insert) : value;
    }
    if (Array.isArray(value)) return value.map((item) => plant(item, insert, key));
    if (value === null || typeof value !== "object" || azureNamed.has(key)) return value;
    return Object.fromEntries(Object.entries(value).map(([name, child]) => [name, plant(child, insert, name)]));
  };
  return (value, insert) => plant(value, insert, "");
}
