import { serviceUnderTest, testIdentity } from '@crm/testing';
import { settle, writeFact } from '../src/modules/fact-counters/counted-fact';
import { CounterModel, counterId } from '../src/modules/fact-counters/counter.model';
import { paymentContributions } from '../src/modules/payment-facts/payment-facts.consumer';
import { PaymentFactModel, paymentFactId, type PaymentFactDoc, type PaymentFactState } from '../src/modules/payment-facts/payment-fact.model';
import { startAnalytics } from '../src/service';

// The counters' exactly-once moves against the real store: concurrent writers, a crash halfway, a stale writer.
serviceUnderTest('analytics', startAnalytics, {
  allowedScans: [{ collection: 'deal_progress', keys: 'counted', why: "the funnel's one-time migration at start (settleUnsettledFacts)" }],
});

const payment = (amount: number, month: string, companyId = 'company-1'): PaymentFactState => ({ paymentId: 'PAY-1', companyId, paidAt: new Date(`${month}-10T12:00:00.000Z`), amount, currency: 'EUR' });
const paidIn = async (tenantId: string, month: string, companyId = 'company-1') =>
  (await CounterModel.findOne({ _id: counterId(tenantId, { kind: 'company-revenue', subject: companyId, period: month }), tenantId }).lean())?.values?.paid_EUR ?? 0;
const write = (tenantId: string, state: PaymentFactState) => writeFact<PaymentFactState>(PaymentFactModel, tenantId, paymentFactId(tenantId, 'PAY-1'), () => state, paymentContributions);

describe('counted facts', () => {
  it('leaves the counters equal to the final fact under concurrent changes of it', async () => {
    const { tenantId } = testIdentity();
    const states = Array.from({ length: 12 }, (_, i) => payment(100 + i, i % 2 === 0 ? '2026-01' : '2026-02'));
    await Promise.all(states.map((state) => write(tenantId, state)));
    const fact = await PaymentFactModel.findOne({ _id: paymentFactId(tenantId, 'PAY-1'), tenantId }).lean<PaymentFactDoc>();
    expect(fact?.pending).toBeNull();
    const month = fact!.paidAt.toISOString().slice(0, 7);
    const other = month === '2026-01' ? '2026-02' : '2026-01';
    expect(await paidIn(tenantId, month)).toBe(fact!.amount);
    expect(await paidIn(tenantId, other)).toBe(0);
  });

  it('finishes a move a crash left half applied, once', async () => {
    const { tenantId } = testIdentity();
    await write(tenantId, payment(100, '2026-01'));
    // A crash after the fact changed and claimed its move, with only one of its two counters moved:
    const _id = paymentFactId(tenantId, 'PAY-1');
    const moved = payment(250, '2026-03');
    const contributions = paymentContributions(moved);
    const claimed = await PaymentFactModel.findOneAndUpdate(
      { _id, tenantId },
      { $set: { ...moved, want: contributions, pending: { version: 2, contributions } }, $inc: { version: 1 } },
      { returnDocument: 'after' },
    ).lean<PaymentFactDoc>();
    const march = counterId(tenantId, { kind: 'company-revenue', subject: 'company-1', period: '2026-03' });
    await CounterModel.updateOne({ _id: march, tenantId }, { $inc: { 'values.paid_EUR': 250 }, $set: { [`applied.payment_facts:${_id}`]: 2, updatedAt: new Date() }, $setOnInsert: { kind: 'company-revenue', subject: 'company-1', group: '', period: '2026-03' } }, { upsert: true });
    // The redelivered event finds the claim: January gives its 100 back, March is not counted twice.
    await write(tenantId, moved);
    expect([await paidIn(tenantId, '2026-01'), await paidIn(tenantId, '2026-03')]).toEqual([0, 250]);
    // A stale process settling the old claim later moves nothing.
    await settle(PaymentFactModel, claimed!);
    expect([await paidIn(tenantId, '2026-01'), await paidIn(tenantId, '2026-03')]).toEqual([0, 250]);
  });

  it('inserts a likely new fact without reading it first, and still reads, moves and settles one that exists', async () => {
    const { tenantId } = testIdentity();
    const _id = paymentFactId(tenantId, 'PAY-1');
    const writeNew = (next: (current: PaymentFactDoc | null) => PaymentFactState | null) => writeFact<PaymentFactState>(PaymentFactModel, tenantId, _id, next, paymentContributions, { likelyNew: true });
    await writeNew(() => payment(100, '2026-01'));
    const fact = await PaymentFactModel.findOne({ _id, tenantId }).lean<PaymentFactDoc>();
    expect(fact).toMatchObject({ version: 1, pending: null, counted: paymentContributions(payment(100, '2026-01')) });
    expect(await paidIn(tenantId, '2026-01')).toBe(100);
    // Again, as a replay would: the insert is refused, the stored fact is read and changed.
    await writeNew(() => payment(150, '2026-02'));
    expect([await paidIn(tenantId, '2026-01'), await paidIn(tenantId, '2026-02')]).toEqual([0, 150]);
    // A crash left a move claimed; an event that makes no fact of its own still settles it.
    const moved = payment(70, '2026-03');
    await PaymentFactModel.updateOne({ _id, tenantId }, { $set: { ...moved, want: paymentContributions(moved), pending: { version: 3, contributions: paymentContributions(moved) } }, $inc: { version: 1 } });
    await writeNew(() => null);
    expect([await paidIn(tenantId, '2026-02'), await paidIn(tenantId, '2026-03')]).toEqual([0, 70]);
    expect((await PaymentFactModel.findOne({ _id, tenantId }).lean<PaymentFactDoc>())?.pending).toBeNull();
  });

  it('keeps one tenant out of another tenant counters and facts', async () => {
    const [alice, bob] = [testIdentity(), testIdentity()];
    await Promise.all([write(alice.tenantId, payment(10, '2026-04')), write(bob.tenantId, payment(20, '2026-04'))]);
    expect([await paidIn(alice.tenantId, '2026-04'), await paidIn(bob.tenantId, '2026-04')]).toEqual([10, 20]);
  });
});
