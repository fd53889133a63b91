/**
 * A `Warning: 299 - "<text>"` header value (RFC 9111: warn-text is a quoted string), kept ASCII: how warn-mode
 * tag rules and pull policies reach docker/podman/skopeo users, which print such headers.
 */
export function warningHeaderValue(text: string): string {
  return `299 - "${text.replace(/[^\x20-\x7e]/g, '?').replace(/["\\]/g, '\\$&')}"`;
}
