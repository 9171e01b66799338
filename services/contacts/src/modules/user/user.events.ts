import { createEvent, eventMeta, UserChanged, type EventCause } from '@crm/events';
import type { UserDoc } from './user.model';

export type UserChange = 'ADDED' | 'UPDATED' | 'DEACTIVATED';

/** UserChanged with the person as the write leaves them (aggregate id: the user id). */
export const userChanged = (cause: EventCause, user: Omit<UserDoc, '_id' | 'outbox' | 'createdAt' | 'updatedAt' | 'nameKey' | 'tenantId'>, change: UserChange) =>
  createEvent(UserChanged, eventMeta(cause, user.userId), {
    userId: user.userId,
    change,
    name: user.name,
    email: user.email,
    roles: user.roles,
    teamIds: user.teamIds,
    languages: user.languages,
    products: user.products,
    industries: user.industries,
    active: user.active,
    revision: user.revision,
  });
