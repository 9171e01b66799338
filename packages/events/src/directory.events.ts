import { z } from 'zod';
import { defineEvent } from './define';
import { topics } from './topics';

/**
 * The tenant's people directory and teams (contacts service): who works in which team, who
 * leads it, what each person knows. Every service keeps the memberships it needs from these
 * events (row scopes: OWN, TEAM, ALL), never by a synchronous call.
 */

const id = z.string().min(1).max(64);
const roleName = z.string().regex(/^[a-z][a-z0-9_]{1,39}$/);

/** A team after its change; `deleted` once removed (members then belong to no team through it). */
export const TeamChanged = defineEvent({
  type: 'TeamChanged',
  version: 1,
  source: 'contacts',
  topic: topics.directory,
  aggregateType: 'Team',
  data: z.object({
    teamId: id,
    change: z.enum(['CREATED', 'UPDATED', 'MEMBER_ADDED', 'MEMBER_REMOVED', 'DELETED']),
    name: z.string().min(1).max(200),
    /** A head of sales: a TEAM scope of a lead covers every team they lead. */
    leadId: id.nullable(),
    memberIds: z.array(id).max(500),
    territoryIds: z.array(id).max(500),
    industries: z.array(z.string().min(1).max(200)).max(100),
    keyCompanyIds: z.array(id).max(1000),
    /** Raised by every change: a consumer keeps the highest it has seen (events of one team are ordered by its key). */
    revision: z.number().int().nonnegative(),
    deleted: z.boolean(),
  }),
  example: {
    teamId: '6660a1b28b3e4a0012a4c001',
    change: 'MEMBER_ADDED',
    name: 'DACH enterprise',
    leadId: 'user-head-1',
    memberIds: ['user-mgr-1', 'user-mgr-2'],
    territoryIds: ['6660a1b28b3e4a0012a4c101'],
    industries: ['Manufacturing'],
    keyCompanyIds: [],
    revision: 3,
    deleted: false,
  },
});

/** A person of the directory after a change (added on first sign-in, or edited by an admin). */
export const UserChanged = defineEvent({
  type: 'UserChanged',
  version: 1,
  source: 'contacts',
  topic: topics.directory,
  aggregateType: 'User',
  data: z.object({
    userId: id,
    change: z.enum(['ADDED', 'UPDATED', 'DEACTIVATED']),
    name: z.string().max(200).nullable(),
    email: z.string().max(320).nullable(),
    roles: z.array(roleName).max(20),
    teamIds: z.array(id).max(100),
    languages: z.array(z.string().min(2).max(10)).max(20),
    products: z.array(z.string().min(1).max(200)).max(100),
    industries: z.array(z.string().min(1).max(200)).max(100),
    active: z.boolean(),
    revision: z.number().int().nonnegative(),
  }),
  example: {
    userId: 'user-mgr-1',
    change: 'UPDATED',
    name: 'Anna Berg',
    email: 'anna.berg@example.com',
    roles: ['manager'],
    teamIds: ['6660a1b28b3e4a0012a4c001'],
    languages: ['de', 'en'],
    products: ['CNC machines'],
    industries: ['Manufacturing'],
    active: true,
    revision: 2,
  },
});

const scope = z.enum(['OWN', 'TEAM', 'ALL']);
const permissionObject = z.enum(['company', 'contact', 'lead', 'deal', 'activity', 'pipeline', 'analytics']);
const permissionAction = z.enum(['read', 'create', 'update', 'delete', 'assign', 'export']);

/** A role's rights after an admin changed them: the whole row set for the role, so a consumer replaces what it had. */
export const PermissionsChanged = defineEvent({
  type: 'PermissionsChanged',
  version: 1,
  source: 'contacts',
  topic: topics.directory,
  aggregateType: 'Role',
  data: z.object({
    role: roleName,
    rights: z.array(z.object({ object: permissionObject, action: permissionAction, scope })).max(42),
    /** Fields the role may not read, as `Type.path` (for instance `Company.profile.solvency`, `Deal.amount`). */
    deniedFields: z.array(z.string().min(1).max(200)).max(200),
    revision: z.number().int().nonnegative(),
  }),
  example: {
    role: 'manager',
    rights: [
      { object: 'deal', action: 'read', scope: 'TEAM' },
      { object: 'deal', action: 'update', scope: 'OWN' },
    ],
    deniedFields: ['Company.profile.solvency'],
    revision: 4,
  },
});
