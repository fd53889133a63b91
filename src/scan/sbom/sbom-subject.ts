import { formatPurl } from '../inventory/purl.ts';

/** The image an SBOM describes: its root component / package. */
export interface SbomSubject {
  /** Repository or reference the image is known by (`library/nginx`, `oci:/layouts/app`). */
  name: string;
  /** The image manifest digest (`sha256:...`). */
  digest: string;
  /** A tag, when the image was named by one. */
  tag?: string;
}

export interface SbomOptions {
  /** Document creation time (default now). */
  createdAt?: Date;
  /** Document identity: the CycloneDX serial number and the SPDX namespace's unique part (default random). */
  uuid?: string;
  /** The producing tool's version, recorded in the document. */
  toolVersion?: string;
}

/** `pkg:oci/name@sha256%3A...?tag=...`: the image as a package URL (the name is the repository's last part). */
export function imagePurl(subject: SbomSubject): string {
  const name = subject.name.replace(/^[a-z]+:/, '').split('/').filter(Boolean).pop() ?? 'image';
  const repo = subject.name.includes('/') && !subject.name.includes(':') ? subject.name : undefined;
  return formatPurl({ type: 'oci', name: name.toLowerCase(), version: subject.digest, qualifiers: { tag: subject.tag, repository_url: repo } });
}
