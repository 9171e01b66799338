import type { KnownCompanyDoc } from '../company/known-company.model';

export interface ApprovalBlockers {
  /** What must be filled in first: the profile's missing required fields, or why it is unknown. */
  missingFields: string[];
  riskFlags: string[];
}

/**
 * What keeps a concession from being approved, from the company as deals knows it (the contacts
 * service's completeness and risk events): a profile under 100% (its missing fields), a risk
 * flag, or a company whose completeness was never reported. Nothing: it may be approved.
 */
export function approvalBlockers(company: KnownCompanyDoc | null): ApprovalBlockers {
  if (!company) return { missingFields: ['company'], riskFlags: [] };
  const { completenessPercent: percent = null, completenessMissing: missing = [], riskFlags = [] } = company;
  const missingFields = percent === null ? ['completeness'] : percent < 100 ? (missing.length > 0 ? missing : ['completeness']) : [];
  return { missingFields, riskFlags };
}

/** The blockers as one list for FAILED_PRECONDITION's `missing`: fields as they are, flags as `riskFlag:<flag>`. */
export const missingOf = ({ missingFields, riskFlags }: ApprovalBlockers) => [...missingFields, ...riskFlags.map((flag) => `riskFlag:${flag}`)];

export function blockersMessage({ missingFields, riskFlags }: ApprovalBlockers): string {
  const reasons = [
    ...(missingFields.length > 0 ? [`the company's profile is incomplete (missing: ${missingFields.join(', ')})`] : []),
    ...(riskFlags.length > 0 ? [`the company has risk flags (${riskFlags.join(', ')})`] : []),
  ];
  return `the concession cannot be approved: ${reasons.join('; and ')}`;
}
