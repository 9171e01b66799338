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
  /**
   * How the data of this type's previous version (already validated against that version's
   * schema) becomes this version's data. Without it, a consumer of this version cannot read
   * the previous one: such events are parked, never read with the wrong schema.
   */
  upcast?: (previous: Record<string, unknown>) => z.input<TSchema>;
  /** A realistic payload: shown in docs/events.md and docs/asyncapi.yaml, and checked against `data` by a test. */
  example?: z.input<TSchema>;
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

/** What a write happens for: a request (tenant, user, correlation id) or the event a consumer handles. */
export type EventCause = { tenantId: string; userId?: string; correlationId?: string } | Envelope<unknown>;

const isEvent = (cause: EventCause): cause is Envelope<unknown> => 'aggregateId' in cause && 'type' in cause;

/**
 * The one way to fill an event's meta: from the request (its user is the actor) or from the
 * causing event (same tenant, correlation and actor; the cause's id as `causationId`).
 */
export function eventMeta(cause: EventCause, aggregateId: string): EventMeta {
  if (isEvent(cause)) {
    return { tenantId: cause.tenantId, aggregateId, correlationId: cause.correlationId, causationId: cause.id, actorId: cause.actorId };
  }
  return { tenantId: cause.tenantId, aggregateId, correlationId: cause.correlationId, actorId: cause.userId };
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
