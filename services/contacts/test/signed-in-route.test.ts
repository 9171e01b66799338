// The contacts REST routes (lead webhook, uploads, downloads) answer every failure as a JSON error
// with the GraphQL errors' codes, never as a stack trace.
import { createLogger, unauthenticated, type BaseContext } from '@crm/service-kit';
import express from 'express';
import type { AddressInfo } from 'node:net';
import { routeError, signedInRoute } from '../src/modules/http/signed-in-route';

const ctx = { tenantId: 't', userId: 'u', correlationId: 'c', logger: createLogger('signed-in-route-test', 'silent') } as unknown as BaseContext;
const storeDown = Object.assign(new Error('connection refused'), { name: 'MongoServerSelectionError' });
const storeSlow = Object.assign(new Error('operation exceeded time limit'), { name: 'MongoServerError', codeName: 'MaxTimeMSExpired' });

const failures: Record<string, () => never> = {
  conflict: () => { throw routeError('CONFLICT', 'changed meanwhile'); },
  'too-large': () => { throw routeError('PAYLOAD_TOO_LARGE', 'too large'); },
  'store-down': () => { throw storeDown; },
  'store-slow': () => { throw storeSlow; },
  bug: () => { throw new TypeError('secret detail at /srv/app.js:1'); },
};

let url = '';
let server: ReturnType<express.Express['listen']>;
beforeAll(async () => {
  const app = express();
  app.get('/anonymous', signedInRoute(async () => { throw unauthenticated('requests must come through the gateway'); }, async () => undefined));
  for (const [name, fail] of Object.entries(failures)) app.get(`/${name}`, signedInRoute(async () => ctx, async () => fail()));
  app.get('/ok', signedInRoute(async () => ctx, async (_ctx, _req, res) => void res.status(201).json({ ok: true })));
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

const answerOf = async (path: string) => {
  const response = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(5_000) });
  return { status: response.status, body: (await response.json()) as any };
};

describe('signedInRoute', () => {
  it.each([
    ['/anonymous', 401, 'UNAUTHENTICATED'],
    ['/conflict', 409, 'CONFLICT'],
    ['/too-large', 413, 'PAYLOAD_TOO_LARGE'],
    ['/store-down', 503, 'SERVICE_UNAVAILABLE'],
    ['/store-slow', 504, 'STORE_TIMEOUT'],
    ['/bug', 500, 'INTERNAL_SERVER_ERROR'],
  ])('answers %s with %i and the code %s as a JSON error', async (path, status, code) => {
    const { status: got, body } = await answerOf(path);
    expect(got).toBe(status);
    expect(body.errors).toEqual([{ message: expect.any(String), extensions: { code } }]);
    expect(JSON.stringify(body)).not.toContain('/srv/app.js');
  });

  it('lets the handler answer when nothing fails', async () => {
    expect(await answerOf('/ok')).toEqual({ status: 201, body: { ok: true } });
  });
});
