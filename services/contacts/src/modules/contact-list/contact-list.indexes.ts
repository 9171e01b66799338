import { listIndexes } from '../list-filter/list-indexes';

/** The contact list's indexed equality filters (list-filter/README.md); contact.model.ts applies them. */
export const contactListIndexes = listIndexes('ownerId', 'teamId', 'territoryId', 'industry', 'source', 'tags');
