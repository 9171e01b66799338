/**
 * Every file of event definitions: each exported definition of these modules is in the catalogue.
 * A new `*.events.ts` file is added here (and to index.ts).
 */
export * as contacts from './contacts.events';
export * as contactsSettings from './contacts-settings.events';
export * as directory from './directory.events';
export * as deals from './deals.events';
export * as activities from './activities.events';
export * as analytics from './analytics.events';
export * as concessions from './concessions.events';
export * as erp from './erp.events';
export * as leads from './leads.events';
