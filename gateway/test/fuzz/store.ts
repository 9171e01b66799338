import { createHash } from 'node:crypto';
import mongoose from 'mongoose';

/**
 * The collections each mutation writes (database by service). A mutation missing here fails the
 * fuzz test. `keyedByTenant`: the record written is the caller tenant's one settings document
 * (`_id` = tenant id), which the answer does not name. `effects`: collections whose records the
 * answer does not name that a success changes, at once or later through its events.
 */
export const mutationWrites: Record<string, { service: string; collection: string; keyedByTenant?: boolean; effects?: string[] }> = {
  createCompany: { service: 'contacts', collection: 'companies' },
  createContact: { service: 'contacts', collection: 'contacts' },
  updateCompany: { service: 'contacts', collection: 'companies' },
  updateContact: { service: 'contacts', collection: 'contacts' },
  setTenantDefaultCountry: { service: 'contacts', collection: 'tenant_settings', keyedByTenant: true },
  setRolePermissions: { service: 'contacts', collection: 'role_permissions' },
  // Its recomputation changes companies' completeness only (a derived field, left out below).
  // A new required set recomputes every company's completeness in the background (through the write path).
  setRequiredFields: { service: 'contacts', collection: 'tenant_settings', keyedByTenant: true, effects: ['contacts.companies'] },
  // A definition change raises the tenant's settings' definitionsVersion (creating the settings when
  // there are none yet), so that every instance reads its cached definitions again.
  defineCustomField: { service: 'contacts', collection: 'custom_field_definitions', effects: ['contacts.tenant_settings'] },
  updateCustomField: { service: 'contacts', collection: 'custom_field_definitions', effects: ['contacts.tenant_settings'] },
  archiveCustomField: { service: 'contacts', collection: 'custom_field_definitions', effects: ['contacts.tenant_settings'] },
  createSegment: { service: 'contacts', collection: 'segments' },
  updateSegment: { service: 'contacts', collection: 'segments' },
  deleteSegment: { service: 'contacts', collection: 'segments' },
  assignSegment: { service: 'contacts', collection: 'segment_assignments', effects: ['contacts.companies'] },
  startImport: { service: 'contacts', collection: 'import_jobs' },
  exportCompanies: { service: 'contacts', collection: 'exports' },
  createPipeline: { service: 'deals', collection: 'pipelines' },
  createDeal: { service: 'deals', collection: 'deals' },
  moveDealToStage: { service: 'deals', collection: 'deals' },
  updatePipeline: { service: 'deals', collection: 'pipelines' },
  createPipelineFromTemplate: { service: 'deals', collection: 'pipelines' },
  // A new owner moves the deal's concession requests (their row scope), also on a repeated call.
  updateDeal: { service: 'deals', collection: 'deals', effects: ['deals.concession_requests'] },
  reopenDeal: { service: 'deals', collection: 'deals' },
  completeKeyStep: { service: 'deals', collection: 'deals' },
  recordStageResult: { service: 'deals', collection: 'deals' },
  setLostReasons: { service: 'deals', collection: 'lost_reasons', keyedByTenant: true },
  requestConcession: { service: 'deals', collection: 'concession_requests' },
  decideConcession: { service: 'deals', collection: 'concession_requests' },
  setTenantCurrency: { service: 'analytics', collection: 'money_settings', keyedByTenant: true },
  setExchangeRates: { service: 'analytics', collection: 'money_settings', keyedByTenant: true },
  // An activity's reminder claims (activity_reminders) are the scheduler's bookkeeping, written
  // with it and moved by the scheduler on its own clock: not compared.
  createActivity: { service: 'activities', collection: 'activities' },
  updateActivity: { service: 'activities', collection: 'activities' },
  completeActivity: { service: 'activities', collection: 'activities' },
  cancelActivity: { service: 'activities', collection: 'activities' },
  setTimeNorms: { service: 'activities', collection: 'time_norms', keyedByTenant: true },
  setTenantTimeZone: { service: 'activities', collection: 'calendar_settings', keyedByTenant: true },
  setWorkingHours: { service: 'activities', collection: 'working_hours' },
  // A succeeded merge also moves people and, through its event, repoints deals and activities.
  mergeCompanies: { service: 'contacts', collection: 'companies', effects: ['contacts.contacts', 'deals.deals', 'deals.concession_requests', 'activities.activities'] },
  mergeContacts: { service: 'contacts', collection: 'contacts', effects: ['deals.deals', 'activities.activities'] },
  createCampaign: { service: 'analytics', collection: 'campaigns' },
  setAbcThresholds: { service: 'analytics', collection: 'abc_settings', keyedByTenant: true },
  // The latest analysis (by tenant); the classes that changed, and through their events the company cards.
  runAbcAnalysis: { service: 'analytics', collection: 'abc_analyses', keyedByTenant: true, effects: ['analytics.abc_classes', 'contacts.companies'] },
  // The directory: a user is named by their token subject, not the document id, so a succeeded
  // edit's collection is its effect; a team's membership moves the users' teamIds.
  updateUser: { service: 'contacts', collection: 'users', effects: ['contacts.users'] },
  createTeam: { service: 'contacts', collection: 'teams', effects: ['contacts.users'] },
  updateTeam: { service: 'contacts', collection: 'teams', effects: ['contacts.users'] },
  addTeamMember: { service: 'contacts', collection: 'teams', effects: ['contacts.users'] },
  removeTeamMember: { service: 'contacts', collection: 'teams', effects: ['contacts.users'] },
  deleteTeam: { service: 'contacts', collection: 'teams', effects: ['contacts.users'] },
  createTerritory: { service: 'contacts', collection: 'territories' },
  updateTerritory: { service: 'contacts', collection: 'territories' },
  // Leads: routing's turn counters are not checked; a conversion makes the lead's company and
  // person here and, through LeadConverted, its deal in the deals service.
  createLead: { service: 'contacts', collection: 'leads' },
  acceptLead: { service: 'contacts', collection: 'leads' },
  assignLead: { service: 'contacts', collection: 'leads' },
  qualifyLead: { service: 'contacts', collection: 'leads' },
  disqualifyLead: { service: 'contacts', collection: 'leads' },
  convertLead: { service: 'contacts', collection: 'leads', effects: ['contacts.companies', 'contacts.contacts', 'deals.deals'] },
  createLeadApiKey: { service: 'contacts', collection: 'lead_api_keys' },
  revokeLeadApiKey: { service: 'contacts', collection: 'lead_api_keys' },
  createRoutingRule: { service: 'contacts', collection: 'routing_rules' },
  updateRoutingRule: { service: 'contacts', collection: 'routing_rules' },
  reorderRoutingRules: { service: 'contacts', collection: 'routing_rules' },
  // The tenant's one fallback document (`_id` = tenant id); the leads it later takes are the escalation worker's.
  setRoutingFallback: { service: 'contacts', collection: 'routing_fallbacks', keyedByTenant: true },
};

/**
 * Fields another writer than the mutation changes later, on its own: the outbox relay empties
 * `outbox` and clears `outboxPending` once the events are published; consumers' own updates (a
 * merge repointing a record) move `updatedAt`. `outboxVersion`, which only a write that pushes
 * events raises, stays in.
 */
const RELAY_FIELDS = { outbox: 0, outboxPending: 0, updatedAt: 0 } as const;

/**
 * Fields consumers derive later from any succeeded write (a deal won → analytics' ABC class; a
 * required-field change → completeness), with the revision and outbox version such a write
 * raises. A refused mutation cannot change only these, so leaving them out hides no violation.
 */
const DERIVED_FIELDS: Record<string, Record<string, 0>> = {
  companies: { abcClass: 0, abcUpdatedAt: 0, completeness: 0, completenessVersion: 0, revision: 0, outboxVersion: 0 },
  // The escalation worker hands a lead not accepted in time to the next person, minutes after its creation.
  leads: { assigneeId: 0, slaState: 0, escalatedAt: 0, assignments: 0, outboxVersion: 0 },
  // The background recompute of a required set keeps its progress on the tenant's settings.
  tenant_settings: { recomputePending: 0, recompute: 0 },
};

/** A collection's documents as id → hash of their content (relay fields left out). */
export type Snapshot = Map<string, Map<string, string>>;

export interface StoreHasher {
  /** The given collections ('contacts.companies'...), or all a mutation writes. */
  snapshot(collections?: string[]): Promise<Snapshot>;
  /** The top-level fields that differed the last time a snapshot saw the record change: what a violation names. */
  changedFields(collection: string, id: string): string[];
  close(): Promise<void>;
}

/**
 * Reads the stack's databases directly, every document of the fuzz's tenants in every collection
 * a mutation writes. Other tenants' documents are left out: the stack's consumers also take in
 * what other tests publish on the shared broker (an inbound lead of another tenant, say). A
 * document without a tenant is read too.
 * The stage-task consumer also inserts activities (a deal moved by an earlier mutation): those
 * carry the event's id as `sourceEventId`, never their own id as one entered by hand does, and
 * are left out.
 */
export async function storeHasher(url: string, databaseOf: (service: string) => string, tenants: string[]): Promise<StoreHasher> {
  const connection = await mongoose.createConnection(url).asPromise();
  const targets = [...new Map(Object.values(mutationWrites).map((target) => [`${target.service}.${target.collection}`, target])).values()];
  const seen = new Map<string, Record<string, unknown>>(); // the last version of each record read
  const changed = new Map<string, string[]>();
  const fieldHash = (value: unknown) => createHash('sha256').update(mongoose.mongo.BSON.serialize({ value })).digest('base64');
  const remember = (key: string, doc: Record<string, unknown>) => {
    const before = seen.get(key);
    if (before) {
      const fields = [...new Set([...Object.keys(before), ...Object.keys(doc)])].filter((field) => fieldHash(before[field]) !== fieldHash(doc[field]));
      if (fields.length > 0) changed.set(key, fields);
    }
    seen.set(key, doc);
  };
  return {
    async snapshot(collections) {
      const snapshot: Snapshot = new Map();
      const wanted = collections ? targets.filter((target) => collections.includes(`${target.service}.${target.collection}`)) : targets;
      await Promise.all(
        wanted.map(async ({ service, collection }) => {
          const docs = await connection
            .useDb(databaseOf(service))
            .collection(collection)
            .find({ tenantId: { $in: [...tenants, null] } }, { projection: { ...RELAY_FIELDS, ...DERIVED_FIELDS[collection] } })
            .toArray();
          const hashes = new Map<string, string>();
          for (const stored of docs) {
            const id = String(stored._id);
            if (collection === 'activities' && stored.sourceEventId !== id) continue;
            // A field stored as null reads as one never written (a rewrite through the write path stores the nulls).
            const doc = Object.fromEntries(Object.entries(stored).filter(([, value]) => value !== null));
            hashes.set(id, createHash('sha256').update(mongoose.mongo.BSON.serialize(doc)).digest('base64'));
            remember(`${service}.${collection}:${id}`, doc);
          }
          snapshot.set(`${service}.${collection}`, hashes);
        }),
      );
      return snapshot;
    },
    changedFields: (collection, id) => changed.get(`${collection}:${id}`) ?? [],
    close: () => connection.close(),
  };
}

export interface SnapshotDiff {
  collection: string;
  added: string[];
  removed: string[];
  changed: string[];
}

/** What changed in the collections of `after` since `before`, but for the documents of the writes that succeeded meanwhile. */
export function diffSnapshots(before: Snapshot, after: Snapshot, written: Set<string>): SnapshotDiff[] {
  const diffs: SnapshotDiff[] = [];
  for (const [collection, now] of after) {
    const old = before.get(collection) ?? new Map<string, string>();
    const added = [...now.keys()].filter((id) => !old.has(id) && !written.has(id));
    const removed = [...old.keys()].filter((id) => !now.has(id) && !written.has(id));
    const changed = [...old.keys()].filter((id) => now.has(id) && now.get(id) !== old.get(id) && !written.has(id));
    if (added.length + removed.length + changed.length > 0) diffs.push({ collection, added, removed, changed });
  }
  return diffs;
}

/** Count and one hash per collection, for the figures. */
export function summarize(snapshot: Snapshot): Record<string, { count: number; hash: string }> {
  return Object.fromEntries(
    [...snapshot].map(([collection, docs]) => {
      const hash = createHash('sha256');
      for (const id of [...docs.keys()].sort()) hash.update(`${id}:${docs.get(id)}\n`);
      return [collection, { count: docs.size, hash: hash.digest('hex').slice(0, 16) }];
    }),
  );
}
