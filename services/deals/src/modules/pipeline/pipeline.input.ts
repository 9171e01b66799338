import { z } from 'zod';

export const createPipelineInput = z.object({
  name: z.string().trim().min(1, 'name must not be empty').max(100),
  stages: z
    .array(
      z.object({
        name: z.string().trim().min(1, 'stage name must not be empty').max(100),
        probability: z.number().min(0, 'probability is between 0 and 1').max(1, 'probability is between 0 and 1'),
      }),
    )
    .min(1, 'a pipeline needs at least one stage')
    .max(30)
    .refine((stages) => new Set(stages.map((stage) => stage.name.toLowerCase())).size === stages.length, 'stage names must be unique'),
});
