import type { Envelope, EventData, EventDefinition } from '@crm/events';
import type { Logger } from 'pino';

export interface HandlerContext {
  /** Carries the consumer, event id and type, tenant and correlation id. */
  logger: Logger;
  /** The consumer group handling the event. */
  consumer: string;
}

/** A handler gets the event's data already validated, typed and, for an older version, upcast. */
export type Handler<D extends EventDefinition> = (data: EventData<D>, event: Envelope<EventData<D>>, ctx: HandlerContext) => Promise<void>;

/** One event type a consumer handles, at the one version its handler is written for. */
export interface Subscription<D extends EventDefinition = EventDefinition> {
  readonly definition: D;
  readonly handle: Handler<D>;
}

/**
 * `on(DealStageChanged, async (data, event, ctx) => ...)`: the definition names the version the
 * handler reads. Older versions are upcast to it by the catalogue; newer or unknown ones are parked.
 */
export function on<D extends EventDefinition>(definition: D, handle: Handler<D>): Subscription<D> {
  return { definition, handle };
}

/** Thrown by a handler for an event that can never succeed: it goes to the dead-letter topic at once. */
export class PermanentEventError extends Error {
  override name = 'PermanentEventError';
}

/**
 * Events of several types handled a fetched batch at a time: a projection that folds a batch into
 * fewer writes than one event at a time makes. Each type keeps its own handler (`on`), which the
 * consumer uses instead whenever the batch handler cannot run or fails: a batch holding a message
 * it must park, a type outside `definitions`, or an error (the batch is then handled again one
 * event at a time, with the usual retries and parking). So the batch handler must be idempotent
 * with its per-event handlers: any part of a batch may be applied again by them.
 */
export interface BatchHandler {
  readonly definitions: readonly EventDefinition[];
  /** The batch's new events of those types, in order, each read at its handler's version. */
  readonly handle: (events: readonly Envelope<any>[], ctx: HandlerContext) => Promise<void>;
}

export function onBatch(definitions: readonly EventDefinition[], handle: BatchHandler['handle']): BatchHandler {
  return { definitions, handle };
}
