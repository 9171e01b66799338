import { policyConsumer } from '@crm/policy';
import { createLogger, startService, type RunningService, type ServiceSpec } from '@crm/service-kit';
import { loadConfig } from './config';
import { createContext, type ContactsContext } from './context';
import schemaSdl from './schema.graphql';
import channelsSdl from './modules/shared/channels.graphql';
import companySdl from './modules/company/company.graphql';
import { CompanyModel } from './modules/company/company.model';
import { companyResolvers } from './modules/company/company.resolvers';
import contactSdl from './modules/contact/contact.graphql';
import { ContactModel } from './modules/contact/contact.model';
import { CustomFieldDefinitionModel } from './modules/custom-field/custom-field.model';
import { SegmentModel } from './modules/segment/segment.model';
import { TenantSettingsModel } from './modules/tenant-settings/tenant-settings.model';
import { contactResolvers } from './modules/contact/contact.resolvers';
import listFilterSdl from './modules/list-filter/list-filter.graphql';
import companyListSdl from './modules/company-list/company-list.graphql';
import { companyListResolvers } from './modules/company-list/company-list.resolvers';
import contactListSdl from './modules/contact-list/contact-list.graphql';
import { contactListResolvers } from './modules/contact-list/contact-list.resolvers';
import segmentSdl from './modules/segment/segment.graphql';
import { segmentResolvers } from './modules/segment/segment.resolvers';
import timelineSdl from './modules/timeline/timeline.graphql';
import { timelineConsumer } from './modules/timeline/timeline.consumer';
import { timelineResolvers } from './modules/timeline/timeline.resolvers';
import importSdl from './modules/import/import.graphql';
import { importResolvers } from './modules/import/import.resolvers';
import { createImportWorker } from './modules/import/import-worker';
import exportSdl from './modules/export/export.graphql';
import { exportResolvers } from './modules/export/export.resolvers';
import { downloadRoutes } from './modules/export/download.routes';
import { uploadRoutes } from './modules/upload/upload.routes';
import { createFileCleanup } from './modules/upload/file-cleanup';
import tenantSettingsSdl from './modules/tenant-settings/tenant-settings.graphql';
import { tenantSettingsResolvers } from './modules/tenant-settings/tenant-settings.resolvers';
import customFieldSdl from './modules/custom-field/custom-field.graphql';
import { customFieldResolvers } from './modules/custom-field/custom-field.resolvers';
import completenessSdl from './modules/completeness/completeness.graphql';
import { completenessResolvers } from './modules/completeness/completeness.resolvers';
import { resumeRecomputes } from './modules/completeness/required-fields.write';
import { historyConsumer } from './modules/history/history.consumer';
import { abcConsumer } from './modules/abc/abc.consumer';
import duplicateSdl from './modules/duplicate/duplicate.graphql';
import { duplicateResolvers } from './modules/duplicate/duplicate.resolvers';
import { matchKeysConsumer } from './modules/duplicate/match-keys.consumer';
import mergeSdl from './modules/merge/merge.graphql';
import { mergeResolvers } from './modules/merge/merge.resolvers';
import { resumeMerges } from './modules/merge/resume-merges';
import rolePermissionSdl from './modules/role-permission/role-permission.graphql';
import { RolePermissionModel } from './modules/role-permission/role-permission.model';
import { rolePermissionResolvers } from './modules/role-permission/role-permission.resolvers';
import userSdl from './modules/user/user.graphql';
import { userResolvers } from './modules/user/user.resolvers';
import { UserModel } from './modules/user/user.model';
import teamSdl from './modules/team/team.graphql';
import { teamResolvers } from './modules/team/team.resolvers';
import { TeamModel } from './modules/team/team.model';
import { resumeTeamMembers } from './modules/team/team-members';
import territorySdl from './modules/territory/territory.graphql';
import { territoryResolvers } from './modules/territory/territory.resolvers';
import leadSdl from './modules/lead/lead.graphql';
import { leadResolvers } from './modules/lead/lead.resolvers';
import { LeadModel } from './modules/lead/lead.model';
import { inboundLeadsConsumer } from './modules/lead/inbound-leads.consumer';
import { leadWebhookRoutes } from './modules/lead/lead-webhook.routes';
import routingSdl from './modules/routing/routing.graphql';
import { routingResolvers } from './modules/routing/routing.resolvers';
import { dealLoadConsumer } from './modules/routing/deal-load.consumer';
import { createEscalationWorker } from './modules/routing/escalation.worker';

export type ContactsOverrides = Partial<Pick<ServiceSpec<ContactsContext>, 'relayOptions'>>;

/** Builds and starts the contacts subgraph; main.ts adds signal handling, tests call it directly. */
export async function startContacts(env: NodeJS.ProcessEnv = process.env, overrides: ContactsOverrides = {}): Promise<RunningService> {
  const config = loadConfig(env);
  const logger = createLogger('contacts', config.LOG_LEVEL);
  const running = await startService<ContactsContext>({
    name: 'contacts',
    config,
    logger,
    typeDefs: [
      schemaSdl,
      channelsSdl,
      companySdl,
      contactSdl,
      tenantSettingsSdl,
      customFieldSdl,
      completenessSdl,
      listFilterSdl,
      companyListSdl,
      contactListSdl,
      segmentSdl,
      timelineSdl,
      importSdl,
      exportSdl,
      duplicateSdl,
      mergeSdl,
      userSdl,
      teamSdl,
      territorySdl,
      leadSdl,
      routingSdl,
      rolePermissionSdl,
    ],
    resolvers: [
      companyResolvers,
      contactResolvers,
      tenantSettingsResolvers,
      customFieldResolvers,
      completenessResolvers,
      companyListResolvers,
      contactListResolvers,
      segmentResolvers,
      timelineResolvers,
      importResolvers,
      exportResolvers(config.UPLOAD_TTL_HOURS),
      duplicateResolvers,
      mergeResolvers,
      userResolvers,
      teamResolvers,
      territoryResolvers,
      leadResolvers,
      routingResolvers,
      rolePermissionResolvers,
    ],
    consumers: [historyConsumer, abcConsumer, timelineConsumer, matchKeysConsumer, inboundLeadsConsumer, dealLoadConsumer, policyConsumer('contacts')],
    extendContext: createContext,
    outboxModels: [CompanyModel, ContactModel, TenantSettingsModel, CustomFieldDefinitionModel, SegmentModel, UserModel, TeamModel, LeadModel, RolePermissionModel],
    routes: (app, identify) => {
      uploadRoutes({ maxBytes: config.UPLOAD_MAX_BYTES, ttlHours: config.UPLOAD_TTL_HOURS })(app, identify);
      downloadRoutes()(app, identify);
      leadWebhookRoutes()(app, identify);
    },
    workers: [
      createImportWorker({ batchSize: config.IMPORT_BATCH_SIZE, maxRows: config.IMPORT_MAX_ROWS, leaseMs: config.IMPORT_LEASE_MS, pollMs: config.IMPORT_POLL_MS, logger }),
      createFileCleanup(config.UPLOAD_TTL_HOURS, logger),
      createEscalationWorker({ logger, pollIntervalMs: config.LEAD_ESCALATION_POLL_MS, batch: config.LEAD_ESCALATION_BATCH }),
    ],
    ...overrides,
  });
  // Completeness recomputations a stopped process left running go on.
  void resumeRecomputes(logger).catch((error: unknown) => logger.error({ err: error }, 'could not resume completeness recomputations'));
  // Merges a crash interrupted are finished in the background (modules/merge).
  resumeMerges(logger).then(
    (resumed) => resumed > 0 && logger.info({ resumed }, 'merge: finished interrupted merges'),
    (error) => logger.warn({ err: error }, 'merge: could not resume interrupted merges at start'),
  );
  // Team membership moves a crash interrupted (the users' teamIds after a team's write) go on.
  resumeTeamMembers(logger).then(
    (resumed) => resumed > 0 && logger.info({ resumed }, 'team: finished interrupted membership changes'),
    (error) => logger.warn({ err: error }, 'team: could not resume membership changes at start'),
  );
  return running;
}
