import { buildAccess, can, canSeeTeam, deniedFields, defaultPermissions, permissionActions, permissionObjects, rowFilter, type Access, type RolePermissions, type TeamMembership } from '../src';

const teams: TeamMembership[] = [
  { teamId: 'north', leadId: 'hos', memberIds: ['anna', 'ben'] },
  { teamId: 'south', leadId: 'other-hos', memberIds: ['carl'] },
];
const access = (userId: string, roles: string[], overrides: RolePermissions[] = []): Access =>
  buildAccess({ tenantId: 't', userId, roles, teams, overrides: new Map(overrides.map((o) => [o.role, o])) });

describe('defaults', () => {
  it('gives an admin every action on every object in every scope', () => {
    const admin = access('root', ['admin']);
    for (const object of permissionObjects) for (const action of permissionActions) expect(can(admin, object, action, { ownerId: 'carl' })).toBe(true);
    expect(rowFilter(admin, 'deal', 'read')).toEqual({});
  });

  it('gives a manager their own records for every action and their team for reading', () => {
    const anna = access('anna', ['manager']);
    expect(can(anna, 'deal', 'update', { ownerId: 'anna' })).toBe(true);
    expect(can(anna, 'deal', 'update', { ownerId: 'ben' })).toBe(false);
    expect(can(anna, 'deal', 'read', { ownerId: 'ben' })).toBe(true);
    expect(can(anna, 'deal', 'read', { ownerId: 'hos' })).toBe(true);
    expect(can(anna, 'deal', 'read', { ownerId: 'carl' })).toBe(false);
    expect(can(anna, 'company', 'read', { ownerId: null })).toBe(false);
    expect(rowFilter(anna, 'company', 'update')).toEqual({ ownerId: { $in: ['anna'] } });
    expect(rowFilter(anna, 'company', 'read')).toEqual({ ownerId: { $in: expect.arrayContaining(['anna', 'ben', 'hos']) } });
    expect(can(anna, 'pipeline', 'read')).toBe(true);
    expect(can(anna, 'pipeline', 'create')).toBe(false);
  });

  it('gives a head of sales the records of the teams they lead, and pipelines', () => {
    const hos = access('hos', ['head_of_sales']);
    expect(hos.teamIds).toEqual(['north']);
    expect(can(hos, 'deal', 'assign', { ownerId: 'ben' })).toBe(true);
    expect(can(hos, 'contact', 'delete', { ownerId: 'carl' })).toBe(false);
    expect(can(hos, 'pipeline', 'update')).toBe(true);
    expect(rowFilter(hos, 'deal', 'read')).toEqual({ ownerId: { $in: expect.arrayContaining(['hos', 'anna', 'ben']) } });
    expect((rowFilter(hos, 'deal', 'read')!.ownerId as { $in: string[] }).$in).not.toContain('carl');
  });

  it('gives a tenant-defined role nothing until the tenant sets its rights', () => {
    const auditor = access('eve', ['auditor']);
    expect(defaultPermissions('auditor').rights).toEqual([]);
    expect(rowFilter(auditor, 'deal', 'read')).toBeNull();
    expect(can(auditor, 'deal', 'read', { ownerId: 'eve' })).toBe(false);
  });
});

describe('overrides and several roles', () => {
  const auditor: RolePermissions = { role: 'auditor', rights: [{ object: 'deal', action: 'read', scope: 'ALL' }], deniedFields: ['Deal.amount', 'Company.profile.solvency'] };

  it('replaces a role\'s whole row set with the tenant\'s override', () => {
    const manager: RolePermissions = { role: 'manager', rights: [{ object: 'deal', action: 'read', scope: 'OWN' }], deniedFields: [] };
    const anna = access('anna', ['manager'], [manager]);
    expect(can(anna, 'deal', 'read', { ownerId: 'ben' })).toBe(false);
    expect(can(anna, 'company', 'read', { ownerId: 'anna' })).toBe(false);
  });

  it('takes the widest scope of all roles, and denies a field only when every role denies it', () => {
    const eve = access('eve', ['auditor'], [auditor]);
    expect(can(eve, 'deal', 'read', { ownerId: 'carl' })).toBe(true);
    expect(can(eve, 'deal', 'update', { ownerId: 'eve' })).toBe(false);
    expect(deniedFields(eve, 'Deal')).toEqual(['amount']);
    expect(deniedFields(eve, 'Company')).toEqual(['profile.solvency']);
    const both = access('anna', ['manager', 'auditor'], [auditor]);
    expect(deniedFields(both, 'Deal')).toEqual([]);
    expect(can(both, 'deal', 'update', { ownerId: 'anna' })).toBe(true);
    expect(rowFilter(both, 'deal', 'read')).toEqual({});
  });

  it('lets no role without a right on a field\'s object grant that field (an unconfigured role, or one set for other objects)', () => {
    const manager: RolePermissions = { ...defaultPermissions('manager'), deniedFields: ['Deal.amount'] };
    const companiesOnly: RolePermissions = { role: 'company_reader', rights: [{ object: 'company', action: 'read', scope: 'ALL' }], deniedFields: [] };
    const anna = access('anna', ['manager', 'employee'], [manager]);
    expect(can(anna, 'deal', 'read', { ownerId: 'anna' })).toBe(true);
    expect(deniedFields(anna, 'Deal')).toEqual(['amount']);
    expect(deniedFields(access('anna', ['manager', 'company_reader'], [manager, companiesOnly]), 'Deal')).toEqual(['amount']);
    // A role with deal rights that does not deny the amount still grants it.
    expect(deniedFields(access('anna', ['manager', 'employee', 'head_of_sales'], [manager]), 'Deal')).toEqual([]);
  });

  it('counts a user in every team they lead or belong to', () => {
    const twoTeams = buildAccess({ tenantId: 't', userId: 'ben', roles: ['head_of_sales'], teams: [...teams, { teamId: 'west', leadId: 'ben', memberIds: ['dora'] }], overrides: new Map() });
    expect(twoTeams.teamIds.sort()).toEqual(['north', 'west']);
    expect(can(twoTeams, 'deal', 'update', { ownerId: 'dora' })).toBe(true);
    expect(can(twoTeams, 'deal', 'update', { ownerId: 'anna' })).toBe(true);
    expect(can(twoTeams, 'deal', 'update', { ownerId: 'carl' })).toBe(false);
  });
});

describe('figures', () => {
  it('lets a team scope see its own teams and people only', () => {
    const hos = access('hos', ['head_of_sales']);
    expect(canSeeTeam(hos, 'analytics', 'read', 'north')).toBe(true);
    expect(canSeeTeam(hos, 'analytics', 'read', 'south')).toBe(false);
    expect(canSeeTeam(access('anna', ['manager']), 'analytics', 'read', 'north')).toBe(false);
    expect(canSeeTeam(access('root', ['admin']), 'analytics', 'read', 'south')).toBe(true);
  });
});
