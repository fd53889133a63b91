import { sqliteStores } from '../../test/helpers/sqlite-stores.ts';
import { describeTrustRepo } from './trust.contract.ts';

const stores = await sqliteStores('berth-trust-sqlite-');
describeTrustRepo('sqlite', stores.make);
