import { postgresStores } from '../../test/helpers/postgres.ts';
import { describeTagRules } from './tag-rule.contract.ts';

describeTagRules('postgres', postgresStores());
