import { badInput } from '@crm/service-kit';
import { withDefaults, type StageSpec, type StageUpdate } from './pipeline.input';
import { newId, stageData, stageKind, type KeyStepDoc, type PipelineDoc, type StageDoc } from './pipeline.model';
import { stageOrderProblem } from './pipeline.rules';
import { refuseIfInUse, type GuardedStages } from './stage-lock';

/**
 * The key steps of a stage (`field`, for instance `stages.2`): existing ones by id, each at most
 * once (ticks are kept per step id: two entries of one step would be ticked together).
 */
function keySteps(steps: StageSpec['keySteps'], field: string, existing: KeyStepDoc[] = []): KeyStepDoc[] {
  const seen = new Set<string>();
  return steps.map((step, index) => {
    if (!step.id) return { _id: newId(), title: step.title, role: step.role };
    const kept = existing.find((old) => old._id.toString() === step.id);
    if (!kept) throw badInput(`key step ${step.id} is not a step of this stage`, `${field}.keySteps.${index}.id`);
    if (seen.has(step.id)) throw badInput(`key step ${step.id} is listed twice`, `${field}.keySteps.${index}.id`);
    seen.add(step.id);
    return { _id: kept._id, title: step.title, role: step.role };
  });
}

const stageFrom = (spec: StageSpec, position: number): StageDoc => ({
  _id: newId(),
  name: spec.name,
  position,
  probability: spec.probability,
  kind: spec.kind,
  task: spec.task,
  result: spec.result,
  keySteps: keySteps(spec.keySteps, `stages.${position}`),
  expectedDurationDays: spec.expectedDurationDays,
  allowedRoles: spec.allowedRoles,
  archived: false,
  deleted: false,
});

/** The stages of a new pipeline, checked against the order rules. */
export function newStages(specs: StageSpec[]): StageDoc[] {
  const problem = stageOrderProblem(specs);
  if (problem) throw badInput(problem, 'stages');
  return specs.map(stageFrom);
}

/** An edited stage's field: left out (undefined) keeps the stored value, null clears it to `none`. */
const edited = <T, N>(given: T | null | undefined, stored: T | N, none: N): T | N => (given === undefined ? stored : (given ?? none));

/**
 * The stages after updatePipeline: the given order (existing stages by id, new ones without),
 * the left-out ones marked deleted. An existing stage keeps every field its input leaves out,
 * and its kind and archived flag for null too (they have no empty value); a new one takes the
 * defaults. Existing deals never break: a stage left out while a deal is in it, or a stage in
 * use whose kind changes (its deals' status would no longer match), is refused with CONFLICT.
 * Returns the stored list, the ids deleted now and the stages that must stay empty until the
 * write (`guarded`: checked here once, then again under their mark, see stage-lock.ts).
 */
export async function updatedStages(
  pipeline: PipelineDoc,
  input: StageUpdate[],
): Promise<{ stages: StageDoc[]; deletedIds: string[]; guarded: GuardedStages[] }> {
  const byId = new Map(pipeline.stages.filter((stage) => !stage.deleted).map((stage) => [stage._id.toString(), stage]));
  const seen = new Set<string>();
  const stages = input.map((spec, position): StageDoc => {
    const field = `stages.${position}`;
    if (!spec.id) return { ...stageFrom(withDefaults(spec), position), archived: spec.archived ?? false };
    const old = byId.get(spec.id);
    if (!old) throw badInput(`stage ${spec.id} is not a stage of pipeline "${pipeline.name}"`, `${field}.id`);
    if (seen.has(spec.id)) throw badInput(`stage ${spec.id} is listed twice`, `${field}.id`);
    seen.add(spec.id);
    return {
      _id: old._id,
      name: spec.name,
      position,
      probability: spec.probability,
      kind: spec.kind ?? stageKind(old),
      task: edited(spec.task, old.task ?? null, null),
      result: edited(spec.result, old.result ?? null, null),
      keySteps: spec.keySteps === undefined ? (old.keySteps ?? []) : keySteps(spec.keySteps ?? [], field, old.keySteps),
      expectedDurationDays: edited(spec.expectedDurationDays, old.expectedDurationDays ?? null, null),
      allowedRoles: edited(spec.allowedRoles, old.allowedRoles ?? [], []),
      archived: spec.archived ?? old.archived ?? false,
      deleted: false,
    };
  });
  const problem = stageOrderProblem(stages.map((stage) => ({ name: stage.name, kind: stageKind(stage), archived: stage.archived })));
  if (problem) throw badInput(problem, 'stages');

  const removed = [...byId.values()].filter((stage) => !seen.has(stage._id.toString()));
  const rekinded = stages.filter((stage) => byId.has(stage._id.toString()) && stageKind(byId.get(stage._id.toString())!) !== stageKind(stage));
  const guarded: GuardedStages[] = [
    { stages: removed, message: (names: string) => `stages in use cannot be deleted (archive them instead): ${names}` },
    { stages: rekinded, message: (names: string) => `the kind of a stage in use cannot change: ${names}` },
  ].filter((check) => check.stages.length > 0);
  // Refused early when a deal is in them already; a deal arriving from now on is caught under the mark.
  for (const check of guarded) await refuseIfInUse(pipeline, check);

  const deletedBefore = pipeline.stages.filter((stage) => stage.deleted);
  const deletedNow = removed.map((stage) => ({ ...stage, deleted: true }));
  return { stages: [...stages, ...deletedBefore, ...deletedNow], deletedIds: removed.map((stage) => stage._id.toString()), guarded };
}

/** Whether the stages as events and the API show them differ. */
/** Who may move deals into a stage is the deals service's own concern (not in the events), but a change of it is a change. */
const stageState = (stage: StageDoc) => ({ ...stageData(stage), allowedRoles: stage.allowedRoles ?? [] });
export const stagesDiffer = (before: StageDoc[], after: StageDoc[]) =>
  JSON.stringify(before.filter((stage) => !stage.deleted).map(stageState)) !== JSON.stringify(after.filter((stage) => !stage.deleted).map(stageState));
