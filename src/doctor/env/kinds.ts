// What `preflight env --kind` accepts, apart from the linters so that parsing loads none of them.

export const ENV_KINDS = ["conda", "requirements", "dockerfile", "azureml-environment"] as const;
export type EnvKind = (typeof ENV_KINDS)[number];
