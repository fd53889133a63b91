import { sqliteStores } from '../../test/helpers/sqlite-stores.ts';
import { describeTagRules } from './tag-rule.contract.ts';

const stores = await sqliteStores('berth-tag-rules-sqlite-');
describeTagRules('sqlite', () => stores.make());
