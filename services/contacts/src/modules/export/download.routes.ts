import type { BaseContext } from '@crm/service-kit';
import type { Express, Request } from 'express';
import { Types } from 'mongoose';
import { routeError, signedInRoute } from '../http/signed-in-route';
import { contentTypes, writeCompaniesFile } from './export-file';
import { ExportModel, type ExportDoc } from './export.model';
import { findCompanies } from './find-companies';
import { companyFields } from '../company-list/company-fields';
import { compileFilter } from '../list-filter/compile-filter';
import { deniedFields, loadAccess, rowFilter } from '@crm/policy';

/**
 * GET /downloads/:id: an export of the caller's tenant, written while it is sent (the gateway
 * streams it on). Another tenant's export, an expired one or an unknown id: 404 NOT_FOUND.
 */
export function downloadRoutes() {
  return (app: Express, identify: (req: Request) => Promise<BaseContext>) => {
    app.get(
      '/downloads/:id',
      signedInRoute(identify, async (ctx, req, res) => {
        const id = String(req.params.id);
        const found = Types.ObjectId.isValid(id) && /^[0-9a-f]{24}$/i.test(id) ? await ExportModel.findOne({ _id: id, tenantId: ctx.tenantId }).lean<ExportDoc>() : null;
        if (!found || found.expiresAt <= new Date()) throw routeError('NOT_FOUND', `Download ${id} not found`);
        // The rights of the one downloading, as they are now (the file is written now, for them): only
        // the companies they may export, without the fields their role may not read.
        const access = await loadAccess(ctx.identity);
        const scope = rowFilter(access, 'company', 'export');
        if (!scope) throw routeError('FORBIDDEN', 'you may not export companies');
        // Before the answer starts: a filter on a field the downloader may not read is refused.
        try {
          compileFilter(found.filter, companyFields, 'filter', access);
        } catch {
          throw routeError('FORBIDDEN', 'the export filters on a field you may not read');
        }
        const extension = found.format === 'XLSX' ? 'xlsx' : 'csv';
        res.status(200);
        res.setHeader('content-type', contentTypes[found.format]);
        res.setHeader('content-disposition', `attachment; filename="companies-${found.day}.${extension}"`);
        res.setHeader('cache-control', 'no-store');
        try {
          await writeCompaniesFile(findCompanies(ctx.tenantId, found.filter, scope, access), found.format, res, deniedFields(access, 'Company'));
        } catch (error) {
          // Headers are gone: the cut connection tells the client the file is incomplete.
          ctx.logger.error({ err: error, exportId: id }, 'export failed while being sent');
          res.destroy();
        }
      }),
    );
  };
}
