import { sqliteStores } from '../../test/helpers/sqlite-stores.ts';
import { describePromotionGates } from './promotion-gate.contract.ts';

const stores = await sqliteStores('berth-promotion-sqlite-');
describePromotionGates('sqlite', () => stores.make());
