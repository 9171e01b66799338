// The directory topic is compacted: created so, and keyed by tenant and record, so that compaction
// keeps every tenant's last state of a role or a team and never mixes two tenants' records.
import { compactedTopics, createEvent, messageKey, PermissionsChanged, topics } from '@crm/events';
import { ConfigResourceTypes } from 'kafkajs';
import { ensureTopics, toMessage } from '../src';
import { testKafka, uniqueId } from '../src/testing';

const permissions = (tenantId: string) =>
  createEvent(PermissionsChanged, { tenantId, aggregateId: 'manager' }, { role: 'manager', rights: [{ object: 'deal', action: 'read', scope: 'TEAM' }], deniedFields: [], revision: 1 });

describe('compacted topics', () => {
  it('keys an event on a compacted topic by tenant, aggregate type and aggregate, and any other by its aggregate', () => {
    expect(toMessage(permissions('tenant-a')).key).toBe('tenant-a:Role:manager');
    expect(toMessage(permissions('tenant-b')).key).toBe('tenant-b:Role:manager');
    expect(messageKey(topics.company, { tenantId: 'tenant-a', aggregateType: 'Company', aggregateId: 'company-1' })).toBe('company-1');
    expect(compactedTopics).toEqual([topics.directory]);
  });

  it('creates the compacted topics with cleanup.policy=compact, and the others with the broker default', async () => {
    const compacted = uniqueId('test.compacted');
    const plain = uniqueId('test.plain');
    const kafka = testKafka();
    await ensureTopics(kafka, [compacted, plain], 1, 1, [compacted]);
    const admin = kafka.admin();
    await admin.connect();
    try {
      const described = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [compacted, plain].map((name) => ({ type: ConfigResourceTypes.TOPIC, name, configNames: ['cleanup.policy'] })),
      });
      const policyOf = (name: string) => described.resources.find((resource) => resource.resourceName === name)!.configEntries[0]!.configValue;
      expect(policyOf(compacted)).toBe('compact');
      expect(policyOf(plain)).toBe('delete');
    } finally {
      await admin.deleteTopics({ topics: [compacted, plain] }).catch(() => undefined);
      await admin.disconnect();
    }
  });
});
