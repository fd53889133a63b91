/** The parts of an image reference as written in FROM: no validation, no defaults. */

/** The tag after the last '/', if any, and whether a digest pins the reference. */
export function imageTag(image: string): { tag: string | undefined; hasDigest: boolean } {
  const at = image.indexOf('@');
  const name = at === -1 ? image : image.slice(0, at);
  const colon = name.lastIndexOf(':');
  return { tag: colon > name.lastIndexOf('/') ? name.slice(colon + 1) : undefined, hasDigest: at !== -1 };
}

/** The reference without tag and digest: `docker.io/library/golang`. */
export function imageRepository(image: string): string {
  const { tag } = imageTag(image);
  const name = image.split('@')[0]!;
  return tag === undefined ? name : name.slice(0, -(tag.length + 1));
}

/** The last path component of the repository: `golang` for `docker.io/library/golang:1.22`. */
export function imageShortName(image: string): string {
  return imageRepository(image).split('/').at(-1)!.toLowerCase();
}
