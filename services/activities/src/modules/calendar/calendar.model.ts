import { model, Schema, type Types } from 'mongoose';
import type { WorkingPeriod } from './calendar.rules';

/** A tenant's calendar settings (`_id` = tenantId): the zone its days and weeks are counted in. */
export interface CalendarSettingsDoc {
  _id: string;
  tenantId: string;
  timeZone: string;
}

const settingsSchema = new Schema<CalendarSettingsDoc>(
  { _id: { type: String, required: true }, tenantId: { type: String, required: true }, timeZone: { type: String, required: true } },
  { timestamps: true, versionKey: false, collection: 'calendar_settings' },
);
export const CalendarSettingsModel = model<CalendarSettingsDoc>('CalendarSettings', settingsSchema);

/**
 * A user's working hours, one document per (tenant, user). Kept here until the users directory
 * of issue 10 exists; they move there then.
 */
export interface WorkingHoursDoc {
  _id: Types.ObjectId;
  tenantId: string;
  userId: string;
  hours: WorkingPeriod[];
}

const hoursSchema = new Schema<WorkingHoursDoc>(
  {
    tenantId: { type: String, required: true },
    userId: { type: String, required: true },
    hours: { type: [new Schema({ weekday: Number, from: String, to: String }, { _id: false })], default: [] },
  },
  { timestamps: true, versionKey: false, collection: 'working_hours' },
);
hoursSchema.index({ tenantId: 1, userId: 1 }, { unique: true });
export const WorkingHoursModel = model<WorkingHoursDoc>('WorkingHours', hoursSchema);
