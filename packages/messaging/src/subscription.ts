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
