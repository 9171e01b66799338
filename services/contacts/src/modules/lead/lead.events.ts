import { createEvent, eventMeta, LeadAssigned, LeadConverted, LeadCreated, LeadEscalated, LeadQualified, type EventCause } from '@crm/events';
import type { AssignmentDoc, LeadDoc } from './lead.model';

const meta = (lead: Pick<LeadDoc, '_id'>, cause: EventCause) => eventMeta(cause, lead._id.toString());

export const leadCreated = (lead: LeadDoc, cause: EventCause) =>
  createEvent(LeadCreated, meta(lead, cause), {
    leadId: lead._id.toString(),
    source: lead.source,
    campaignId: lead.campaignId,
    externalId: lead.externalId,
    name: lead.name,
    email: lead.email,
    companyName: lead.companyName,
    industry: lead.industry,
    companySize: lead.companySize,
    language: lead.language,
    territoryId: lead.territoryId,
  });

export const leadAssigned = (lead: Pick<LeadDoc, '_id' | 'acceptBy'>, assignment: AssignmentDoc, cause: EventCause) =>
  createEvent(LeadAssigned, meta(lead, cause), {
    leadId: lead._id.toString(),
    assigneeId: assignment.to,
    previousAssigneeId: assignment.from,
    teamId: assignment.teamId,
    ruleId: assignment.ruleId,
    method: assignment.method,
    reason: assignment.reason.slice(0, 500),
    acceptBy: lead.acceptBy ? lead.acceptBy.toISOString() : null,
    assignedAt: assignment.at.toISOString(),
  });

export const leadEscalated = (lead: LeadDoc, assignment: AssignmentDoc, cause: EventCause) =>
  createEvent(LeadEscalated, meta(lead, cause), {
    leadId: lead._id.toString(),
    fromAssigneeId: assignment.from!,
    toAssigneeId: assignment.to,
    teamId: assignment.teamId,
    ruleId: assignment.ruleId,
    slaMinutes: lead.slaMinutes!,
    acceptBy: lead.acceptBy!.toISOString(),
    escalatedAt: assignment.at.toISOString(),
  });

export const leadQualified = (lead: LeadDoc, outcome: 'QUALIFIED' | 'DISQUALIFIED', by: string, cause: EventCause) =>
  createEvent(LeadQualified, meta(lead, cause), {
    leadId: lead._id.toString(),
    outcome,
    qualification:
      outcome === 'QUALIFIED' && lead.qualification
        ? { budget: lead.qualification.budget, currency: lead.qualification.currency, need: lead.qualification.need, timing: lead.qualification.timing, decisionMaker: lead.qualification.decisionMaker }
        : null,
    reason: outcome === 'DISQUALIFIED' ? lead.disqualifyReason : null,
    by,
  });

export const leadConverted = (lead: LeadDoc, by: string, cause: EventCause) => {
  const conversion = lead.conversion!;
  return createEvent(LeadConverted, meta(lead, cause), {
    leadId: lead._id.toString(),
    lead: { name: lead.name, source: lead.source, campaignId: lead.campaignId },
    companyId: conversion.companyId,
    contactId: conversion.contactId,
    dealId: conversion.dealId,
    deal: conversion.deal
      ? { ...conversion.deal, ownerId: lead.assigneeId ?? by, teamId: lead.teamId, source: lead.source }
      : null,
    convertedBy: by,
  });
};
