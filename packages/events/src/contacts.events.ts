import { z } from 'zod';
import { defineEvent } from './define';
import { fieldChanges } from './field-change';
import { topics } from './topics';

export const CompanyCreated = defineEvent({
  type: 'CompanyCreated',
  version: 1,
  source: 'contacts',
  topic: topics.company,
  aggregateType: 'Company',
  data: z.object({
    companyId: z.string().min(1),
    name: z.string().min(1),
    domain: z.string().nullish(),
    ownerId: z.string().nullish(),
    /** Potential sales per year when set at creation (optional addition: absent in earlier events); later changes come as CompanyUpdated `potential`. */
    potential: z.object({ amount: z.number().nonnegative(), currency: z.string().length(3) }).nullish(),
  }),
  example: { companyId: '665f1c2e8b3e4a0012a4b5c6', name: 'Nordwind Logistik GmbH', domain: 'nordwind-logistik.de', ownerId: 'user-anna', potential: { amount: 250000, currency: 'EUR' } },
});

export const ContactCreated = defineEvent({
  type: 'ContactCreated',
  version: 1,
  source: 'contacts',
  topic: topics.contact,
  aggregateType: 'Contact',
  data: z.object({
    contactId: z.string().min(1),
    companyId: z.string().nullish(),
    firstName: z.string().min(1),
    lastName: z.string().min(1),
    email: z.string().nullish(),
    phone: z.string().nullish(),
    position: z.string().nullish(),
  }),
  example: { contactId: '665f1c4a8b3e4a0012a4b5c9', companyId: '665f1c2e8b3e4a0012a4b5c6', firstName: 'Jonas', lastName: 'Weber', email: 'j.weber@nordwind-logistik.de', phone: '+4940123456780', position: 'Head of purchasing' },
});

const changes = fieldChanges(200);
const ids = z.array(z.string().min(1)).min(1).max(50);
/** Why the record changed when it was not a plain edit (absent for one): recorded with the field changes. */
const reason = z.enum(['MERGE', 'SEGMENT_ASSIGNMENT', 'IMPORT', 'ANALYTICS']).nullish();

export const CompanyUpdated = defineEvent({
  type: 'CompanyUpdated',
  version: 1,
  source: 'contacts',
  topic: topics.company,
  aggregateType: 'Company',
  data: z.object({ companyId: z.string().min(1), name: z.string().min(1), changes, reason }),
  example: {
    companyId: '665f1c2e8b3e4a0012a4b5c6',
    name: 'Nordwind Logistik GmbH',
    changes: [{ field: 'industry', from: 'Logistics', to: 'Wholesale' }, { field: 'teamId', from: null, to: 'team-north' }],
  },
});

/** A company's responsible manager changed, by hand or for a whole segment at once. */
export const CompanyAssigned = defineEvent({
  type: 'CompanyAssigned',
  version: 1,
  source: 'contacts',
  topic: topics.company,
  aggregateType: 'Company',
  data: z.object({
    companyId: z.string().min(1),
    ownerId: z.string().min(1),
    previousOwnerId: z.string().nullish(),
    /** Set when the company was assigned with its segment (assignSegment). */
    segmentId: z.string().nullish(),
  }),
  example: { companyId: '665f1c2e8b3e4a0012a4b5c6', ownerId: 'user-anna', previousOwnerId: 'user-bob', segmentId: '665f1d008b3e4a0012a4b5d0' },
});

/** The share of the tenant's required profile fields that are filled, whenever it changes. */
export const CompanyCompletenessChanged = defineEvent({
  type: 'CompanyCompletenessChanged',
  version: 1,
  source: 'contacts',
  topic: topics.company,
  aggregateType: 'Company',
  data: z.object({
    companyId: z.string().min(1),
    percent: z.number().min(0).max(100),
    /** API names of the required fields still empty (custom fields as `customFields.<key>`). */
    missing: z.array(z.string().min(1)).max(500),
  }),
  example: { companyId: '665f1c2e8b3e4a0012a4b5c6', percent: 75, missing: ['profile.solvency', 'customFields.vatGroup'] },
});

/** The company's risk flags (for instance litigation, overdue payments), whenever they change. */
export const CompanyRiskFlagsChanged = defineEvent({
  type: 'CompanyRiskFlagsChanged',
  version: 1,
  source: 'contacts',
  topic: topics.company,
  aggregateType: 'Company',
  data: z.object({ companyId: z.string().min(1), riskFlags: z.array(z.string().min(1).max(100)).max(50) }),
  example: { companyId: '665f1c2e8b3e4a0012a4b5c6', riskFlags: ['LITIGATION'] },
});

/**
 * Duplicates were merged into the primary company: the merged ids no longer exist, and every
 * reference to them must be repointed to `primaryId`. Published on the primary's aggregate.
 */
export const CompaniesMerged = defineEvent({
  type: 'CompaniesMerged',
  version: 1,
  source: 'contacts',
  topic: topics.company,
  aggregateType: 'Company',
  data: z.object({ primaryId: z.string().min(1), mergedIds: ids }),
  example: { primaryId: '665f1c2e8b3e4a0012a4b5c6', mergedIds: ['665f1c2e8b3e4a0012a4b5c7'] },
});

export const ContactUpdated = defineEvent({
  type: 'ContactUpdated',
  version: 1,
  source: 'contacts',
  topic: topics.contact,
  aggregateType: 'Contact',
  data: z.object({ contactId: z.string().min(1), companyId: z.string().nullish(), changes, reason }),
  example: { contactId: '665f1c4a8b3e4a0012a4b5c9', companyId: '665f1c2e8b3e4a0012a4b5c6', changes: [{ field: 'position', from: 'Buyer', to: 'Head of purchasing' }] },
});

/** As CompaniesMerged, for contact persons. */
export const ContactsMerged = defineEvent({
  type: 'ContactsMerged',
  version: 1,
  source: 'contacts',
  topic: topics.contact,
  aggregateType: 'Contact',
  data: z.object({ primaryId: z.string().min(1), mergedIds: ids }),
  example: { primaryId: '665f1c4a8b3e4a0012a4b5c9', mergedIds: ['665f1c4a8b3e4a0012a4b5ca'] },
});
