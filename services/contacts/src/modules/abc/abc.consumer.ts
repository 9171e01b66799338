import { CompanyAbcClassChanged } from '@crm/events';
import { on } from '@crm/messaging';
import { isId, type ConsumerSpec } from '@crm/service-kit';
import { changeCompany } from '../company/company.write';

/**
 * The only writer of a company's ABC class: analytics' CompanyAbcClassChanged. A class computed
 * before the stored one (events out of order, a replay) is ignored; a change of class is a field
 * change like any other (CompanyUpdated with reason ANALYTICS, actor `analytics`), so it reaches
 * the history and recomputes completeness (abcClass may be required). A company that is not the
 * tenant's (another tenant's id, or merged away) is not touched.
 */
export const abcConsumer: ConsumerSpec = {
  groupId: 'contacts.abc-class',
  handlers: [
    on(CompanyAbcClassChanged, async ({ companyId, abcClass, computedAt }, event) => {
      if (!isId(companyId)) return; // not an id this service gives: no company of ours
      const at = new Date(computedAt);
      await changeCompany(
        event,
        companyId,
        (company) => (company.abcUpdatedAt && new Date(company.abcUpdatedAt) >= at ? company : { ...company, abcClass, abcUpdatedAt: at }),
        { reason: 'ANALYTICS', actorId: 'analytics' },
      );
    }),
  ],
};
