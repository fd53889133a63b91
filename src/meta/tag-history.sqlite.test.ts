import { sqliteStores } from '../../test/helpers/sqlite-stores.ts';
import { describeTagHistory } from './tag-history.contract.ts';

const { make } = await sqliteStores('berth-tag-history-');

describeTagHistory('sqlite', make);
