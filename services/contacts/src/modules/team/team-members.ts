import type { EventCause } from '@crm/events';
import { updateWithEvents } from '@crm/messaging';
import type { Logger } from 'pino';
import { userChanged } from '../user/user.events';
import { UserModel, type UserDoc } from '../user/user.model';
import { TeamModel, type TeamDoc } from './team.model';

const MAX_ATTEMPTS = 5;
/** Teams resumed per start: a crash leaves a handful marked at most. */
const MAX_RESUMED = 100;

/**
 * Gives a user a team or takes it away, with their UserChanged, in one conditional write
 * (`$addToSet`/`$pull`, on the revision read). Idempotent: a user who already has (or lacks) the
 * team is not written again, so a resumed or repeated move publishes nothing twice.
 */
async function moveUser(cause: EventCause, userId: string, teamId: string, join: boolean): Promise<void> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const before = await UserModel.findOne({ tenantId: cause.tenantId, userId }).lean<UserDoc>().exec();
    if (!before || before.teamIds.includes(teamId) === join) return;
    const teamIds = join ? [...before.teamIds, teamId] : before.teamIds.filter((id) => id !== teamId);
    const moved = await updateWithEvents(
      UserModel,
      { tenantId: cause.tenantId, userId, revision: before.revision },
      { ...(join ? { $addToSet: { teamIds: teamId } } : { $pull: { teamIds: teamId } }), $inc: { revision: 1 } },
      userChanged(cause, { ...before, teamIds, revision: before.revision + 1 }, 'UPDATED'),
    );
    if (moved) return;
  }
  throw new Error(`user ${userId} kept changing while moving team ${teamId}`);
}

/**
 * The second half of a membership change (the team's write, with its TeamChanged, is the first):
 * each joining member gets the team in their `teamIds`, each leaving one loses it, then the
 * team's mark is cleared, conditional on the revision synced (a newer change keeps its own mark).
 * Every step is idempotent, so running it again after a crash, or twice at once, converges.
 */
export async function syncTeamMembers(cause: EventCause, team: TeamDoc): Promise<void> {
  if (!team.membersPending) return;
  const teamId = team._id.toString();
  const members = new Set(team.deleted ? [] : team.memberIds);
  for (const userId of team.joiningMemberIds) if (members.has(userId)) await moveUser(cause, userId, teamId, true);
  for (const userId of team.leavingMemberIds) if (!members.has(userId)) await moveUser(cause, userId, teamId, false);
  await TeamModel.updateOne(
    { _id: team._id, tenantId: team.tenantId, revision: team.revision, membersPending: true },
    { $set: { membersPending: false, joiningMemberIds: [], leavingMemberIds: [] } },
  ).exec();
}

/** At start-up: the teams whose members' moves a stopped process left unfinished. */
export async function resumeTeamMembers(logger: Logger): Promise<number> {
  const pending = await TeamModel.find({ membersPending: true }).limit(MAX_RESUMED).lean<TeamDoc[]>().exec();
  let resumed = 0;
  for (const team of pending) {
    try {
      await syncTeamMembers({ tenantId: team.tenantId, correlationId: `team-members-${team._id.toString()}-${team.revision}` }, team);
      resumed += 1;
    } catch (error) {
      logger.warn({ err: error, teamId: team._id.toString() }, 'could not finish a team membership change; the next start or change of the team retries');
    }
  }
  return resumed;
}
