import { sqliteStores } from '../../test/helpers/sqlite-stores.ts';
import { describeScanRepo } from './scan.contract.ts';

const stores = await sqliteStores('berth-scan-sqlite-');
describeScanRepo('sqlite', () => stores.make());
