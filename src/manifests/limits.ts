/**
 * Input limits of the manifest loader. Each is far above what a real set of manifests needs
 * and keeps time and memory small and linear below it; going over one is a coded error.
 */
export const LIMITS = {
  /** bytes of one manifest file (or of stdin) */
  fileBytes: 4 * 1024 * 1024,
  /** characters of one YAML document (a Kubernetes object is at most 1.5 MiB in etcd) */
  documentBytes: 1024 * 1024,
  /** documents in one run, over all files */
  documents: 20_000,
  /** items of one YAML list (a stream's subjects, a List's items, ...) */
  listItems: 10_000,
  /** nesting depth of mappings and lists */
  depth: 64,
  /** values that aliases (`*name`, `<<: *name`) may add to one YAML document */
  aliasValues: 100_000,
} as const;

export type LoadLimits = { readonly [K in keyof typeof LIMITS]: number };
