import type { Identity } from '@crm/auth';
import { policyKey, PolicyRoleModel, type Right } from '@crm/policy';
import { testIdentity } from '@crm/testing';

/** A tenant-defined role that reads deals and every figure, but not `Deal.amount`. */
export const AMOUNT_DENIED_ROLE = 'figures_without_amount';

const rights: Right[] = [
  // A right on deals: a denied field counts only for a role with some right on its object.
  { object: 'deal', action: 'read', scope: 'ALL' },
  { object: 'analytics', action: 'read', scope: 'ALL' },
];

/**
 * A reader of the tenant whose role is denied `Deal.amount`, with the analytics read scope ALL (so
 * every row is shown and only the field right makes a difference), written to the policy's read
 * model as a PermissionsChanged of `setRolePermissions` leaves it.
 */
export async function amountDeniedReader(tenantId: string, userId = 'no-amount-reader'): Promise<Identity> {
  await PolicyRoleModel.updateOne(
    { _id: policyKey(tenantId, AMOUNT_DENIED_ROLE) },
    { $setOnInsert: { tenantId, role: AMOUNT_DENIED_ROLE, rights, deniedFields: ['Deal.amount'], revision: 1 } },
    { upsert: true },
  );
  return testIdentity(tenantId, [AMOUNT_DENIED_ROLE], userId);
}

/** An answer's errors as `path CODE`, sorted. */
export const errorPaths = (answer: { errors?: readonly { path?: readonly (string | number)[]; extensions?: Record<string, unknown> }[] }) =>
  (answer.errors ?? []).map((error) => `${error.path?.join('.')} ${error.extensions?.code}`).sort();
