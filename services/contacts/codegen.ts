import { subgraphCodegen } from '@crm/build-config';

export default subgraphCodegen({
  context: '../context#ContactsContext',
  mappers: {
    Company: '../modules/company/company.model#CompanyDoc',
    Contact: '../modules/contact/contact.model#ContactDoc',
    Employment: '../modules/contact/contact.model#EmploymentDoc',
    CompanyDuplicate: '../modules/duplicate/find-duplicates#CompanyDuplicateView',
    ContactDuplicate: '../modules/duplicate/find-duplicates#ContactDuplicateView',
    CompanyConnection: '../modules/company/company.model#CompanyConnectionView',
    ContactConnection: '../modules/contact-list/contact-connection#ContactConnectionView',
    Segment: '../modules/segment/segment.model#SegmentDoc',
    SegmentConnection: '../modules/segment/segment.model#SegmentConnectionView',
    SegmentAssignment: '../modules/segment/segment-assignment.model#SegmentAssignmentDoc',
    TimelineConnection: '../modules/timeline/timeline.page#TimelineConnectionView',
    FieldChangeEntry: '../modules/history/field-change.model#FieldChangeDoc',
    RecordEntry: '../modules/timeline/timeline-entry.model#TimelineEntryDoc',
    ContactEntry: '../modules/timeline/timeline-entry.model#TimelineEntryDoc',
    DealEntry: '../modules/timeline/timeline-entry.model#TimelineEntryDoc',
    ActivityEntry: '../modules/timeline/timeline-entry.model#TimelineEntryDoc',
    Deal: '../modules/timeline/timeline.resolvers#EntityRef',
    Activity: '../modules/timeline/timeline.resolvers#EntityRef',
    ImportJob: '../modules/import/import-job.model#ImportJobDoc',
    CustomFieldDefinition: '../modules/custom-field/custom-field.model#CustomFieldDefinitionDoc',
  },
});
