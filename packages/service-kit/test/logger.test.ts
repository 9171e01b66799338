import { Writable } from 'node:stream';
import { createLogger, scrubText } from '../src';

/** A logger at trace level whose lines land in an array. */
function capturedLogger() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return { logger: createLogger('test', 'trace', destination), lines };
}

const email = 'maria.ortega@cleanwell.example';
const phone = '+34612345678';
const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSIsInRlbmFudF9pZCI6ImFjbWUifQ.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg';

describe('logs carry no email, phone or token', () => {
  it('redacts sensitive fields, top level and one object down', () => {
    const { logger, lines } = capturedLogger();
    logger.info({ email, phone, token: jwt, contact: { email, phone }, req: { headers: { authorization: `Bearer ${jwt}`, 'x-crm-identity': jwt } } }, 'created');
    const line = lines.join('');
    for (const secret of [email, phone, jwt]) expect(line).not.toContain(secret);
    expect(JSON.parse(line)).toMatchObject({ email: '[redacted]', contact: { phone: '[redacted]' }, req: { headers: { authorization: '[redacted]' } } });
  });

  it('scrubs errors that echo stored values (MongoDB duplicate keys, casts) and their causes', () => {
    const { logger, lines } = capturedLogger();
    const duplicate = Object.assign(new Error(`E11000 duplicate key error collection: crm.contacts index: email_1 dup key: { email: "${email}" }`), {
      code: 11000,
      keyValue: { email },
      errorResponse: { errmsg: email },
    });
    logger.error({ err: duplicate }, 'unexpected error');
    logger.error({ err: new Error('wrapped', { cause: new Error(`Cast to ObjectId failed for value "${phone}" (type string)`) }) }, 'unexpected error');
    logger.warn({ reason: `Unexpected token in JSON: {"email":"${email}","phone":"${phone}"}` }, `parking a message for ${email}`);
    const text = lines.join('');
    for (const secret of [email, phone]) expect(text).not.toContain(secret);
    expect(JSON.parse(lines[0]!).err).toMatchObject({ code: 11000, message: expect.stringContaining('dup key: { [redacted] }') });
    expect(JSON.parse(lines[0]!).err.keyValue).toBeUndefined();
  });

  it('leaves ordinary text alone', () => {
    const text = 'connect ECONNREFUSED 127.0.0.1:27017 at node_modules/@apollo/server/dist/index.js:12:3 on 2026-11-30T22:48:01.818Z';
    expect(scrubText(text)).toBe(text);
    for (const name of ['activities.reminders.test-a7b9c61ecd', 'crm-contacts.internal.example.svc']) expect(scrubText(`group ${name} joined`)).toBe(`group ${name} joined`);
    expect(scrubText(`token ${jwt} refused`)).toBe('token [redacted jwt] refused');
    expect(scrubText(`mail ${email}, call ${phone} or +34 612 345 678, Bearer ${jwt}`)).toBe('mail [redacted email], call [redacted phone] or [redacted phone], Bearer [redacted]');
  });
});
