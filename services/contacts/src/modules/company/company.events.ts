import { CompanyCreated, createEvent } from '@crm/events';
import type { ContactsContext } from '../../context';
import type { CompanyDoc } from './company.model';

export const companyCreated = (company: CompanyDoc, ctx: ContactsContext) =>
  createEvent(
    CompanyCreated,
    { tenantId: ctx.tenantId, aggregateId: company._id.toString(), correlationId: ctx.correlationId, actorId: ctx.userId },
    { companyId: company._id.toString(), name: company.name, domain: company.domain ?? null, ownerId: company.ownerId ?? null },
  );
