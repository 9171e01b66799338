import { z } from 'zod';
import { catalogue } from './catalogue';
import { envelopeSchema } from './envelope';
import { topics } from './topics';

const messageName = (type: string, version: number) => `${type}V${version}`;
const channelName = (topic: string) => topic.replace(/^crm\./, '').replace(/[.-](\w)/g, (_m, c: string) => c.toUpperCase());

/** The event catalogue as an AsyncAPI 3.0 document, generated from the same zod schemas the code validates with. */
export function buildAsyncApi() {
  const { data: _data, ...envelopeProperties } = (z.toJSONSchema(envelopeSchema) as { properties: Record<string, unknown> }).properties;
  const messages = Object.fromEntries(
    catalogue.map((def) => [
      messageName(def.type, def.version),
      {
        name: def.type,
        title: `${def.type} v${def.version}`,
        summary: `Published by ${def.source} on ${def.topic}, keyed by the ${def.aggregateType} id.`,
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
          catalogue
            .filter((def) => def.topic === topic)
            .map((def) => [messageName(def.type, def.version), { $ref: `#/components/messages/${messageName(def.type, def.version)}` }]),
        ),
      },
    ]),
  );
  const operations = Object.fromEntries(
    catalogue.map((def) => [
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
