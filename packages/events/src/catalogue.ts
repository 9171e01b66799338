import type { EventData, EventDefinition } from './define';
import { envelopeSchema, type Envelope } from './envelope';
import * as eventModules from './event-modules';

/** An event that breaks the envelope or its type's schema: it can never be read. */
export class InvalidEventError extends Error {
  override name = 'InvalidEventError';
}

/** An event of a version the reader cannot turn into the one it reads (newer, unknown, or no upcast). */
export class UnsupportedVersionError extends InvalidEventError {
  override name = 'UnsupportedVersionError';
}

export interface Catalogue {
  readonly definitions: readonly EventDefinition[];
  find(type: string, version: number): EventDefinition | undefined;
  /** The envelope only (the consume edge, before knowing whether anyone here reads the type). */
  parseEnvelope(raw: unknown): Envelope;
  /**
   * The publish edge: a valid envelope whose `type@version` is in the catalogue and whose data
   * matches that version's schema. Anything else must never reach a topic.
   */
  check(raw: unknown): Envelope;
  /**
   * The event's data as version `def.version` of its type: validated against its own version's
   * schema, then upcast step by step (each version's `upcast` from the one before) and
   * validated again. A newer or unknown version, or a missing upcast, is an
   * UnsupportedVersionError: never read with another version's schema.
   */
  read<D extends EventDefinition>(def: D, event: Envelope): EventData<D>;
}

const describeIssue = (issue: { path: PropertyKey[]; message: string }) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`;

function validate(def: EventDefinition, data: unknown): Record<string, unknown> {
  const parsed = def.data.safeParse(data);
  if (!parsed.success) throw new InvalidEventError(`invalid ${def.type} v${def.version} data: ${parsed.error.issues.map(describeIssue).join('; ')}`);
  return parsed.data as Record<string, unknown>;
}

const isEventDefinition = (value: unknown): value is EventDefinition =>
  typeof value === 'object' && value !== null && 'type' in value && 'version' in value && 'data' in value && 'topic' in value;

export function createCatalogue(definitions: readonly EventDefinition[]): Catalogue {
  const byKey = new Map<string, EventDefinition>();
  for (const def of definitions) {
    const key = `${def.type}@${def.version}`;
    if (byKey.has(key)) throw new Error(`the event catalogue defines ${key} twice`);
    byKey.set(key, def);
  }
  const find = (type: string, version: number) => byKey.get(`${type}@${version}`);

  function parseEnvelope(raw: unknown): Envelope {
    const envelope = envelopeSchema.safeParse(raw);
    if (!envelope.success) throw new InvalidEventError(`invalid envelope: ${envelope.error.issues.map(describeIssue).join('; ')}`);
    return envelope.data;
  }

  return {
    definitions,
    find,
    parseEnvelope,
    check(raw) {
      const envelope = parseEnvelope(raw);
      const def = find(envelope.type, envelope.version);
      if (!def) throw new UnsupportedVersionError(`${envelope.type} v${envelope.version} is not in the event catalogue`);
      if (envelope.source !== def.source) throw new InvalidEventError(`${def.type} is published by ${def.source}, not ${envelope.source}`);
      return { ...envelope, data: validate(def, envelope.data) };
    },
    read<D extends EventDefinition>(def: D, event: Envelope): EventData<D> {
      const name = `${event.type} v${event.version}`;
      if (event.type !== def.type) throw new InvalidEventError(`${name} is not a ${def.type}`);
      if (event.version > def.version) throw new UnsupportedVersionError(`${name} is newer than v${def.version}, the version read here`);
      const own = event.version === def.version ? def : find(event.type, event.version);
      if (!own) throw new UnsupportedVersionError(`${name} is not in the event catalogue`);
      let data = validate(own, event.data);
      for (let version = event.version + 1; version <= def.version; version += 1) {
        const next = version === def.version ? def : find(def.type, version);
        if (!next?.upcast) throw new UnsupportedVersionError(`${name}: no upcast from v${version - 1} to v${version}`);
        let upcast: unknown;
        try {
          upcast = next.upcast(data);
        } catch (error) {
          throw new InvalidEventError(`${name}: upcast to v${version} failed: ${(error as Error).message}`);
        }
        data = validate(next, upcast);
      }
      return data as EventData<D>;
    },
  };
}

/** Every published event, by `type@version`. docs/events.md documents the same list. */
export const catalogue: Catalogue = createCatalogue(
  Object.values(eventModules).flatMap((module) => Object.values(module).filter(isEventDefinition)),
);

export const findDefinition = (type: string, version: number) => catalogue.find(type, version);

/**
 * The consume edge for tools that read any event: checks the envelope and, for a known type and
 * version, its data. An event of a type this build does not know passes the envelope check only.
 */
export function parseEvent(raw: unknown): Envelope {
  const envelope = catalogue.parseEnvelope(raw);
  const def = catalogue.find(envelope.type, envelope.version);
  return def ? { ...envelope, data: validate(def, envelope.data) } : envelope;
}
