import { requestAccess, rowFilter, type HasAccess } from '@crm/policy';
import { createByIdLoader, createListLoader, type BaseContext } from '@crm/service-kit';
import DataLoader from 'dataloader';
import { CompanyModel, type CompanyDoc } from './modules/company/company.model';
import { ContactModel, type ContactDoc } from './modules/contact/contact.model';
import { TeamModel, type TeamDoc } from './modules/team/team.model';
import { TerritoryModel, type TerritoryDoc } from './modules/territory/territory.model';
import { ensureDirectoryUser } from './modules/user/directory-sign-in';
import { UserModel, type UserDoc } from './modules/user/user.model';

export interface ContactsContext extends BaseContext, HasAccess {
  loaders: ReturnType<typeof createLoaders>;
}

/** Directory users of the tenant by their id (the token subject). */
const usersById = (tenantId: string) =>
  new DataLoader<string, UserDoc | null>(async (ids) => {
    const rows = await UserModel.find({ tenantId, userId: { $in: [...new Set(ids)] } }).lean<UserDoc[]>().exec();
    const byId = new Map(rows.map((row) => [row.userId, row]));
    return ids.map((id) => byId.get(id) ?? null);
  });

/** Nested lists of contact persons carry the reader's row scope in their store query (none at all without a read right). */
function createLoaders(tenantId: string, access: HasAccess['access']) {
  const readable = async () => rowFilter(await access(), 'contact', 'read') ?? { _id: { $in: [] } };
  const teams = createByIdLoader<TeamDoc>(TeamModel, tenantId);
  return {
    companyById: createByIdLoader<CompanyDoc>(CompanyModel, tenantId),
    contactById: createByIdLoader<ContactDoc>(ContactModel, tenantId),
    contactsByCompany: createListLoader(async (companyId, limit) =>
      ContactModel.find({ tenantId, companyId, ...(await readable()) }).sort({ lastName: 1, firstName: 1 }).limit(limit).lean<ContactDoc[]>().exec(),
    ),
    directReports: createListLoader(async (contactId, limit) =>
      ContactModel.find({ tenantId, reportsTo: contactId, ...(await readable()) }).sort({ nameKey: 1 }).limit(limit).lean<ContactDoc[]>().exec(),
    ),
    userById: usersById(tenantId),
    /** Live teams only: a deleted team's tombstone reads as none. */
    teamById: new DataLoader<string, TeamDoc | null>(async (ids) => (await teams.loadMany(ids)).map((team) => (team && !(team instanceof Error) && !team.deleted ? team : null))),
    territoryById: createByIdLoader<TerritoryDoc>(TerritoryModel, tenantId),
  };
}

/**
 * Every request's context; a signed-in user the directory does not know yet is added first. A
 * failure to add them (the store unreachable) does not fail the request: the request's own reads
 * answer for the store, and the next request tries again. The caller's access is loaded once, first
 * (requestAccess: a deactivated user is refused every request).
 */
export async function createContext(base: BaseContext): Promise<ContactsContext> {
  await ensureDirectoryUser(base).catch((error: unknown) => base.logger.warn({ err: error }, 'could not add the caller to the directory; the next request retries'));
  const access = await requestAccess(base.identity);
  return { ...base, access, loaders: createLoaders(base.tenantId, access) };
}
