import { model, Schema } from 'mongoose';

/** The tenant's base currency and exchange rates (`_id` = tenantId): set by mutations, not from events. */
export interface MoneySettingsDoc {
  _id: string;
  tenantId: string;
  currency: string;
  /** Currency -> units of the base currency per 1 unit of it. */
  rates: Record<string, number>;
  updatedAt: Date;
}

const schema = new Schema<MoneySettingsDoc>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    currency: { type: String, required: true },
    rates: { type: Schema.Types.Mixed, default: () => ({}) },
    updatedAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'money_settings', minimize: false },
);
// No secondary index: one document per tenant, read and written by _id.

export const MoneySettingsModel = model<MoneySettingsDoc>('MoneySettings', schema);
