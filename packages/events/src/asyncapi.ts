import { z } from 'zod';
import { catalogue } from './catalogue';
import type { EventDefinition } from './define';
import { envelopeSchema } from './envelope';
import { compactedTopics, topics } from './topics';

const messageName = (type: string, version: number) => `${type}V${version}`;
const channelName = (topic: string) => topic.replace(/^crm\./, '').replace(/[.-](\w)/g, (_m, c: string) => c.toUpperCase());

/** A whole envelope around an event's example data, as it appears on the topic. */
function exampleEnvelope(def: EventDefinition) {
  const tenantId = 'tenant-nordwind';
  // A tenant's settings are one aggregate per tenant (its id is the tenant's); any other event names its aggregate first.
  const aggregateId =
    def.aggregateType === 'TenantSettings' ? tenantId : ((Object.values(def.example as Record<string, unknown>).find((value) => typeof value === 'string') as string | undefined) ?? tenantId);
  return {
    id: '0b6c4f3e-7f4a-4d8e-9c61-2f1f5a7f9d10',
    type: def.type,
    version: def.version,
    source: def.source,
    tenantId,
    aggregateType: def.aggregateType,
    aggregateId,
    occurredAt: '2026-11-30T09:15:00.000Z',
    correlationId: 'req-5d1c9a',
    actorId: 'user-anna',
    data: def.example,
  };
}

/** The event catalogue as an AsyncAPI 3.0 document, generated from the same zod schemas the code validates with. */
export function buildAsyncApi() {
  const { data: _data, ...envelopeProperties } = (z.toJSONSchema(envelopeSchema) as { properties: Record<string, unknown> }).properties;
  const messages = Object.fromEntries(
    catalogue.definitions.map((def) => [
      messageName(def.type, def.version),
      {
        name: def.type,
        title: `${def.type} v${def.version}`,
        summary: `Published by ${def.source} on ${def.topic}, keyed by ${compactedTopics.includes(def.topic) ? `<tenant id>:${def.aggregateType}:<${def.aggregateType} id> (compacted topic)` : `the ${def.aggregateType} id`}.`,
        contentType: 'application/json',
        payload: {
          type: 'object',
          required: ['id', 'type', 'version', 'source', 'tenantId', 'aggregateType', 'aggregateId', 'occurredAt', 'data'],
          properties: {
            ...envelopeProperties,
            type: { const: def.type },
            version: { const: def.version },
            source: { const: def.source },
            aggregateType: { const: def.aggregateType },
            data: z.toJSONSchema(def.data, { io: 'input' }),
          },
        },
        ...(def.example !== undefined && { examples: [{ name: `${def.type}V${def.version}Example`, summary: `A ${def.type} v${def.version}`, payload: exampleEnvelope(def) }] }),
      },
    ]),
  );
  const published = Object.values(topics).filter((topic) => topic !== topics.deadLetter);
  const channels = Object.fromEntries(
    published.map((topic) => [
      channelName(topic),
      {
        address: topic,
        messages: Object.fromEntries(
          catalogue.definitions
            .filter((def) => def.topic === topic)
            .map((def) => [messageName(def.type, def.version), { $ref: `#/components/messages/${messageName(def.type, def.version)}` }]),
        ),
      },
    ]),
  );
  const operations = Object.fromEntries(
    catalogue.definitions.map((def) => [
      `publish${messageName(def.type, def.version)}`,
      {
        action: 'send',
        channel: { $ref: `#/channels/${channelName(def.topic)}` },
        messages: [{ $ref: `#/channels/${channelName(def.topic)}/messages/${messageName(def.type, def.version)}` }],
      },
    ]),
  );
  return {
    asyncapi: '3.1.0',
    info: {
      title: 'CRM platform events',
      version: '1.0.0',
      description: 'Domain events of the CRM services on Kafka. Generated from packages/events; see docs/events.md.',
    },
    defaultContentType: 'application/json',
    channels,
    operations,
    components: { messages },
  };
}
