import { apkScheme } from './apk.version.ts';
import { dpkgScheme } from './dpkg.version.ts';
import { goScheme } from './go.version.ts';
import { mavenScheme } from './maven.version.ts';
import { pep440Scheme } from './pep440.version.ts';
import { rpmScheme } from './rpm.version.ts';
import { rubygemsScheme } from './rubygems.version.ts';
import { semverScheme } from './semver.version.ts';
import type { SchemeName, VersionScheme } from './version-scheme.ts';

/** Every version scheme by name. */
export const VERSION_SCHEMES: Readonly<Record<SchemeName, VersionScheme>> = {
  dpkg: dpkgScheme,
  apk: apkScheme,
  rpm: rpmScheme,
  semver: semverScheme,
  pep440: pep440Scheme,
  maven: mavenScheme,
  go: goScheme,
  rubygems: rubygemsScheme,
};
