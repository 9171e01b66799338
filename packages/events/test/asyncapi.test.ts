import { readFileSync } from 'node:fs';
import { Parser } from '@asyncapi/parser';
import { parse } from 'yaml';
import { catalogue } from '../src';
import { asyncApiPath, renderAsyncApi } from '../scripts/asyncapi';

describe('AsyncAPI document', () => {
  it('is up to date with the event schemas (run `npm run asyncapi -w @crm/events`)', () => {
    expect(readFileSync(asyncApiPath, 'utf8')).toBe(renderAsyncApi());
  });

  it('is a valid AsyncAPI 3.1 document, without warnings', async () => {
    const diagnostics = await new Parser().validate(renderAsyncApi());
    expect(diagnostics.map((d) => `${d.message} @ ${d.path.join('.')}`)).toEqual([]);
  });

  it('gives every event a realistic example that its own schema accepts, inside a valid envelope', () => {
    const doc = parse(renderAsyncApi());
    for (const def of catalogue.definitions) {
      expect([def.type, def.version, def.example === undefined]).toEqual([def.type, def.version, false]);
      expect([def.type, def.data.safeParse(def.example).error?.issues ?? []]).toEqual([def.type, []]);
      const [example] = doc.components.messages[`${def.type}V${def.version}`].examples;
      expect(catalogue.check(example.payload).data).toEqual(def.data.parse(def.example));
    }
  });

  it('describes every event on its topic with resolvable references', () => {
    const doc = parse(renderAsyncApi());
    expect(doc.asyncapi).toBe('3.1.0');
    for (const def of catalogue.definitions) {
      const message = doc.components.messages[`${def.type}V${def.version}`];
      expect(message.payload.properties.type).toEqual({ const: def.type });
      expect(message.payload.properties.data.type).toBe('object');
      const channel = Object.values(doc.channels as Record<string, { address: string; messages: object }>).find((c) => c.address === def.topic);
      expect(Object.keys(channel!.messages)).toContain(`${def.type}V${def.version}`);
    }
    // Every $ref points at something that exists.
    const refs = JSON.stringify(doc).match(/"\$ref":"#\/[^"]+"/g) ?? [];
    for (const ref of refs) {
      const path = ref.slice(10, -1).split('/');
      const target = path.reduce<any>((node, key) => node?.[key], doc);
      expect([ref, target]).toEqual([ref, expect.anything()]);
    }
  });
});
