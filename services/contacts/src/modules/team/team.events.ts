import { createEvent, eventMeta, TeamChanged, type EventCause } from '@crm/events';
import type { TeamDoc } from './team.model';

export type TeamChange = 'CREATED' | 'UPDATED' | 'MEMBER_ADDED' | 'MEMBER_REMOVED' | 'DELETED';

/** TeamChanged with the whole team as the write leaves it (aggregate id: the team id). */
export const teamChanged = (cause: EventCause, team: Pick<TeamDoc, '_id' | 'name' | 'leadId' | 'memberIds' | 'territoryIds' | 'industries' | 'keyCompanyIds' | 'revision' | 'deleted'>, change: TeamChange) =>
  createEvent(TeamChanged, eventMeta(cause, team._id.toString()), {
    teamId: team._id.toString(),
    change,
    name: team.name,
    leadId: team.leadId,
    memberIds: team.memberIds,
    territoryIds: team.territoryIds,
    industries: team.industries,
    keyCompanyIds: team.keyCompanyIds,
    revision: team.revision,
    deleted: team.deleted,
  });
