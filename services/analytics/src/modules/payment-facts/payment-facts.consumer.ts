import { ErpPaymentReceived } from '@crm/events';
import { on } from '@crm/messaging';
import type { ConsumerSpec } from '@crm/service-kit';
import { rememberTenant } from '../abc/abc.nightly';
import { writeFact, type Contribution } from '../fact-counters/counted-fact';
import { monthOf } from '../fact-counters/periods';
import { COMPANY_REVENUE, paidField } from '../won-deals/sales-fact';
import { PaymentFactModel, paymentFactId, type PaymentFactState } from './payment-fact.model';

/** A payment adds its amount to its company's month, in its currency. */
export const paymentContributions = (payment: PaymentFactState): Contribution[] => [
  { counter: { kind: COMPANY_REVENUE, subject: payment.companyId, period: monthOf(new Date(payment.paidAt)) }, field: paidField(payment.currency), value: payment.amount },
];

export const paymentFactsConsumer: ConsumerSpec = {
  groupId: 'analytics.payment-facts',
  // Its facts and counters are exact under concurrent writers (compare-and-set, tokens): several records at once.
  parallelKeys: 8,
  handlers: [
    // The ERP may send a payment again (corrected): the fact takes the latest, its counters follow.
    on(ErpPaymentReceived, async ({ paymentId, companyId, paidAt, amount, currency }, event) => {
      await rememberTenant(event.tenantId);
      await writeFact<PaymentFactState>(
        PaymentFactModel,
        event.tenantId,
        paymentFactId(event.tenantId, paymentId),
        () => ({ paymentId, companyId, paidAt: new Date(paidAt), amount, currency }),
        paymentContributions,
      );
    }),
  ],
};
