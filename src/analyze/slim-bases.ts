const MB = 1000 * 1000;

/** A base image family with a smaller variant, and typical uncompressed sizes (linux/amd64, 2024-2025 tags). */
export interface SlimVariant {
  /** What to use instead, `<version>` standing for the image's own version. */
  alternatives: string[];
  typicalBytes: number;
  typicalSlimBytes: number;
}

/** Keyed by repository name without registry or `library/`; a tag containing a marker is already slim. */
const SLIM_TABLE: Record<string, SlimVariant> = {
  debian: { alternatives: ['debian:<version>-slim', 'gcr.io/distroless/base-debian12'], typicalBytes: 117 * MB, typicalSlimBytes: 74 * MB },
  ubuntu: { alternatives: ['gcr.io/distroless/base-debian12', 'debian:<version>-slim'], typicalBytes: 78 * MB, typicalSlimBytes: 20 * MB },
  python: { alternatives: ['python:<version>-slim', 'gcr.io/distroless/python3-debian12'], typicalBytes: 1020 * MB, typicalSlimBytes: 130 * MB },
  node: { alternatives: ['node:<version>-slim', 'node:<version>-alpine', 'gcr.io/distroless/nodejs22-debian12'], typicalBytes: 1100 * MB, typicalSlimBytes: 200 * MB },
  golang: { alternatives: ['a multi-stage build running on gcr.io/distroless/static-debian12'], typicalBytes: 800 * MB, typicalSlimBytes: 2 * MB },
  rust: { alternatives: ['a multi-stage build running on gcr.io/distroless/cc-debian12 or debian:<version>-slim'], typicalBytes: 1500 * MB, typicalSlimBytes: 25 * MB },
  ruby: { alternatives: ['ruby:<version>-slim', 'ruby:<version>-alpine'], typicalBytes: 900 * MB, typicalSlimBytes: 200 * MB },
  openjdk: { alternatives: ['eclipse-temurin:<version>-jre', 'eclipse-temurin:<version>-jre-alpine'], typicalBytes: 470 * MB, typicalSlimBytes: 270 * MB },
  'eclipse-temurin': { alternatives: ['eclipse-temurin:<version>-jre', 'eclipse-temurin:<version>-jre-alpine'], typicalBytes: 450 * MB, typicalSlimBytes: 270 * MB },
  maven: { alternatives: ['a multi-stage build running on eclipse-temurin:<version>-jre'], typicalBytes: 500 * MB, typicalSlimBytes: 270 * MB },
  gradle: { alternatives: ['a multi-stage build running on eclipse-temurin:<version>-jre'], typicalBytes: 700 * MB, typicalSlimBytes: 270 * MB },
  php: { alternatives: ['php:<version>-fpm-alpine', 'php:<version>-cli-alpine'], typicalBytes: 500 * MB, typicalSlimBytes: 100 * MB },
  centos: { alternatives: ['registry.access.redhat.com/ubi9/ubi-minimal'], typicalBytes: 230 * MB, typicalSlimBytes: 100 * MB },
  fedora: { alternatives: ['registry.access.redhat.com/ubi9/ubi-minimal'], typicalBytes: 190 * MB, typicalSlimBytes: 100 * MB },
};

const SLIM_MARKERS = /slim|alpine|distroless|minimal|micro|jre|static/;

/** The slim variant of `repository:tag`, or undefined when there is none in the table or the tag is slim already. */
export function slimVariantOf(repository: string, tag: string | undefined): SlimVariant | undefined {
  const short = repository.replace(/^(?:[^/]+[.:][^/]*\/|localhost\/)/, '').replace(/^library\//, '');
  if (SLIM_MARKERS.test(short) || (tag !== undefined && SLIM_MARKERS.test(tag))) return undefined;
  return SLIM_TABLE[short];
}
