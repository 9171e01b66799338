import { dedupeRepresentations, expandEntities } from '../src/entity-representations';

const deal = (id: string) => ({ __typename: 'Deal', id });

describe('de-duplicating entity representations', () => {
  it('sends each distinct representation once and remembers where each original one went', () => {
    const deduped = dedupeRepresentations([deal('a'), deal('b'), deal('a'), deal('a'), deal('c'), deal('b')]);
    expect(deduped).toEqual({ unique: [deal('a'), deal('b'), deal('c')], positions: [0, 1, 0, 0, 2, 1] });
  });

  it('leaves a fetch without repeats alone', () => {
    expect(dedupeRepresentations([deal('a'), deal('b')])).toBeUndefined();
    expect(dedupeRepresentations([])).toBeUndefined();
  });

  it('tells apart representations of different types with the same key', () => {
    const deduped = dedupeRepresentations([deal('1'), { __typename: 'Company', id: '1' }, deal('1')]);
    expect(deduped?.unique).toEqual([deal('1'), { __typename: 'Company', id: '1' }]);
    expect(deduped?.positions).toEqual([0, 1, 0]);
  });

  it('maps the answers back to every original position, each position with its own objects', () => {
    const deduped = dedupeRepresentations([deal('a'), deal('b'), deal('a')])!;
    const answer = { data: { _entities: [{ id: 'a', title: 'A', company: { id: 'c1' } }, { id: 'b', title: 'B', company: { id: 'c2' } }] } };
    const expanded = expandEntities(answer, deduped);
    expect(expanded.data?._entities).toEqual([
      { id: 'a', title: 'A', company: { id: 'c1' } },
      { id: 'b', title: 'B', company: { id: 'c2' } },
      { id: 'a', title: 'A', company: { id: 'c1' } },
    ]);
    // The gateway merges later fetches into these objects: a shared object would leak between positions.
    const [first, , third] = expanded.data!._entities as { company: object }[];
    expect(third).not.toBe(first);
    expect(third!.company).not.toBe(first!.company);
  });

  it('repeats an error of one entity for each position it stands for, and keeps other errors as they are', () => {
    const deduped = dedupeRepresentations([deal('a'), deal('b'), deal('a')])!;
    const answer = {
      data: { _entities: [null, { id: 'b' }] },
      errors: [
        { message: 'Deal a not found', path: ['_entities', 0, 'title'], extensions: { code: 'NOT_FOUND' } },
        { message: 'something else' },
      ],
    };
    const expanded = expandEntities(answer, deduped);
    expect(expanded.data?._entities).toEqual([null, { id: 'b' }, null]);
    expect(expanded.errors).toEqual([
      { message: 'Deal a not found', path: ['_entities', 0, 'title'], extensions: { code: 'NOT_FOUND' } },
      { message: 'Deal a not found', path: ['_entities', 2, 'title'], extensions: { code: 'NOT_FOUND' } },
      { message: 'something else' },
    ]);
  });

  it('passes an answer without entities through (a failed fetch)', () => {
    const deduped = dedupeRepresentations([deal('a'), deal('a')])!;
    const answer = { data: null, errors: [{ message: 'boom' }] };
    expect(expandEntities(answer, deduped)).toEqual(answer);
  });
});
