/**
 * The one catalogue of Berth's error codes. Each code maps to the HTTP status it is served with and, for the
 * registry API, the OCI Distribution error code clients understand (the spec allows only its own table, so
 * Berth-specific conditions borrow the nearest OCI code and say the rest in the message).
 */
export const ERROR_CATALOGUE = {
  BLOB_UNKNOWN: { status: 404, oci: 'BLOB_UNKNOWN', message: 'blob unknown to registry' },
  BLOB_UPLOAD_INVALID: { status: 400, oci: 'BLOB_UPLOAD_INVALID', message: 'blob upload invalid' },
  BLOB_UPLOAD_UNKNOWN: { status: 404, oci: 'BLOB_UPLOAD_UNKNOWN', message: 'blob upload unknown to registry' },
  RANGE_INVALID: { status: 416, oci: 'BLOB_UPLOAD_INVALID', message: 'requested range is out of order or overlaps what was uploaded' },
  RANGE_NOT_SATISFIABLE: { status: 416, oci: 'BLOB_UNKNOWN', message: 'requested range not satisfiable' },
  DIGEST_INVALID: { status: 400, oci: 'DIGEST_INVALID', message: 'provided digest did not match uploaded content' },
  MANIFEST_BLOB_UNKNOWN: { status: 400, oci: 'MANIFEST_BLOB_UNKNOWN', message: 'manifest references a blob or manifest unknown to this repository' },
  MANIFEST_INVALID: { status: 400, oci: 'MANIFEST_INVALID', message: 'manifest invalid' },
  MANIFEST_UNKNOWN: { status: 404, oci: 'MANIFEST_UNKNOWN', message: 'manifest unknown' },
  MANIFEST_TOO_LARGE: { status: 413, oci: 'SIZE_INVALID', message: 'manifest is larger than the registry accepts' },
  NAME_INVALID: { status: 400, oci: 'NAME_INVALID', message: 'invalid repository name' },
  NAME_UNKNOWN: { status: 404, oci: 'NAME_UNKNOWN', message: 'repository name not known to registry' },
  TAG_INVALID: { status: 400, oci: 'TAG_INVALID', message: 'invalid tag' },
  SIZE_INVALID: { status: 400, oci: 'SIZE_INVALID', message: 'provided length did not match content length' },
  // Distribution answers PAGINATION_NUMBER_INVALID, which is not in the spec's table; the spec's UNSUPPORTED
  // covers "an invalid set of parameters", so Berth follows the spec.
  PAGINATION_INVALID: { status: 400, oci: 'UNSUPPORTED', message: 'invalid number of results requested' },
  UNAUTHORIZED: { status: 401, oci: 'UNAUTHORIZED', message: 'authentication required' },
  DENIED: { status: 403, oci: 'DENIED', message: 'requested access to the resource is denied' },
  STILL_REFERENCED: { status: 409, oci: 'DENIED', message: 'content is still referenced and cannot be deleted' },
  CONFLICT: { status: 409, oci: 'DENIED', message: 'resource already exists' },
  PROMOTION_GATE_FAILED: { status: 412, oci: 'DENIED', message: 'a promotion gate did not pass' },
  UNSUPPORTED: { status: 405, oci: 'UNSUPPORTED', message: 'the operation is unsupported' },
  NOT_FOUND: { status: 404, oci: 'UNSUPPORTED', message: 'no such endpoint' },
  RESOURCE_UNKNOWN: { status: 404, oci: 'NAME_UNKNOWN', message: 'resource not found' },
  BODY_TOO_LARGE: { status: 413, oci: 'SIZE_INVALID', message: 'request body is too large' },
  BAD_REQUEST: { status: 400, oci: 'UNSUPPORTED', message: 'malformed request' },
  // Reading an image's content (scan, analysis): a corrupt or hostile image, or one past a configured limit.
  IMAGE_INVALID: { status: 422, oci: 'MANIFEST_INVALID', message: 'the image content is invalid or cannot be read' },
  IMAGE_LIMIT_EXCEEDED: { status: 422, oci: 'SIZE_INVALID', message: 'the image exceeds a limit set for reading it' },
  HEADERS_TOO_LARGE: { status: 431, oci: 'SIZE_INVALID', message: 'request headers are too large' },
  TOO_MANY_REQUESTS: { status: 429, oci: 'TOOMANYREQUESTS', message: 'too many requests' },
  STORAGE_FULL: { status: 507, oci: 'UNKNOWN', message: 'insufficient storage: the registry cannot store more data right now' },
  UNAVAILABLE: { status: 503, oci: 'UNAVAILABLE', message: 'service unavailable' },
  INTERNAL: { status: 500, oci: 'UNKNOWN', message: 'internal server error' },
} as const satisfies Record<string, { status: number; oci: string; message: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;
