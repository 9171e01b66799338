import type { Strictness } from './pipeline.model';
import type { StageSpec } from './pipeline.input';

/** A ready-made pipeline: `createPipelineFromTemplate(key)` copies it into the tenant, who then adapts it. */
export interface PipelineTemplateSpec {
  key: string;
  name: string;
  description: string;
  strictness: Strictness;
  stages: StageSpec[];
  followUps: { title: string; role: string; afterDays: number }[];
}

type Step = [title: string, role: string];

const stage = (
  name: string,
  kind: StageSpec['kind'],
  probability: number,
  expectedDurationDays: number | null,
  task: string | null,
  result: string | null,
  keySteps: Step[] = [],
): StageSpec => ({ name, kind, probability, expectedDurationDays, task, result, keySteps: keySteps.map(([title, role]) => ({ title, role })), allowedRoles: [] });

const distribution: PipelineTemplateSpec = {
  key: 'distribution',
  name: 'Distribution',
  description: 'A wholesale order from the client’s plan to the goods shipped: purchasing, warehouse and invoicing on the way.',
  strictness: 'WARN',
  stages: [
    stage('Planned order', 'OPEN', 0.1, 7, 'Learn what the client plans to order and when', 'Assortment, volumes and delivery window confirmed by the client', [
      ['Check the client’s stock and sales plan', 'MANAGER'],
      ['Check credit limit and payment terms', 'ACCOUNTANT'],
    ]),
    stage('Order agreed', 'OPEN', 0.3, 3, 'Agree prices, quantities and terms of the order', 'Order confirmed in writing by the client', [
      ['Send the priced order for confirmation', 'MANAGER'],
      ['Approve discounts beyond the price list', 'HEAD_OF_SALES'],
    ]),
    stage('Purchase request made', 'OPEN', 0.4, 2, 'Order the missing goods from suppliers', 'Purchase request accepted by the supplier', [
      ['Raise the purchase request', 'PURCHASING'],
    ]),
    stage('Supplier invoice received', 'OPEN', 0.5, 5, 'Get and pay the supplier’s invoice', 'Supplier invoice checked and scheduled for payment', [
      ['Check the invoice against the purchase request', 'ACCOUNTANT'],
    ]),
    stage('Goods in warehouse', 'OPEN', 0.6, 14, 'Receive the goods from the supplier', 'Goods received and checked in the warehouse', [
      ['Check quantities and quality on receipt', 'WAREHOUSE'],
    ]),
    stage('Goods reserved', 'OPEN', 0.7, 2, 'Reserve the goods for the client', 'Goods reserved under the client’s order', [['Reserve the stock', 'WAREHOUSE']]),
    stage('Client invoiced', 'OPEN', 0.8, 5, 'Invoice the client', 'Invoice sent and payment (or credit) confirmed', [
      ['Issue the invoice', 'ACCOUNTANT'],
      ['Confirm payment or agreed credit with the client', 'MANAGER'],
    ]),
    stage('Ready to ship', 'OPEN', 0.9, 2, 'Pick, pack and book the transport', 'Shipment packed, documents ready, carrier booked', [
      ['Pick and pack the order', 'WAREHOUSE'],
      ['Book the carrier and prepare shipping documents', 'LOGISTICS'],
    ]),
    stage('Shipped', 'OPEN', 0.95, 5, 'Deliver the goods to the client', 'Delivery note signed by the client', [['Track the delivery to the client', 'LOGISTICS']]),
    stage('Realised', 'WON', 1, null, null, null),
    stage('Closed unrealised', 'LOST', 0, null, null, null),
  ],
  followUps: [
    { title: 'Call the client about the delivery', role: 'MANAGER', afterDays: 2 },
    { title: 'Propose the next order', role: 'MANAGER', afterDays: 30 },
  ],
};

const cleaning: PipelineTemplateSpec = {
  key: 'cleaning-services',
  name: 'Cleaning services',
  description:
    'Business cleaning from the first prospect to the contract, then delivery: the handover, the signed acceptance acts and full payment are post-sale stages of the won deal. It lists no LOST stage; add one with updatePipeline to close deals as lost.',
  strictness: 'WARN',
  stages: [
    stage('Prospect', 'OPEN', 0.05, 14, 'Qualify the business as a possible client', 'Decision maker and current cleaning arrangement known', [
      ['Find the facility or office manager', 'MANAGER'],
    ]),
    stage('Contact made', 'OPEN', 0.1, 7, 'Reach the decision maker', 'Interest confirmed by the decision maker', [['Call the decision maker', 'MANAGER']]),
    stage('Meeting agreed', 'OPEN', 0.2, 10, 'Meet on site', 'Site visit held, premises seen', [
      ['Walk through the premises with the facility manager', 'MANAGER'],
      ['Note floor areas, surfaces and access hours', 'SUPERVISOR'],
    ]),
    stage('Scope defined', 'OPEN', 0.3, 7, 'Define what is cleaned, how often and when', 'Scope of work agreed with the client', [['Write the scope of work', 'SUPERVISOR']]),
    stage('Proposal in preparation', 'OPEN', 0.4, 5, 'Cost and price the scope', 'Proposal approved internally', [
      ['Estimate staff hours and materials', 'SUPERVISOR'],
      ['Approve the price', 'HEAD_OF_SALES'],
    ]),
    stage('Proposal discussed', 'OPEN', 0.5, 10, 'Present the proposal and answer objections', 'Client’s feedback on price and scope recorded', [
      ['Present the proposal to the decision maker', 'MANAGER'],
    ]),
    stage('Preliminary consent', 'OPEN', 0.65, 7, 'Settle the open points', 'Client agrees in principle to the final terms', [['Send the final terms', 'MANAGER']]),
    stage('Verbal confirmation', 'OPEN', 0.8, 7, 'Get the contract signed', 'Contract draft accepted by the client’s legal or purchasing', [
      ['Send the contract draft', 'MANAGER'],
      ['Check the contract terms', 'LEGAL'],
    ]),
    stage('Contract signed', 'WON', 1, null, 'Hand the client over to operations', 'Signed contract filed', [['File the signed contract', 'MANAGER']]),
    stage('Handed to delivery', 'POST_SALE', 1, 14, 'Start the service', 'First month of cleaning delivered', [
      ['Assign the cleaning team and supervisor', 'OPERATIONS'],
      ['Hold the kick-off with the client', 'SUPERVISOR'],
    ]),
    stage('Acceptance acts signed', 'POST_SALE', 1, 10, 'Get the work accepted', 'Acceptance acts signed by the client', [['Collect the signed acceptance acts', 'SUPERVISOR']]),
    stage('Paid in full', 'POST_SALE', 1, null, 'Collect the payment', 'All invoices paid', [['Reconcile the client’s payments', 'ACCOUNTANT']]),
  ],
  followUps: [
    { title: 'Quality check visit', role: 'SUPERVISOR', afterDays: 14 },
    { title: 'Satisfaction call with the facility manager', role: 'MANAGER', afterDays: 30 },
  ],
};

const languageSchool: PipelineTemplateSpec = {
  key: 'language-school',
  name: 'Language school',
  description: 'From a student’s enquiry to a signed study contract: consultation, placement test, trial lesson and offer.',
  strictness: 'WARN',
  stages: [
    stage('Enquiry', 'OPEN', 0.1, 2, 'Answer the enquiry the same day', 'Consultation booked', [['Call back the student', 'ADMISSIONS']]),
    stage('Consultation', 'OPEN', 0.25, 7, 'Learn the student’s goals, level and schedule', 'Goals, language and preferred schedule recorded', [
      ['Hold the consultation', 'ADMISSIONS'],
    ]),
    stage('Placement test', 'OPEN', 0.4, 7, 'Test the student’s level', 'Level assessed', [['Run and mark the placement test', 'TEACHER']]),
    stage('Trial lesson', 'OPEN', 0.55, 7, 'Give a trial lesson in a suitable group or one to one', 'Student’s feedback on the trial lesson recorded', [
      ['Give the trial lesson', 'TEACHER'],
      ['Ask the student for feedback', 'ADMISSIONS'],
    ]),
    stage('Offer sent', 'OPEN', 0.7, 7, 'Offer a course, group, schedule and price', 'Student accepts the offer', [
      ['Send the course offer', 'ADMISSIONS'],
      ['Approve a discount beyond the price list', 'HEAD_OF_SALES'],
    ]),
    stage('Study contract signed', 'WON', 1, null, null, 'Signed study contract and first payment', [['Enrol the student in the group', 'ADMISSIONS']]),
    stage('Not enrolled', 'LOST', 0, null, null, null),
  ],
  followUps: [
    { title: 'Ask the student about the first lessons', role: 'ADMISSIONS', afterDays: 7 },
    { title: 'Offer the next course level', role: 'MANAGER', afterDays: 90 },
  ],
};

export const pipelineTemplates: readonly PipelineTemplateSpec[] = [distribution, cleaning, languageSchool];

export const findTemplate = (key: string) => pipelineTemplates.find((template) => template.key === key);
