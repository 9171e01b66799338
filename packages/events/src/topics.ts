/** Kafka topics, one per aggregate, named crm.<service>.<aggregate>. */
export const topics = {
  company: 'crm.contacts.company',
  contact: 'crm.contacts.contact',
  pipeline: 'crm.deals.pipeline',
  deal: 'crm.deals.deal',
  activity: 'crm.activities.activity',
  /** Poison messages parked by any consumer, with the reason in the headers. */
  deadLetter: 'crm.dead-letter',
} as const;

export type Topic = (typeof topics)[keyof typeof topics];
export const allTopics: Topic[] = Object.values(topics);
