import type { EventDefinition } from './define';
import { envelopeSchema, type Envelope } from './envelope';
import { CompanyCreated, ContactCreated } from './contacts.events';
import { DealCreated, DealStageChanged, PipelineCreated } from './deals.events';
import { ActivityCreated } from './activities.events';

/** Every published event, by `type@version`. docs/events.md documents the same list. */
export const catalogue: EventDefinition[] = [
  CompanyCreated,
  ContactCreated,
  PipelineCreated,
  DealCreated,
  DealStageChanged,
  ActivityCreated,
];

const byKey = new Map(catalogue.map((def) => [`${def.type}@${def.version}`, def]));

export function findDefinition(type: string, version: number): EventDefinition | undefined {
  return byKey.get(`${type}@${version}`);
}

export class InvalidEventError extends Error {
  override name = 'InvalidEventError';
}

/**
 * The consume edge: checks the envelope and, for a known type and version, its data.
 * An event of a type this build does not know passes the envelope check only;
 * consumers ignore types they have no handler for.
 */
export function parseEvent(raw: unknown): Envelope {
  const envelope = envelopeSchema.safeParse(raw);
  if (!envelope.success) throw new InvalidEventError(`invalid envelope: ${envelope.error.issues.map(describeIssue).join('; ')}`);
  const def = findDefinition(envelope.data.type, envelope.data.version);
  if (!def) return envelope.data;
  const data = def.data.safeParse(envelope.data.data);
  if (!data.success) {
    throw new InvalidEventError(`invalid ${def.type} v${def.version} data: ${data.error.issues.map(describeIssue).join('; ')}`);
  }
  return { ...envelope.data, data: data.data as Record<string, unknown> };
}

function describeIssue(issue: { path: PropertyKey[]; message: string }): string {
  return `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`;
}
