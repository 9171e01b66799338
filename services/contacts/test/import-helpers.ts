import { IDENTITY_HEADER, LOCAL_INTERNAL_SECRET, signInternalIdentity, type Identity } from '@crm/auth';
import { dataOf, subgraphRequest, waitFor } from '@crm/testing';
import ExcelJS from 'exceljs';

/** Posts a file to the service's own /uploads as the gateway does: raw body, signed identity. */
export async function uploadToService(serviceUrl: string, identity: Identity, body: Buffer | string, filename = 'people.csv') {
  const token = await signInternalIdentity(identity, process.env.INTERNAL_SECRET ?? LOCAL_INTERNAL_SECRET);
  const response = await fetch(serviceUrl.replace(/\/graphql$/, '/uploads'), {
    method: 'POST',
    headers: { [IDENTITY_HEADER]: token, 'content-type': 'application/octet-stream', 'x-upload-filename': encodeURIComponent(filename) },
    body,
  });
  return { status: response.status, body: (await response.json()) as any };
}

export const JOB_FIELDS = `id status format entity dryRun total processed created updated skipped failed companiesCreated errorCount failure errors(first: 1000) { row column message }`;

export async function startImport(serviceUrl: string, identity: Identity, input: object) {
  return subgraphRequest(serviceUrl, identity, `mutation ($input: StartImportInput!) { startImport(input: $input) { ${JOB_FIELDS} } }`, { input });
}

export async function importJob(serviceUrl: string, identity: Identity, id: string) {
  return subgraphRequest(serviceUrl, identity, `query ($id: ID!) { importJob(id: $id) { ${JOB_FIELDS} } }`, { id });
}

/** Waits until the job is DONE or FAILED and returns it. */
export async function finishedJob(serviceUrl: string, identity: Identity, id: string, timeoutMs = 60_000) {
  return waitFor(
    async () => {
      const job = dataOf(await importJob(serviceUrl, identity, id)).importJob;
      return job.status === 'DONE' || job.status === 'FAILED' ? job : undefined;
    },
    { timeoutMs, what: `import ${id} to finish` },
  );
}

/** Rows as an XLSX file (exceljs's streaming writer, as another program's file would be). */
export async function xlsxOf(rows: (string | number | null)[][]): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('People');
  for (const row of rows) sheet.addRow(row);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

export const csvOf = (rows: (string | number | null)[][]) =>
  rows.map((row) => row.map((cell) => (cell === null ? '' : /[",;\n]/.test(String(cell)) ? `"${String(cell).replace(/"/g, '""')}"` : String(cell))).join(',')).join('\n') + '\n';
