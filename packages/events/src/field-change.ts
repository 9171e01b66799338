import { z } from 'zod';

/** One changed field of a record: the field's API name and its value before and after (JSON). */
export const fieldChange = z.object({ field: z.string().min(1).max(200), from: z.unknown(), to: z.unknown() });

/** The changed fields of one write: at least one, at most `max`. */
export const fieldChanges = (max: number) => z.array(fieldChange).min(1).max(max);
