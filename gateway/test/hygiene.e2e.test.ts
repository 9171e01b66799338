import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { LOCAL_INTERNAL_SECRET, LOCAL_JWT_SECRET, signUserToken } from '@crm/auth';
import { dataOf, errorCodes, postGraphQL, testIdentity, uniqueId, waitFor, gatewayClient, startStack, type Stack } from '@crm/testing';

const root = resolve(__dirname, '../..');

/** Runs a built service to its exit (bounded) and returns its code and output. */
function runToExit(dir: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['dist/main.js'], { cwd: resolve(root, dir), env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    for (const stream of [child.stdout, child.stderr]) stream.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`${dir} did not exit within 60 s:\n${output}`));
    }, 60_000); // a config refused at start: a few seconds, more beside a loaded CI run
    child.once('exit', (code) => {
      clearTimeout(timer);
      done({ code, output });
    });
  });
}

describe('start-up refuses the local development secrets outside a local run', () => {
  // The environment of a deployment that forgot its secrets: no CRM_LOCAL_DEV, no INTERNAL_SECRET / JWT_SECRET.
  const { CRM_LOCAL_DEV: _flag, INTERNAL_SECRET: _internal, JWT_SECRET: _jwt, ...inherited } = process.env;
  const deployed = { ...inherited, LOG_LEVEL: 'info', PORT: '0', MONGODB_URL: 'mongodb://127.0.0.1:1' };

  it.each([['services/deals'], ['gateway']])('%s without secrets exits 1 and says why', async (dir) => {
    const { code, output } = await runToExit(dir, { ...deployed, NODE_ENV: 'production' });
    expect(code).toBe(1);
    expect(output).toMatch(/failed to start/);
    expect(output).toMatch(/INTERNAL_SECRET must be set \(the local development default is used only with CRM_LOCAL_DEV=1/);
  });

  it('the gateway with the development constants (NODE_ENV=development) exits 1', async () => {
    const { code, output } = await runToExit('gateway', { ...deployed, NODE_ENV: 'development', INTERNAL_SECRET: LOCAL_INTERNAL_SECRET, JWT_SECRET: LOCAL_JWT_SECRET });
    expect(code).toBe(1);
    expect(output).toMatch(/INTERNAL_SECRET is a well-known local development secret/);
    expect(output).toMatch(/JWT_SECRET is a well-known local development secret/);
  });
});

describe('the running slice', () => {
  let stack: Stack;
  beforeAll(async () => {
    // The most verbose level: whatever any part logs lands in stack.output.
    stack = await startStack({ env: { LOG_LEVEL: 'trace' } });
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it('logs no email, phone or token, and prints no deprecation warning', async () => {
    const manager = testIdentity(undefined, ['manager']);
    const asManager = gatewayClient(stack.gatewayUrl, manager);
    const mark = uniqueId('pii').replace(/[^a-z0-9]/gi, '');
    const email = `${mark}@cleanwell.example`;
    const phoneDigits = String(Date.now()).slice(-7);
    const phone = `+34 61${phoneDigits.slice(0, 1)} ${phoneDigits.slice(1, 4)} ${phoneDigits.slice(4)}`;
    const e164 = phone.replace(/\s/g, '');

    const { createCompany: company } = dataOf(await asManager(`mutation { createCompany(input: { name: "Cleanwell ${mark}", website: "https://${mark}.example" }) { id } }`));
    const createContact = `mutation ($input: CreateContactInput!) { createContact(input: $input) { id email phone } }`;
    const contact = dataOf(await asManager(createContact, { input: { firstName: 'Maria', lastName: 'Ortega', email, phone, companyId: company.id } })).createContact;
    expect(contact).toMatchObject({ email, phone: e164 });
    // Error paths, each carrying the personal data: a bad phone, a foreign company, a malformed id.
    expect(errorCodes(await asManager(createContact, { input: { firstName: 'Maria', lastName: 'Ortega', email, phone: `${e164}0000000` } }))).toEqual(['BAD_USER_INPUT']);
    const foreign = await asManager(createContact, { input: { firstName: 'Maria', lastName: 'Ortega', email, phone, companyId: `${mark}-not-an-id` } });
    expect(foreign.errors?.length).toBeGreaterThan(0);
    // Reads that return the personal data, through the entity references too.
    await waitFor(async () => {
      const { company: seen } = dataOf(await asManager(`query ($id: ID!) { company(id: $id) { contacts { email phone } } }`, { id: company.id }));
      return seen?.contacts.length === 1;
    }, { what: 'the contact to show on its company' });

    // Unauthenticated: a token signed with another secret, and a malformed one.
    const forged = await signUserToken(manager, `not-the-secret-${mark}-0123456789abcdef`);
    const refused = await postGraphQL(stack.gatewayUrl, { authorization: `Bearer ${forged}` }, '{ __typename }');
    expect(errorCodes(refused)).toEqual(['UNAUTHENTICATED']);
    const garbage = `${mark}.garbage.token`;
    expect(errorCodes(await postGraphQL(stack.gatewayUrl, { authorization: `Bearer ${garbage}` }, '{ __typename }'))).toEqual(['UNAUTHENTICATED']);
    const valid = await signUserToken(manager, LOCAL_JWT_SECRET);

    // Let the consumers (deals learns companies, analytics...) process the events at trace level.
    await new Promise((settle) => setTimeout(settle, 2000));
    const logs = stack.output.join('');
    expect(logs).toMatch(/"level":(10|20|30)/); // the capture holds real log lines
    for (const secret of [email, phone, e164, forged, garbage, valid]) {
      expect({ secret, found: logs.includes(secret) }).toEqual({ secret, found: false });
    }
    expect(logs).not.toMatch(/DeprecationWarning|DEP0\d{3}/);
  });
});
