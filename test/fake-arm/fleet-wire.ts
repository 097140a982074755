// ARM wire-format helpers the fleet generator's builders share.

export const NETWORK = "Microsoft.Network";
/** The connection state of an approved private endpoint connection. */
export const APPROVED = { status: "Approved", description: "Auto-Approved", actionsRequired: "None" };

export const ref = (id: string) => ({ id });

export function nameOf(id: string): string {
  return id.slice(id.lastIndexOf("/") + 1);
}
