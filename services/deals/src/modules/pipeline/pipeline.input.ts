import { roleNameSchema } from '@crm/auth';
import { idInput } from '@crm/service-kit';
import { z } from 'zod';

export const MAX_STAGES = 30;

const text = (max: number) => z.string().trim().max(max);
/** Empty text means "none" (null); left out stays undefined (an edited stage keeps its text). */
const optionalText = (max: number) =>
  text(max)
    .nullish()
    .transform((value) => (value === undefined ? undefined : value || null));

/**
 * A sales role as free text, normalised to upper snake case (`head of sales` → HEAD_OF_SALES):
 * companies name their own roles (LOGISTICS, METHODOLOGIST, ACCOUNTANT...), which an enum
 * would freeze; the bound and the shape keep it a name, not prose.
 */
export const roleInput = z
  .string()
  .trim()
  .max(40, 'role is at most 40 characters')
  .transform((role) => role.toUpperCase().replace(/[\s-]+/g, '_'))
  .refine((role) => /^[A-Z][A-Z0-9_]{1,39}$/.test(role), 'role is a role name such as MANAGER or HEAD_OF_SALES');

const keyStepInput = z.object({
  /** Given to keep an existing step (and its ticks on deals); absent for a new one. */
  id: idInput('id').nullish(),
  title: text(200).min(1, 'key step title must not be empty'),
  role: roleInput,
});

/**
 * A stage's fields as given: a field left out is undefined, one given as null is null. A new
 * stage takes the defaults for both (`withDefaults`); an edited one keeps its stored value for a
 * field left out and clears it for null (pipeline.update.ts).
 */
const stageFields = {
  name: text(100).min(1, 'stage name must not be empty'),
  probability: z.number().min(0, 'probability is between 0 and 1').max(1, 'probability is between 0 and 1'),
  kind: z.enum(['OPEN', 'WON', 'LOST', 'POST_SALE']).nullish(),
  task: optionalText(1000),
  result: optionalText(1000),
  keySteps: z.array(keyStepInput).max(20).nullish(),
  expectedDurationDays: z.number().int('expectedDurationDays is a whole number of days').min(1).max(3650).nullish(),
  allowedRoles: z
    .array(roleNameSchema)
    .max(20)
    .nullish()
    .transform((roles) => roles && [...new Set(roles)]),
};

export type GivenStage = z.infer<z.ZodObject<typeof stageFields>>;

/** A new stage: OPEN, with no task, result, key steps, duration or role limit unless given. */
export const withDefaults = (stage: GivenStage) => ({
  name: stage.name,
  probability: stage.probability,
  kind: stage.kind ?? 'OPEN',
  task: stage.task ?? null,
  result: stage.result ?? null,
  keySteps: stage.keySteps ?? [],
  expectedDurationDays: stage.expectedDurationDays ?? null,
  allowedRoles: stage.allowedRoles ?? [],
});

const uniqueNames = (stages: { name: string }[]) => new Set(stages.map((stage) => stage.name.toLowerCase())).size === stages.length;

const stages = <T extends z.ZodType<{ name: string }>>(stage: T) =>
  z
    .array(stage)
    .min(1, 'a pipeline needs at least one stage')
    .max(MAX_STAGES)
    .refine(uniqueNames, 'stage names must be unique');

const followUps = z
  .array(z.object({ title: text(200).min(1, 'follow-up title must not be empty'), role: roleInput, afterDays: z.number().int().min(0).max(365) }))
  .max(20);

const strictness = z.enum(['NONE', 'WARN', 'ENFORCE']);

export const createPipelineInput = z.object({
  name: text(100).min(1, 'name must not be empty'),
  stages: stages(z.object(stageFields).transform(withDefaults)),
  strictness: strictness.nullish().transform((level) => level ?? 'NONE'),
  followUps: followUps.nullish().transform((list) => list ?? []),
});

export type StageSpec = z.infer<typeof createPipelineInput>['stages'][number];

/**
 * The whole new order of stages: an existing stage by its id, a new one without; an existing
 * stage left out is deleted. Stage fields are as given (undefined or null, see stageFields).
 */
export const updatePipelineInput = z.object({
  name: text(100).min(1, 'name must not be empty').nullish(),
  strictness: strictness.nullish(),
  followUps: followUps.nullish(),
  stages: stages(z.object({ ...stageFields, id: idInput('id').nullish(), archived: z.boolean().nullish() })).nullish(),
});

export type StageUpdate = NonNullable<z.infer<typeof updatePipelineInput>['stages']>[number];
