// docs/events.md against the catalogue: its JSON examples are events the catalogue accepts, and
// its envelope table names every source the catalogue's events come from.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { catalogue } from '../src';

const doc = readFileSync(resolve(__dirname, '../../../docs/events.md'), 'utf8');

describe('docs/events.md', () => {
  it('shows JSON examples that are whole events the catalogue accepts', () => {
    const examples = [...doc.matchAll(/```json\n([\s\S]*?)```/g)].map((match) => JSON.parse(match[1]!) as { type: string });
    expect(examples.map((example) => example.type)).toEqual(expect.arrayContaining(['TeamChanged', 'UserChanged']));
    const refusal = (example: unknown) => {
      try {
        catalogue.check(example);
        return null;
      } catch (error) {
        return (error as Error).message;
      }
    };
    expect(examples.map((example) => [example.type, refusal(example)])).toEqual(examples.map((example) => [example.type, null]));
  });

  it('names every source of the catalogue in the envelope table', () => {
    const row = doc.split('\n').find((line) => line.startsWith('| `source` |'))!;
    const named = [...row.matchAll(/`([a-z]+)`/g)].map((match) => match[1]).filter((name) => name !== 'source');
    expect([...new Set(named)].sort()).toEqual([...new Set(catalogue.definitions.map((def) => def.source))].sort());
  });
});
