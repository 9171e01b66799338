// The people directory and teams: users added on their first request, filters and specialists,
// admins' edits, teams with their members' teamIds, events with revisions, and the entities.
import type { Identity } from '@crm/auth';
import { parseEvent, topics, type Envelope } from '@crm/events';
import { readTopics, type TopicReader } from '@crm/messaging/testing';
import { createLogger } from '@crm/service-kit';
import { dataOf, errorCodes, serviceUnderTest, subgraphRequest, testIdentity, uniqueId, waitFor } from '@crm/testing';
import { Types } from 'mongoose';
import { TeamModel } from '../src/modules/team/team.model';
import { resumeTeamMembers } from '../src/modules/team/team-members';
import { forgetKnownUsers } from '../src/modules/user/directory-sign-in';
import { UserModel } from '../src/modules/user/user.model';
import { startContacts } from '../src/service';

const service = serviceUnderTest('contacts', startContacts);
const call = (identity: Identity, query: string, variables: object = {}) => subgraphRequest(service.url, identity, query, variables);

let reader: TopicReader;
beforeAll(async () => {
  reader = await readTopics([topics.directory]);
});
afterAll(() => reader.close());

/** The tenant's directory events of one type (and aggregate), once `count` arrived, in the order published. */
async function eventsOf(tenantId: string, type: string, count: number, aggregateId?: string): Promise<Envelope<any>[]> {
  const of = () =>
    reader.messages.flatMap((m) => (m.event?.tenantId === tenantId && m.event.type === type && (!aggregateId || m.event.aggregateId === aggregateId) ? [parseEvent(m.event)] : []));
  await reader.waitFor(() => of().length >= count, `${count} ${type} of ${tenantId}`);
  return of();
}

/** A person of a tenant; their first request adds them to the directory. */
const person = (tenantId: string, userId: string, roles: Identity['roles'], name?: string): Identity => ({ tenantId, userId, roles, ...(name && { name }) });
const signIn = async (identity: Identity) => dataOf(await call(identity, `{ me { id } }`)).me;

const UPDATE_USER = `mutation ($id: ID!, $input: UpdateUserInput!) { updateUser(id: $id, input: $input) { id name roles languages expertise { products industries } active } }`;
const USERS = `query ($filter: UserFilter, $first: Int, $after: String) { users(filter: $filter, first: $first, after: $after) {
  edges { node { id } } pageInfo { hasNextPage endCursor } totalCount } }`;
const ids = (connection: { edges: { node: { id: string } }[] }) => connection.edges.map((edge) => edge.node.id);

describe('users', () => {
  it('adds a signed-in user with the token claims on the first request, once, publishing UserChanged ADDED once', async () => {
    const alice: Identity = { ...testIdentity(undefined, ['head_of_sales', 'manager']), name: 'Alice Archer', email: 'alice@acme.example' };
    // Two first requests at once, then one after the process forgot it: one user, one event.
    await Promise.all([signIn(alice), signIn(alice)]);
    forgetKnownUsers();
    const me = dataOf(await call(alice, `{ me { id name email roles teamIds languages expertise { products industries } active } }`)).me;
    expect(me).toEqual({ id: alice.userId, name: 'Alice Archer', email: 'alice@acme.example', roles: ['head_of_sales', 'manager'], teamIds: [], languages: [], expertise: { products: [], industries: [] }, active: true });
    expect(await UserModel.countDocuments({ tenantId: alice.tenantId })).toBe(1);
    const [added] = await eventsOf(alice.tenantId, 'UserChanged', 1);
    expect(added).toMatchObject({ aggregateType: 'User', aggregateId: alice.userId, actorId: alice.userId, data: { change: 'ADDED', name: 'Alice Archer', revision: 0 } });
    // A token without profile claims: the user is added with what it has.
    const bare = testIdentity(alice.tenantId, ['manager']);
    expect(dataOf(await call(bare, `{ me { id name email } }`)).me).toEqual({ id: bare.userId, name: null, email: null });
    await eventsOf(alice.tenantId, 'UserChanged', 2);
    expect((await eventsOf(alice.tenantId, 'UserChanged', 2)).filter((event) => event.aggregateId === alice.userId)).toHaveLength(1);
  });

  it('lists the directory by name with filters and pages; finds specialists ranked by matches', async () => {
    const tenant = uniqueId('tenant');
    const admin = person(tenant, 'admin-1', ['admin'], 'Zed Admin');
    const people = [person(tenant, 'u-anna', ['manager'], 'Anna Berg'), person(tenant, 'u-bob', ['manager'], 'Bob Carter'), person(tenant, 'u-cleo', ['head_of_sales'], 'Cleo Dahl')];
    for (const identity of [admin, ...people]) await signIn(identity);
    const edit = async (id: string, input: object) => dataOf(await call(admin, UPDATE_USER, { id, input })).updateUser;
    await edit('u-anna', { languages: ['DE', 'en'], products: ['CNC machines'], industries: ['Manufacturing'] });
    await edit('u-bob', { languages: ['en'], products: ['CNC machines'], industries: ['Food'] });
    await edit('u-cleo', { languages: ['de'], products: ['Lasers'], industries: ['Manufacturing'], email: 'cleo@acme.example' });
    const list = async (filter: object, first = 20, after?: string) => dataOf(await call(admin, USERS, { filter, first, after })).users;

    expect(ids(await list({}))).toEqual(['u-anna', 'u-bob', 'u-cleo', 'admin-1']);
    expect(ids(await list({ language: 'de' }))).toEqual(['u-anna', 'u-cleo']);
    expect(ids(await list({ product: 'CNC machines', industry: 'Manufacturing' }))).toEqual(['u-anna']);
    expect(ids(await list({ role: 'head_of_sales' }))).toEqual(['u-cleo']);
    expect(ids(await list({ search: 'bo' }))).toEqual(['u-bob']);
    expect(ids(await list({ search: 'CLEO@' }))).toEqual(['u-cleo']);
    const page = await list({}, 2);
    expect(ids(page)).toEqual(['u-anna', 'u-bob']);
    expect(page.pageInfo.hasNextPage).toBe(true);
    expect(page.totalCount).toBe(4);
    expect(ids(await list({}, 2, page.pageInfo.endCursor))).toEqual(['u-cleo', 'admin-1']);
    await edit('u-bob', { active: false });
    expect(ids(await list({ active: false }))).toEqual(['u-bob']);
    expect(errorCodes(await call(admin, USERS, { first: 101 }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await call(admin, USERS, { filter: { language: 'German' } }))).toEqual(['BAD_USER_INPUT']);

    const FIND = `query ($product: String, $industry: String, $language: String, $first: Int) {
      findSpecialists(product: $product, industry: $industry, language: $language, first: $first) { user { id } matched score } }`;
    await edit('u-bob', { active: true });
    const found = dataOf(await call(admin, FIND, { product: 'CNC machines', industry: 'Manufacturing', language: 'de' })).findSpecialists;
    expect(found).toEqual([
      { user: { id: 'u-anna' }, matched: ['PRODUCT', 'INDUSTRY', 'LANGUAGE'], score: 3 },
      { user: { id: 'u-cleo' }, matched: ['INDUSTRY', 'LANGUAGE'], score: 2 },
      { user: { id: 'u-bob' }, matched: ['PRODUCT'], score: 1 },
    ]);
    expect(dataOf(await call(admin, FIND, { language: 'de', first: 1 })).findSpecialists).toEqual([{ user: { id: 'u-anna' }, matched: ['LANGUAGE'], score: 1 }]);
    expect(errorCodes(await call(admin, FIND, {}))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await call(admin, FIND, { language: 'de', first: 51 }))).toEqual(['BAD_USER_INPUT']);
  });

  it('lets only admins edit a user, publishing UserChanged with the revision', async () => {
    const tenant = uniqueId('tenant');
    const admin = person(tenant, 'admin-1', ['admin']);
    const manager = person(tenant, 'u-mia', ['manager'], 'Mia');
    await signIn(admin);
    await signIn(manager);
    expect(errorCodes(await call(manager, UPDATE_USER, { id: 'u-mia', input: { roles: ['admin'] } }))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await call(admin, UPDATE_USER, { id: 'nobody', input: { name: 'X' } }))).toEqual(['NOT_FOUND']);
    expect(errorCodes(await call(admin, UPDATE_USER, { id: 'u-mia', input: { roles: [] } }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await call(admin, UPDATE_USER, { id: 'u-mia', input: { name: 'x'.repeat(201) } }))).toEqual(['BAD_USER_INPUT']);
    // Not themselves: a deactivated admin would be locked out. Nothing is written.
    const self = await call(admin, UPDATE_USER, { id: 'admin-1', input: { name: 'Ada', active: false } });
    expect(errorCodes(self)).toEqual(['BAD_USER_INPUT']);
    expect(self.errors?.[0]?.extensions?.field).toBe('input.active');
    expect(await UserModel.findOne({ tenantId: tenant, userId: 'admin-1' }).lean()).toMatchObject({ active: true, revision: 0 });
    expect(dataOf(await call(admin, UPDATE_USER, { id: 'admin-1', input: { name: 'Ada', active: true } })).updateUser).toMatchObject({ name: 'Ada', active: true });
    const updated = dataOf(await call(admin, UPDATE_USER, { id: 'u-mia', input: { name: 'Mia Moss', roles: ['manager', 'head_of_sales'] } })).updateUser;
    expect(updated).toMatchObject({ id: 'u-mia', name: 'Mia Moss', roles: ['manager', 'head_of_sales'], active: true });
    dataOf(await call(admin, UPDATE_USER, { id: 'u-mia', input: { active: false } }));
    const events = (await eventsOf(tenant, 'UserChanged', 5)).filter((event) => event.aggregateId === 'u-mia');
    expect(events.map((event) => [event.data.change, event.data.revision, event.data.name, event.data.active])).toEqual([
      ['ADDED', 0, 'Mia', true],
      ['UPDATED', 1, 'Mia Moss', true],
      ['DEACTIVATED', 2, 'Mia Moss', false],
    ]);
    expect(events[1]!.actorId).toBe('admin-1');
  });
});

describe('roles', () => {
  it('refuses every request of a user an admin deactivated, admin-only mutations included, until activated again', async () => {
    const tenantId = uniqueId('tenant');
    const admin = person(tenantId, 'u-root', ['admin']);
    const other = person(tenantId, 'u-second-admin', ['admin']);
    await signIn(admin);
    await signIn(other);
    dataOf(await call(admin, UPDATE_USER, { id: other.userId, input: { active: false } }));
    // Access follows UserChanged (the policy read models): from then on nothing of theirs is answered.
    await waitFor(async () => errorCodes(await call(other, `{ me { id } }`)).includes('FORBIDDEN'), { what: 'the deactivation to reach access' });
    expect(errorCodes(await call(other, UPDATE_USER, { id: other.userId, input: { active: true } }))).toEqual(['FORBIDDEN']);
    expect((await UserModel.findOne({ tenantId, userId: other.userId }).lean())?.active).toBe(false);
    dataOf(await call(admin, UPDATE_USER, { id: other.userId, input: { active: true } }));
    await waitFor(async () => (await call(other, `{ me { id } }`)).data?.me?.id === other.userId, { what: 'the activation to reach access' });
  });

  it("lists the tenant's roles and their rights to admins and heads of sales only; anyone reads the rights of a role they hold", async () => {
    const tenant = uniqueId('tenant');
    const [admin, head, manager, intake] = [person(tenant, 'admin-1', ['admin']), person(tenant, 'u-head', ['head_of_sales']), person(tenant, 'u-mia', ['manager']), person(tenant, 'u-ivo', ['intake'])];
    const SET = `mutation { setRolePermissions(role: "auditor", rights: [{ object: COMPANY, action: READ, scope: ALL }], deniedFields: ["Company.potential"]) { revision } }`;
    dataOf(await call(admin, SET));
    const ROLES = `{ roles { role customized } }`;
    const RIGHTS = `query ($role: String!) { rolePermissions(role: $role) { role customized rights { object action scope } deniedFields } }`;
    for (const who of [manager, intake]) {
      expect(errorCodes(await call(who, ROLES))).toEqual(['FORBIDDEN']);
      for (const role of ['auditor', 'admin', 'head_of_sales']) expect(errorCodes(await call(who, RIGHTS, { role }))).toEqual(['FORBIDDEN']);
    }
    // Their own rights: what a client shows them they may do.
    expect(dataOf(await call(manager, RIGHTS, { role: 'manager' })).rolePermissions).toMatchObject({ role: 'manager', customized: false, deniedFields: [] });
    expect(dataOf(await call(intake, RIGHTS, { role: 'intake' })).rolePermissions).toEqual({ role: 'intake', customized: false, rights: [], deniedFields: [] });
    for (const who of [admin, head]) {
      expect(dataOf(await call(who, ROLES)).roles).toEqual([
        { role: 'admin', customized: false },
        { role: 'auditor', customized: true },
        { role: 'head_of_sales', customized: false },
        { role: 'manager', customized: false },
      ]);
      expect(dataOf(await call(who, RIGHTS, { role: 'auditor' })).rolePermissions).toMatchObject({ customized: true, deniedFields: ['Company.potential'] });
    }
  });
});

const TEAM_FIELDS = `id name revision leadId lead { id name } memberIds members { id } territoryIds industries keyCompanyIds`;
const CREATE_TEAM = `mutation ($input: CreateTeamInput!) { createTeam(input: $input) { ${TEAM_FIELDS} } }`;
const UPDATE_TEAM = `mutation ($id: ID!, $input: UpdateTeamInput!, $rev: Int) { updateTeam(id: $id, input: $input, expectedRevision: $rev) { ${TEAM_FIELDS} } }`;
const ADD = `mutation ($t: ID!, $u: ID!) { addTeamMember(teamId: $t, userId: $u) { revision memberIds } }`;
const REMOVE = `mutation ($t: ID!, $u: ID!) { removeTeamMember(teamId: $t, userId: $u) { revision memberIds } }`;
const teamIdsOf = async (tenantId: string, userId: string) => (await UserModel.findOne({ tenantId, userId }).lean())?.teamIds;

describe('teams', () => {
  const tenant = uniqueId('tenant');
  const admin = person(tenant, 'admin-1', ['admin']);
  const head = person(tenant, 'u-head', ['head_of_sales'], 'Hanna Head');
  const [anna, bob, cleo] = ['u-anna', 'u-bob', 'u-cleo'].map((id) => person(tenant, id, ['manager']));
  beforeAll(async () => {
    for (const identity of [admin, head, anna!, bob!, cleo!]) await signIn(identity);
  });

  it('creates, changes and deletes a team: TeamChanged per change with revisions, members keep their teamIds', async () => {
    const team = dataOf(await call(admin, CREATE_TEAM, { input: { name: 'DACH', leadId: 'u-head', memberIds: ['u-anna', 'u-bob'], industries: ['Manufacturing'] } })).createTeam;
    expect(team).toMatchObject({ name: 'DACH', revision: 1, lead: { id: 'u-head', name: 'Hanna Head' }, memberIds: ['u-anna', 'u-bob'], members: [{ id: 'u-anna' }, { id: 'u-bob' }] });
    expect(await teamIdsOf(tenant, 'u-anna')).toEqual([team.id]);
    expect(dataOf(await call(anna!, `{ me { teams { id name } } }`)).me.teams).toEqual([{ id: team.id, name: 'DACH' }]);

    expect(dataOf(await call(admin, ADD, { t: team.id, u: 'u-cleo' })).addTeamMember).toEqual({ revision: 2, memberIds: ['u-anna', 'u-bob', 'u-cleo'] });
    // Adding a member again changes nothing and publishes nothing.
    expect(dataOf(await call(admin, ADD, { t: team.id, u: 'u-cleo' })).addTeamMember.revision).toBe(2);
    expect(dataOf(await call(admin, REMOVE, { t: team.id, u: 'u-anna' })).removeTeamMember).toEqual({ revision: 3, memberIds: ['u-bob', 'u-cleo'] });
    expect(await teamIdsOf(tenant, 'u-anna')).toEqual([]);
    expect(await teamIdsOf(tenant, 'u-cleo')).toEqual([team.id]);

    // Conditional on the revision: a stale one is CONFLICT and writes nothing.
    expect(errorCodes(await call(admin, UPDATE_TEAM, { id: team.id, input: { name: 'Old view' }, rev: 2 }))).toEqual(['CONFLICT']);
    const renamed = dataOf(await call(admin, UPDATE_TEAM, { id: team.id, input: { name: 'DACH enterprise', memberIds: ['u-anna'] }, rev: 3 })).updateTeam;
    expect(renamed).toMatchObject({ name: 'DACH enterprise', revision: 4, memberIds: ['u-anna'] });
    expect([await teamIdsOf(tenant, 'u-anna'), await teamIdsOf(tenant, 'u-bob'), await teamIdsOf(tenant, 'u-cleo')]).toEqual([[team.id], [], []]);

    expect(dataOf(await call(admin, `mutation ($id: ID!) { deleteTeam(id: $id) }`, { id: team.id })).deleteTeam).toBe(team.id);
    expect(dataOf(await call(admin, `query ($id: ID!) { team(id: $id) { id } }`, { id: team.id })).team).toBeNull();
    expect(await teamIdsOf(tenant, 'u-anna')).toEqual([]);

    const changes = await eventsOf(tenant, 'TeamChanged', 5, team.id);
    expect(changes.map((event) => [event.data.change, event.data.revision, event.data.memberIds, event.data.deleted])).toEqual([
      ['CREATED', 1, ['u-anna', 'u-bob'], false],
      ['MEMBER_ADDED', 2, ['u-anna', 'u-bob', 'u-cleo'], false],
      ['MEMBER_REMOVED', 3, ['u-bob', 'u-cleo'], false],
      ['UPDATED', 4, ['u-anna'], false],
      ['DELETED', 5, [], true],
    ]);
    expect(changes[0]!.data).toMatchObject({ name: 'DACH', leadId: 'u-head', industries: ['Manufacturing'] });
    // Anna joined, left, joined and left again: four moves, each with its UserChanged.
    const anna_ = (await eventsOf(tenant, 'UserChanged', 5, 'u-anna')).map((event) => [event.data.revision, event.data.teamIds]);
    expect(anna_).toEqual([[0, []], [1, [team.id]], [2, []], [3, [team.id]], [4, []]]);
  });

  it('refuses teams with unknown people, a lead who is no head of sales, and callers who are neither admin nor head of sales', async () => {
    const before = await TeamModel.countDocuments({ tenantId: tenant });
    const unknown = await call(admin, CREATE_TEAM, { input: { name: 'X', memberIds: ['u-anna', 'u-ghost'] } });
    expect(unknown.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.memberIds.1' });
    expect(unknown.errors?.[0]?.message).toContain('u-ghost');
    const notHead = await call(admin, CREATE_TEAM, { input: { name: 'X', leadId: 'u-anna' } });
    expect(notHead.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.leadId' });
    expect(errorCodes(await call(admin, CREATE_TEAM, { input: { name: 'X', territoryIds: [new Types.ObjectId().toHexString()] } }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await call(anna!, CREATE_TEAM, { input: { name: 'X' } }))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await call(admin, CREATE_TEAM, { input: { name: ' ' } }))).toEqual(['BAD_USER_INPUT']);
    const team = dataOf(await call(admin, CREATE_TEAM, { input: { name: 'South' } })).createTeam;
    expect(errorCodes(await call(anna!, ADD, { t: team.id, u: 'u-anna' }))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await call(admin, ADD, { t: team.id, u: 'u-ghost' }))).toEqual(['BAD_USER_INPUT']);
    expect(errorCodes(await call(admin, ADD, { t: new Types.ObjectId().toHexString(), u: 'u-anna' }))).toEqual(['NOT_FOUND']);
    expect(await TeamModel.countDocuments({ tenantId: tenant })).toBe(before + 1);
    const teams = dataOf(await call(anna!, `{ teams(first: 10) { edges { node { name revision } } totalCount } }`)).teams;
    expect(teams).toEqual({ edges: [{ node: { name: 'South', revision: 1 } }], totalCount: 1 });
  });

  it("finishes the members' moves a crash left after the team's write, once", async () => {
    const teamId = new Types.ObjectId();
    // As a crash leaves it: the team written (with its event), the users not yet moved.
    await TeamModel.create({ _id: teamId, tenantId: tenant, name: 'Interrupted', memberIds: ['u-bob', 'u-cleo'], revision: 1, membersPending: true, joiningMemberIds: ['u-bob', 'u-cleo'], leavingMemberIds: ['u-anna'] });
    await UserModel.updateOne({ tenantId: tenant, userId: 'u-anna' }, { $addToSet: { teamIds: teamId.toString() } });
    const logger = createLogger('test', 'silent');
    expect(await resumeTeamMembers(logger)).toBeGreaterThanOrEqual(1);
    expect([await teamIdsOf(tenant, 'u-anna'), await teamIdsOf(tenant, 'u-bob'), await teamIdsOf(tenant, 'u-cleo')]).toEqual([[], [teamId.toString()], [teamId.toString()]]);
    expect(await TeamModel.findById(teamId).lean()).toMatchObject({ membersPending: false, joiningMemberIds: [], leavingMemberIds: [] });
    const revisions = async () => (await UserModel.find({ tenantId: tenant, userId: { $in: ['u-anna', 'u-bob', 'u-cleo'] } }).lean()).map((user) => user.revision);
    const after = await revisions();
    // A second run (another replica, a second start) finds nothing left to do.
    await TeamModel.updateOne({ _id: teamId }, { $set: { membersPending: true, joiningMemberIds: ['u-bob', 'u-cleo'], leavingMemberIds: ['u-anna'] } });
    await resumeTeamMembers(logger);
    expect(await revisions()).toEqual(after);
  });

  it("lets a head of sales change only the teams they lead, and never a team's members or lead: only admins widen a TEAM scope", async () => {
    const tenantId = uniqueId('tenant');
    const [boss, hanna, ida] = [person(tenantId, 'admin-1', ['admin']), person(tenantId, 'u-hanna', ['head_of_sales']), person(tenantId, 'u-ida', ['manager'])];
    for (const identity of [boss, hanna, ida]) await signIn(identity);
    const company = dataOf(await call(boss, `mutation { createCompany(input: { name: "Key client" }) { id } }`)).createCompany.id;
    const own = dataOf(await call(boss, CREATE_TEAM, { input: { name: 'Hanna team', leadId: 'u-hanna' } })).createTeam;
    const other = dataOf(await call(boss, CREATE_TEAM, { input: { name: 'Other team', memberIds: ['u-ida'] } })).createTeam;

    const refused = async (query: string, variables: object) => {
      const answer = await call(hanna, query, variables);
      expect(errorCodes(answer)).toEqual(['FORBIDDEN']);
      return answer.errors![0]!.message;
    };
    // Into another team, or another team's people into hers: refused, whichever way.
    await refused(ADD, { t: other.id, u: 'u-hanna' });
    await refused(ADD, { t: own.id, u: 'u-ida' });
    await refused(REMOVE, { t: other.id, u: 'u-ida' });
    expect(await refused(UPDATE_TEAM, { id: other.id, input: { memberIds: ['u-ida', 'u-hanna'] } })).toContain('input.memberIds');
    expect(await refused(UPDATE_TEAM, { id: other.id, input: { leadId: 'u-hanna' } })).toContain('input.leadId');
    await refused(UPDATE_TEAM, { id: own.id, input: { memberIds: ['u-ida'] } });
    await refused(UPDATE_TEAM, { id: own.id, input: { leadId: null } });
    expect(await refused(UPDATE_TEAM, { id: other.id, input: { name: 'Taken over' } })).toContain('teams you lead');
    await refused(CREATE_TEAM, { input: { name: 'Mine too', leadId: 'u-hanna', memberIds: ['u-ida'] } });
    await refused(`mutation ($id: ID!) { deleteTeam(id: $id) }`, { id: own.id });
    // The rest of the team she leads is hers to change.
    const changed = dataOf(await call(hanna, UPDATE_TEAM, { id: own.id, input: { name: 'Hanna enterprise', industries: ['Food'], keyCompanyIds: [company] } })).updateTeam;
    expect(changed).toMatchObject({ name: 'Hanna enterprise', revision: 2, leadId: 'u-hanna', memberIds: [], industries: ['Food'], keyCompanyIds: [company] });

    // Nothing else was written: no membership, no TeamChanged.
    expect(await TeamModel.findById(other.id).lean()).toMatchObject({ name: 'Other team', revision: 1, leadId: null, memberIds: ['u-ida'] });
    expect(await teamIdsOf(tenantId, 'u-hanna')).toEqual([]);
    // Each team's events in its own order (two teams' events may come from two partitions).
    const changes = await eventsOf(tenantId, 'TeamChanged', 3);
    const ofTeam = (id: string) => changes.filter((event) => event.aggregateId === id).map((event) => [event.data.change, event.data.revision]);
    expect(ofTeam(own.id)).toEqual([['CREATED', 1], ['UPDATED', 2]]);
    expect(ofTeam(other.id)).toEqual([['CREATED', 1]]);
  });

  it('refuses, before writing anything, a member who is already in 100 teams (the most UserChanged carries)', async () => {
    const tenantId = uniqueId('tenant');
    const [boss, busy, ida] = [person(tenantId, 'admin-1', ['admin']), person(tenantId, 'u-busy', ['manager']), person(tenantId, 'u-ida', ['manager'])];
    for (const identity of [boss, busy, ida]) await signIn(identity);
    const full: string[] = [];
    for (let i = 0; i < 100; i++) full.push(dataOf(await call(boss, CREATE_TEAM, { input: { name: `Team ${i}`, memberIds: ['u-busy'] } })).createTeam.id);
    expect(await teamIdsOf(tenantId, 'u-busy')).toHaveLength(100);
    const team = dataOf(await call(boss, CREATE_TEAM, { input: { name: 'One more' } })).createTeam;

    const refusedBusy = (answer: Awaited<ReturnType<typeof call>>, field: string) => {
      expect(answer.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
      expect(answer.errors?.[0]?.message).toContain('u-busy');
    };
    refusedBusy(await call(boss, CREATE_TEAM, { input: { name: 'Too many', memberIds: ['u-ida', 'u-busy'] } }), 'input.memberIds.1');
    refusedBusy(await call(boss, ADD, { t: team.id, u: 'u-busy' }), 'input.memberIds.0');
    refusedBusy(await call(boss, UPDATE_TEAM, { id: team.id, input: { memberIds: ['u-ida', 'u-busy'] } }), 'input.memberIds.1');
    // Nothing written: no team, no change, nobody moved, nothing left pending.
    expect(await TeamModel.countDocuments({ tenantId })).toBe(101);
    expect(await TeamModel.findById(team.id).lean()).toMatchObject({ revision: 1, memberIds: [], membersPending: false });
    expect(await teamIdsOf(tenantId, 'u-ida')).toEqual([]);
    // A team they are in already takes them (and others) as before.
    expect(dataOf(await call(boss, UPDATE_TEAM, { id: full[0], input: { memberIds: ['u-busy', 'u-ida'] } })).updateTeam.memberIds).toEqual(['u-busy', 'u-ida']);
    expect(await teamIdsOf(tenantId, 'u-ida')).toEqual([full[0]]);
    expect(await TeamModel.countDocuments({ tenantId, membersPending: true })).toBe(0);
  }, 300_000); // 100 teams written one by one, each with its member's move: 52 s on a quiet 2-core machine, past 60 s in a loaded CI run

  it('resolves Team and User references within the tenant, and Company.team', async () => {
    const team = dataOf(await call(admin, CREATE_TEAM, { input: { name: 'Refs', leadId: 'u-head', memberIds: ['u-bob'] } })).createTeam;
    // Bob's company: a Company reference resolves within the reader's row scope (docs/architecture.md, "Roles and rights").
    const company = dataOf(await call(admin, `mutation ($t: ID) { createCompany(input: { name: "Served", teamId: $t, ownerId: "u-bob" }) { id team { name } } }`, { t: team.id })).createCompany;
    expect(company.team).toEqual({ name: 'Refs' });
    const ENTITIES = `query ($r: [_Any!]!) { _entities(representations: $r) {
      ... on Team { id name lead { id } members { id teams { name } } }
      ... on User { id userName: name roles }
      ... on Company { id team { id } } } }`;
    const r = [
      { __typename: 'Team', id: team.id },
      { __typename: 'User', id: 'u-head' },
      { __typename: 'Company', id: company.id },
      { __typename: 'User', id: 'u-nobody' },
      { __typename: 'Team', id: 'not-an-id' },
    ];
    expect(dataOf(await call(bob!, ENTITIES, { r }))._entities).toEqual([
      { id: team.id, name: 'Refs', lead: { id: 'u-head' }, members: [{ id: 'u-bob', teams: [{ name: 'Interrupted' }, { name: 'Refs' }] }] },
      { id: 'u-head', userName: 'Hanna Head', roles: ['head_of_sales'] },
      { id: company.id, team: { id: team.id } },
      null,
      null,
    ]);
    // Another tenant sees none of them (its own u-head is another person, unknown there).
    const stranger = testIdentity(undefined, ['admin']);
    expect(dataOf(await call(stranger, ENTITIES, { r: r.slice(0, 3) }))._entities).toEqual([null, null, null]);
  });
});
