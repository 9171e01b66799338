/** Kafka topics, one per aggregate, named crm.<service>.<aggregate>. */
export const topics = {
  company: 'crm.contacts.company',
  contact: 'crm.contacts.contact',
  /** A tenant's settings of the contacts service: default country, required fields, custom fields, segments. */
  contactsSettings: 'crm.contacts.settings',
  /** The people directory, teams and role permissions of a tenant (contacts service). */
  directory: 'crm.contacts.directory',
  /** Incoming leads: creation, routing, escalation, qualification and conversion. */
  lead: 'crm.contacts.lead',
  /** Published by web forms, marketing and other systems, not by the CRM: leads to take in. */
  inboundLeads: 'crm.leads.lead',
  pipeline: 'crm.deals.pipeline',
  deal: 'crm.deals.deal',
  /** Concession requests on deals (special prices, trade credit) and their decisions. */
  concession: 'crm.deals.concession',
  /** A tenant's settings of the deals service (the reasons for losing a deal). */
  dealsSettings: 'crm.deals.settings',
  activity: 'crm.activities.activity',
  /** A tenant's activity settings (time norms), keyed by tenant id. */
  activitySettings: 'crm.activities.settings',
  /** Facts computed by analytics that other services apply (for instance a company's ABC class). */
  companyClass: 'crm.analytics.company-class',
  /** Published by the company's ERP, not by the CRM: orders, shipments and payments of clients. */
  erpOrders: 'erp.orders',
  erpShipments: 'erp.shipments',
  erpPayments: 'erp.payments',
  /** Poison messages parked by any consumer, with the reason in the headers. */
  deadLetter: 'crm.dead-letter',
} as const;

export type Topic = (typeof topics)[keyof typeof topics];
export const allTopics: Topic[] = Object.values(topics);

/**
 * Topics kept by key (`cleanup.policy=compact`): each event on them carries the whole state of its
 * record, so the last one per key is all a consumer starting from the beginning needs, however
 * old. Their keys are `<tenant id>:<aggregate type>:<aggregate id>`: a role name or a user id
 * repeats across tenants, and a user, a role and a team of one tenant may share a name.
 */
export const compactedTopics: readonly Topic[] = [topics.directory];

/** The Kafka message key of an event on `topic`: its aggregate id, qualified by tenant and aggregate type on compacted topics. */
export const messageKey = (topic: string, event: { tenantId: string; aggregateType: string; aggregateId: string }) =>
  (compactedTopics as readonly string[]).includes(topic) ? `${event.tenantId}:${event.aggregateType}:${event.aggregateId}` : event.aggregateId;

/** The service that alone may publish on a topic (`crm.<service>.<aggregate>`, the ERP's `erp.<what>`); undefined for others. */
export function topicOwner(topic: string): string | undefined {
  if (/^erp\.[a-z0-9-]+$/.test(topic)) return 'erp';
  if (topic === topics.inboundLeads) return 'leads';
  return /^crm\.([a-z0-9-]+)\.[a-z0-9-]+$/.exec(topic)?.[1];
}
