import type { OfferEvent } from '@mkt/events';
import { developmentModeFromEnv } from '@mkt/messaging';
import { dryRun, type DryRunKit, type DryRunReport } from '@mkt/stages';
import { certificationDryRun } from '../../../../services/certification/src/domain/dry-run';
import { notificationDryRun } from '../../../../services/notification/src/domain/dry-run';
import { packagingDryRun } from '../../../../services/packaging/src/domain/dry-run';
import { provisioningDryRun } from '../../../../services/provisioning/src/domain/dry-run';
import { validationDryRunKit } from '../../../../services/validation/src/domain/dry-run';
import { offerArgument, UsageError, type Command, type Context } from '../command';
import { table } from '../render';
import type { TimelineEvent } from '../timeline';
import { historyEvents, logEvents } from './timeline';

/** Each stage's pure decider as this checkout has it: "what today's code would do". */
export function dryRunKits(env: NodeJS.ProcessEnv): Record<string, DryRunKit<unknown, unknown>> {
  return {
    // http:// disk URLs pass validation in development mode only: judged as the console's DEVELOPMENT says
    validation: validationDryRunKit({ allowPrivateNetwork: developmentModeFromEnv(env) }),
    certification: certificationDryRun,
    provisioning: provisioningDryRun,
    packaging: packagingDryRun,
    notification: notificationDryRun(env.NOTIFICATION_STATUS_BASE_URL ?? 'http://127.0.0.1:3000'),
  } as unknown as Record<string, DryRunKit<unknown, unknown>>;
}

export function asOfferEvent(event: TimelineEvent & { schemaVersion?: number }, subject: string): OfferEvent {
  return {
    id: event.id,
    type: event.type,
    schemaVersion: event.schemaVersion ?? 1,
    source: event.source,
    time: event.time,
    subject,
    attempt: event.attempt,
    correlationId: event.correlationId,
    causationId: event.causationId,
    data: event.data,
  } as unknown as OfferEvent;
}

export function renderDryRun(report: DryRunReport): string {
  const rows = report.steps.map((step, i) => [
    i + 1,
    `${step.input.kind === 'job-result' ? 'job result: ' : ''}${step.input.type}`,
    step.input.attempt,
    step.outcome === 'accepted' ? 'accepted' : `${step.outcome}: ${step.reason ?? ''}${step.code ? ` (${step.code})` : ''}`,
    step.jobs.join(' ') || '',
    step.wouldEmit.map((e) => e.type).join(' ') || '-',
    [...step.recorded.map((e) => e.type), ...step.recordedByJobs.map((t) => `(${t} by its job)`)].join(' ') || '-',
    step.sameTypes ? (step.sameData ? 'same' : 'same types, other data') : 'DIFFERS',
  ]);
  return table(['#', 'INPUT', 'ATTEMPT', 'TODAY DECIDES', 'JOBS', 'TODAY EMITS', 'RECORDED', ''], rows, 80);
}

export const decideCommand: Command = {
  name: 'decide',
  summary: "dry run: a stage's pure decider over an offer's recorded events; what today's code emits beside what was recorded",
  help: `usage: npm run ops -- decide <stage> <publisher>/<offer> [--from-log] [--json]

  Folds the offer's recorded events, in log order, through the stage's decider as it is in this checkout,
  writing nothing, and shows for each input what it decides (accepted / ignored / rejected and why), the
  jobs it asks for and the events it would emit, beside the events the stage recorded for that input.
  Pure jobs are run again (validation judges the snapshot again); jobs that did I/O are not: certification
  and provisioning decide on the results their recorded events carry, packaging and notification show
  their jobs' recorded results without comparing them.
  <stage>      validation, certification, provisioning, packaging or notification
  --from-log   read the events from Kafka instead of offer-api's history`,
  options: { 'from-log': { type: 'boolean' } },
  async run(parsed, context: Context) {
    const [stage, offer, ...rest] = parsed.positionals;
    const kits = dryRunKits(context.env);
    if (!stage || !kits[stage]) throw new UsageError(`decide takes a stage first: one of ${Object.keys(kits).join(', ')}`);
    if (rest.length) throw new UsageError(`unexpected ${rest.join(' ')}`);
    const { publisherId, offerId } = offerArgument(offer);
    const subject = `${publisherId}/${offerId}`;
    const recorded = parsed.values['from-log'] ? await logEvents(context, publisherId, offerId) : await historyEvents(context, publisherId, offerId);
    if (recorded.length === 0) throw new Error(`no events for ${subject}`);
    const report = dryRun(
      kits[stage],
      recorded.map((event) => asOfferEvent(event, subject)),
    );
    if (context.out.json) {
      context.out.write(`${JSON.stringify({ offer: subject, ...report }, null, 2)}\n`);
      return;
    }
    context.out.write(renderDryRun(report));
    context.out.write(
      report.reproduced
        ? `${stage}: today's decider emits what was recorded for ${subject} (${report.steps.length} inputs; nothing written)\n`
        : `${stage}: today's decider DIFFERS from what was recorded for ${subject} at step(s) ${report.steps.flatMap((s, i) => (s.sameTypes ? [] : [i + 1])).join(', ')} (nothing written)\n`,
    );
  },
};
