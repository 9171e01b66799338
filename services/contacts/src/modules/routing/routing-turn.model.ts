import { model, Schema } from 'mongoose';

/**
 * The round-robin turn of one rule's team: `_id` is `tenant:rule:team`. Each assignment takes the
 * next turn with one atomic `$inc` (findOneAndUpdate), never a read then a write, so concurrent
 * routings each get a distinct turn and the members get their leads in strict rotation.
 */
export interface RoutingTurnDoc {
  _id: string;
  tenantId: string;
  turn: number;
}

const schema = new Schema<RoutingTurnDoc>(
  { _id: { type: String, required: true }, tenantId: { type: String, required: true }, turn: { type: Number, default: 0 } },
  { versionKey: false, collection: 'routing_turns' },
);

export const RoutingTurnModel = model<RoutingTurnDoc>('RoutingTurn', schema);

export const turnKey = (tenantId: string, ruleId: string, teamId: string) => `${tenantId}:${ruleId}:${teamId}`;
