// Which cluster node this server process is (env NODE_ID, e.g. the Kubernetes pod name or the
// HAProxy server name), handed to clients in `ready.node` as the routing hint for resuming.
const NODE_ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

/** The node id from the environment; undefined when unset (a single server) or unusable. */
export function nodeIdFrom(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const raw = env.NODE_ID?.trim();
  if (!raw) return undefined;
  if (!NODE_ID_RE.test(raw)) throw new Error(`NODE_ID "${raw.slice(0, 70)}" must be 1-63 letters, digits, "_", "." or "-"`);
  return raw;
}

/** This process's node id, read once. */
export const NODE_ID: string | undefined = nodeIdFrom();

/** The fields `ready` gets on a cluster node (none on a single server). */
export function routingHint(node: string | undefined = NODE_ID): { node?: string } {
  return node ? { node } : {};
}
