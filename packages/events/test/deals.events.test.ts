import { catalogue, createEvent, PipelineCreated, PipelineCreatedV1 } from '../src';

describe('deals events', () => {
  it('reads a PipelineCreated v1 as v2: OPEN stages without guided selling, strictness NONE', () => {
    const v1 = createEvent(PipelineCreatedV1, { tenantId: 't1', aggregateId: 'p1' }, { pipelineId: 'p1', name: 'Sales', stages: [{ id: 's1', name: 'Lead', position: 0, probability: 0.2 }] });
    expect(catalogue.read(PipelineCreated, v1)).toEqual({
      pipelineId: 'p1',
      name: 'Sales',
      strictness: 'NONE',
      stages: [{ id: 's1', name: 'Lead', position: 0, probability: 0.2, kind: 'OPEN', task: null, result: null, keySteps: [], expectedDurationDays: null, archived: false }],
      followUps: [],
      templateKey: null,
    });
  });

  it('keeps both versions of PipelineCreated in the catalogue, each with an example matching its schema', () => {
    for (const version of [1, 2]) {
      const def = catalogue.find('PipelineCreated', version)!;
      expect(def.data.safeParse(def.example).success).toBe(true);
    }
  });
});
