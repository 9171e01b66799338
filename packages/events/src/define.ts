import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import type { Envelope } from './envelope';
import type { Topic } from './topics';

export interface EventDefinition<TType extends string = string, TSchema extends z.ZodType = z.ZodType> {
  type: TType;
  version: number;
  source: string;
  topic: Topic;
  aggregateType: string;
  data: TSchema;
}

export function defineEvent<TType extends string, TSchema extends z.ZodType>(
  def: EventDefinition<TType, TSchema>,
): EventDefinition<TType, TSchema> {
  return def;
}

export type EventData<D extends EventDefinition> = z.infer<D['data']>;

export interface EventMeta {
  tenantId: string;
  aggregateId: string;
  correlationId?: string;
  causationId?: string;
  actorId?: string;
  occurredAt?: Date;
}

/** Builds an envelope, validating the payload against the event's schema (the publish edge). */
export function createEvent<D extends EventDefinition>(def: D, meta: EventMeta, data: EventData<D>): Envelope<EventData<D>> {
  const parsed = def.data.parse(data) as EventData<D>;
  return {
    id: randomUUID(),
    type: def.type,
    version: def.version,
    source: def.source,
    tenantId: meta.tenantId,
    aggregateType: def.aggregateType,
    aggregateId: meta.aggregateId,
    occurredAt: (meta.occurredAt ?? new Date()).toISOString(),
    ...(meta.correlationId && { correlationId: meta.correlationId }),
    ...(meta.causationId && { causationId: meta.causationId }),
    ...(meta.actorId && { actorId: meta.actorId }),
    data: parsed,
  };
}
