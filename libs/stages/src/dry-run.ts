import type { OfferEvent, OfferEventDraft } from '@mkt/events';
import type { Decider } from './decider';
import { stateAfter, type Decision, type StageJob } from './decision';

/**
 * What a dry run needs of a stage: its pure decider, the source its events carry, and how its jobs' results
 * come back as inputs. A job that is pure (validation judging a snapshot) is run again with today's code;
 * a job that did I/O (fetching disks, calling a lead endpoint) is not: its result is taken from the event the
 * stage recorded for it, so that today's decider decides on what the job found then.
 */
export interface DryRunKit<State, Input> {
  stage: string;
  /** `/marketplace/<stage>`: the events of the log this stage wrote. */
  source: string;
  decider: Decider<State, Input, Decision<State, unknown>>;
  /** A pure job run again: the input it hands back to the decider. */
  runJob?: (job: StageJob, cause: OfferEvent) => Input | undefined;
  /** A job that did I/O: its result, rebuilt from an event the stage recorded for it (undefined when it is no job result). */
  jobResultFrom?: (recorded: OfferEvent) => Input | undefined;
  /** Events the stage's jobs write while they run (progress, "started"): recorded, but not decisions. */
  progressTypes?: readonly string[];
  /** Results of jobs that did I/O and are not rebuilt here: shown as recorded by the job, not compared. */
  notRerunTypes?: readonly string[];
}

/** One input of the dry run: what today's decider does with it beside what the stage recorded. */
export interface DryRunStep {
  /** The log event decided on, or the job result fed back at the place its recorded event has on the log. */
  input: { kind: 'event' | 'job-result'; type: string; eventId: string; attempt: number };
  outcome: Decision<unknown, unknown>['outcome'];
  reason?: string;
  code?: string;
  jobs: string[];
  /** What today's code emits for it (a pure job's outcome included). */
  wouldEmit: OfferEventDraft[];
  /** What the stage recorded for it: its events caused by this input (job progress left out). */
  recorded: Array<{ type: string; id: string; data: unknown }>;
  /** Recorded results of its jobs that the dry run does not re-run (I/O): shown, not compared. */
  recordedByJobs: string[];
  /** The same event types, in the same order. */
  sameTypes: boolean;
  /** The same types and data. */
  sameData: boolean;
}

export interface DryRunReport {
  stage: string;
  steps: DryRunStep[];
  /** Every step emits what was recorded. */
  reproduced: boolean;
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    item && typeof item === 'object' && !Array.isArray(item)
      ? Object.fromEntries(Object.entries(item as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : item,
  );
}

/**
 * Folds an offer's recorded events (log order) through the stage's decider as the stage would have seen
 * them, writing nothing, and compares what it emits with what the stage recorded.
 */
export function dryRun<State, Input>(kit: DryRunKit<State, Input>, events: readonly OfferEvent[]): DryRunReport {
  const progress = new Set(kit.progressTypes ?? []);
  const notRerun = new Set(kit.notRerunTypes ?? []);
  const own = events.filter((event) => event.source === kit.source && !progress.has(event.type));
  const recordedFor = (causeId: string) => own.filter((event) => event.causationId === causeId).map(({ type, id, data }) => ({ type, id, data }));
  const steps: DryRunStep[] = [];
  let state = kit.decider.initialState;

  const decideOn = (input: Input, described: DryRunStep['input'], at: Date, caused: DryRunStep['recorded'], cause?: OfferEvent): void => {
    const recorded = caused.filter((event) => !notRerun.has(event.type));
    const decision = kit.decider.decide(input, state, at);
    state = stateAfter(decision, state);
    const wouldEmit = decision.outcome === 'accepted' ? [...decision.events] : [];
    const jobs = decision.outcome === 'accepted' ? decision.jobs : [];
    if (cause && kit.runJob) {
      for (const job of jobs) {
        const result = kit.runJob(job, cause);
        if (result === undefined) continue;
        const after = kit.decider.decide(result, state, at);
        state = stateAfter(after, state);
        if (after.outcome === 'accepted') wouldEmit.push(...after.events);
      }
    }
    const sameTypes = canonical(wouldEmit.map((e) => e.type)) === canonical(recorded.map((e) => e.type));
    steps.push({
      input: described,
      outcome: decision.outcome,
      ...(decision.outcome === 'accepted' ? {} : { reason: decision.reason }),
      ...(decision.outcome === 'rejected' ? { code: decision.code } : {}),
      jobs: jobs.map((job) => job.kind),
      wouldEmit,
      recorded,
      recordedByJobs: caused.filter((event) => notRerun.has(event.type)).map((event) => event.type),
      sameTypes,
      sameData: sameTypes && canonical(wouldEmit.map((e) => e.data)) === canonical(recorded.map((e) => e.data)),
    });
  };

  for (const event of events) {
    const jobResult = event.source === kit.source ? kit.jobResultFrom?.(event) : undefined;
    if (jobResult !== undefined) {
      decideOn(jobResult, { kind: 'job-result', type: event.type, eventId: event.id, attempt: event.attempt }, new Date(event.time), [
        { type: event.type, id: event.id, data: event.data },
      ]);
    }
    // a job result's recorded event counts once: for the job result, not also for the job's cause
    const recorded = recordedFor(event.id).filter((r) => !own.some((o) => o.id === r.id && kit.jobResultFrom?.(o) !== undefined));
    decideOn(event as unknown as Input, { kind: 'event', type: event.type, eventId: event.id, attempt: event.attempt }, new Date(event.time), recorded, event);
  }
  return { stage: kit.stage, steps, reproduced: steps.every((step) => step.sameTypes) };
}
