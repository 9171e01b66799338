import { badInput, listSize, notFound, parseInput, requireId, type ListBound } from '@crm/service-kit';
import { Types } from 'mongoose';
import { requireCreate, scopeOf, type Access } from '@crm/policy';
import type { Resolvers } from '../../generated/graphql';
import { findUpload } from '../upload/upload.store';
import { entityOf, isImportField } from './import-fields';
import { ImportJobModel, type ImportJobDoc } from './import-job.model';
import { startImportInput } from './import.input';
import { wakeImportWorker } from './import-worker';

/** ImportJob.errors: as in import.graphql (at most the kept 1,000). */
export const IMPORT_ERRORS: ListBound = { default: 100, max: 1000 };

/**
 * Whom the importer may give the rows, as createCompany/createContact check it (authorizeCreate:
 * the create scope must cover the owner, and the assign scope another owner), by their rights
 * now: null for anyone (both ALL).
 */
function assignable(access: Access, entity: 'COMPANY' | 'CONTACT'): string[] | null {
  const object = entity === 'COMPANY' ? 'company' : 'contact';
  const scopes = [scopeOf(access, object, 'create'), scopeOf(access, object, 'assign')];
  if (scopes.every((scope) => scope === 'ALL')) return null;
  return scopes.every((scope) => scope === 'ALL' || scope === 'TEAM') ? access.teamUserIds : [access.userId];
}

export const importResolvers: Resolvers = {
  Query: {
    importJob: async (_parent, { id }, ctx) => ImportJobModel.findOne({ _id: requireId(id, 'id'), tenantId: ctx.tenantId }).lean<ImportJobDoc>(),
  },
  Mutation: {
    startImport: async (_parent, { input }, ctx) => {
      const fields = parseInput(startImportInput, input);
      const upload = await findUpload(ctx.tenantId, fields.uploadId);
      if (!upload) throw notFound('Upload', fields.uploadId);
      if (fields.format && fields.format !== upload.format) throw badInput(`the uploaded file is ${upload.format}, not ${fields.format}`, 'format');
      const mapping = fields.mapping ?? [];
      const entity = fields.entity ?? (mapping.length > 0 ? entityOf(mapping) : 'CONTACT');
      // An import creates records as its importer: the create right on their own records is required.
      await requireCreate(ctx, entity === 'COMPANY' ? 'company' : 'contact', ctx.userId);
      const wrong = mapping.findIndex(({ field }) => !isImportField(entity, field));
      if (wrong >= 0) throw badInput(`${mapping[wrong]!.field} is not a field an import of ${entity} rows fills`, `mapping.${wrong}.field`);
      // Always: without a mapping, an "Owner" heading is mapped when the job runs.
      const assignableOwnerIds = assignable(await ctx.access(), entity);
      const job = await ImportJobModel.create({
        _id: new Types.ObjectId(),
        tenantId: ctx.tenantId,
        userId: ctx.userId,
        correlationId: ctx.correlationId,
        uploadId: upload._id,
        format: upload.format,
        entity,
        mapping,
        dryRun: fields.dryRun,
        defaultCountry: fields.defaultCountry ?? null,
        assignableOwnerIds,
        status: 'QUEUED',
      });
      wakeImportWorker();
      return job.toObject();
    },
  },
  ImportJob: {
    id: (job) => String(job._id),
    errors: (job, { first }) => job.errors.slice(0, listSize(first, IMPORT_ERRORS)),
  },
};
