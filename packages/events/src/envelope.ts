import { z } from 'zod';

/**
 * Every event the CRM publishes travels in this envelope (envelope version 1).
 * The Kafka message key is `aggregateId` (`<tenantId>:<aggregateType>:<aggregateId>` on
 * compacted topics, see topics.ts), so one record's events stay in order.
 */
export const envelopeSchema = z.object({
  id: z.uuid(),
  type: z.string().regex(/^[A-Z][A-Za-z]+$/, 'type is a PascalCase event name'),
  version: z.number().int().positive(),
  source: z.string().min(1),
  tenantId: z.string().min(1),
  aggregateType: z.string().min(1),
  aggregateId: z.string().min(1),
  occurredAt: z.iso.datetime({ offset: true }),
  correlationId: z.string().min(1).optional(),
  causationId: z.string().min(1).optional(),
  actorId: z.string().min(1).optional(),
  data: z.record(z.string(), z.unknown()),
});

export type Envelope<TData = Record<string, unknown>> = Omit<z.infer<typeof envelopeSchema>, 'data'> & {
  data: TData;
};
