import { after, before, describe } from 'node:test';
import { startTestBerth } from '../helpers/berth-server.ts';
import { startReferenceRegistry } from '../helpers/reference-registry.ts';

/**
 * The registries every interop test body runs against: Berth and the reference (CNCF Distribution 2.8.2).
 * The same body runs on both, so a behaviour difference shows up as a failing case on one side; where
 * Distribution legitimately differs, the body asserts each side explicitly (branching on `name`).
 */
export type RegistryName = 'berth' | 'distribution';

export interface RegistryUnderTest {
  name: RegistryName;
  /** Base URL for fetch, e.g. http://127.0.0.1:41655. */
  url: string;
  /** host:port for image references, e.g. `docker://${host}/repo:tag`. */
  host: string;
}

interface RunningTarget extends RegistryUnderTest {
  stop(): Promise<void>;
}

const TARGETS: Record<RegistryName, () => Promise<RunningTarget>> = {
  async berth() {
    const berth = await startTestBerth({}, { open: true });
    return { name: 'berth', url: berth.url, host: new URL(berth.url).host, stop: () => berth.stop() };
  },
  async distribution() {
    const reference = await startReferenceRegistry();
    return { name: 'distribution', url: reference.url, host: reference.host, stop: () => reference.stop() };
  },
};

/**
 * Declares `describe('<title> against <registry>')` once per registry, each with a fresh server started in
 * `before` and stopped in `after`. `body` registers the tests; `registry()` is valid inside them.
 */
export function describeEachRegistry(title: string, body: (registry: () => RegistryUnderTest) => void): void {
  for (const name of Object.keys(TARGETS) as RegistryName[]) {
    describe(`${title} against ${name}`, () => {
      let target: RunningTarget | undefined;
      before(async () => {
        target = await TARGETS[name]();
      });
      after(() => target?.stop());
      body(() => {
        if (!target) throw new Error(`${name} did not start`);
        return target;
      });
    });
  }
}
