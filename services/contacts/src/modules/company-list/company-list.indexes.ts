import { listIndexes } from '../list-filter/list-indexes';

/** The company list's indexed equality filters (list-filter/README.md); company.model.ts applies them. */
export const companyListIndexes = listIndexes('ownerId', 'teamId', 'territoryId', 'industry', 'source', 'abcClass', 'tags');
