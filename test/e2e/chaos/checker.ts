/**
 * The verdict of a chaos run, from what is observable outside the services: the whole log read back,
 * the dead-letter topic, the mails the SMTP server accepted, the leads the lead endpoint received,
 * consumer lag, and rows the services left unpublished or unfinished. Every finding is named and put in
 * one category:
 *   lost        something that should exist does not (an event, a mail, a lead, a dead letter)
 *   duplicated  an effect happened twice under different identities (two events of one step, two
 *               Message-IDs for one mail, two lead ids for one attempt, a record dead-lettered twice)
 *   reordered   an offer's events are on the log in another order than the process has them
 *   stuck       an offer did not reach its outcome, a group did not catch up, rows wait in an outbox or jobs table
 *   wrong       an offer reached an outcome other than the expected one
 * Redeliveries under the same identity (same event id on the log twice, same Message-ID or
 * Idempotency-Key sent twice after a crash) are at-least-once delivery, deduplicated by that identity:
 * counted, not findings.
 */
import type { OfferEvent, OfferEventType } from '@mkt/events';
import type { ReceivedMail } from '../../../services/notification/test/smtp-test-server';
import type { ReceivedLead } from '../servers';
import type { PoisonRecord } from './faults';
import type { LogRecord } from './log';
import { EXPECTED_EVENTS, NOTIFIED, TERMINAL, type OfferProgress } from './offers';

export type Category = 'lost' | 'duplicated' | 'reordered' | 'stuck' | 'wrong';
export const CATEGORIES: Category[] = ['lost', 'duplicated', 'reordered', 'stuck', 'wrong'];

export interface Finding {
  category: Category;
  subject?: string;
  what: string;
}

export interface CheckInput {
  topic: string;
  offers: OfferProgress[];
  log: LogRecord[];
  deadLetters: LogRecord[];
  mails: ReceivedMail[];
  leads: ReceivedLead[];
  poison: PoisonRecord[];
  /** Consumer groups of the services and their final lag on the topic. */
  lag: Record<string, number>;
  /** Per service database: outbox rows not published (nor parked/discarded), parked rows, jobs not finished. */
  leftovers: Record<string, { unpublished: number; parked: number; unfinishedJobs: number }>;
  unexpectedExits: Array<{ instance: string; code: number | null; signal: string | null; lastLines: string[] }>;
}

export interface CheckResult {
  findings: Finding[];
  counts: Record<Category, number>;
  outcomes: Record<string, Record<string, number>>;
  /** At-least-once redeliveries under one identity (not findings). */
  redelivered: { logRecords: number; mails: number; leads: number };
  mails: { expected: number; received: number; distinct: number };
  leads: { expected: number; received: number; distinct: number };
  deadLetters: { poisonRecords: number; letters: number; byGroup: Record<string, number> };
}

/** Steps that are not part of the per-offer sequence (repeated by design, or side channels). */
const OUTSIDE_SEQUENCE: OfferEventType[] = ['ImageReplicationProgressed', 'NotificationSent', 'NotificationFailed'];

export function check(input: CheckInput): CheckResult {
  const findings: Finding[] = [];
  const add = (category: Category, what: string, subject?: string) => findings.push({ category, what, subject });

  // the log, per subject, in offset order (one subject is one key, so one partition)
  const bySubject = new Map<string, LogRecord[]>();
  let logRedelivered = 0;
  const seenIds = new Set<string>();
  for (const record of input.log) {
    if (!record.event) continue;
    if (seenIds.has(record.event.id)) {
      logRedelivered += 1;
      continue;
    }
    seenIds.add(record.event.id);
    const list = bySubject.get(record.event.subject) ?? [];
    list.push(record);
    bySubject.set(record.event.subject, list);
  }

  const outcomes: Record<string, Record<string, number>> = {};
  const notifiedEvents: Array<{ event: OfferEvent; emails: string[] }> = [];
  const leadIds = new Map<string, string>(); // offerId -> leadId of its PreviewReady
  let expectedLeads = 0;

  for (const progress of input.offers) {
    const { plan } = progress;
    const subject = plan.subject;
    const events = (bySubject.get(subject) ?? []).map((r) => r.event!);
    const expected = EXPECTED_EVENTS[plan.kind];
    const terminal = events.find((e) => TERMINAL.includes(e.type));
    const outcome =
      terminal?.type ??
      (events.some((e) => e.type === 'PreviewReady') ? 'PreviewReady (no sign-off outcome)' : `none (last: ${events[events.length - 1]?.type ?? 'nothing'})`);
    (outcomes[plan.kind] ??= {})[outcome] = (outcomes[plan.kind][outcome] ?? 0) + 1;

    if (progress.refused) {
      add(progress.acceptedAt ? 'stuck' : 'lost', `${plan.kind} offer: ${progress.refused}`, subject);
    }
    if (!progress.acceptedAt) continue;
    if (events.length === 0) {
      add('lost', `${plan.kind} offer: publish accepted (202) but no event of it is on the log`, subject);
      continue;
    }
    for (const event of events) if (event.attempt !== 1) add('wrong', `event ${event.type} of attempt ${event.attempt}, only attempt 1 was published`, subject);

    const sequence = events.filter((e) => !OUTSIDE_SEQUENCE.includes(e.type));
    const types = sequence.map((e) => e.type);
    // duplicated: one step emitted twice under different event ids
    const counts = new Map<string, number>();
    for (const type of types) counts.set(type, (counts.get(type) ?? 0) + 1);
    for (const [type, count] of counts) if (count > 1) add('duplicated', `${type} ${count} times (different event ids)`, subject);
    // outcome
    const expectedOutcome = expected[expected.length - 1];
    if (terminal && terminal.type !== expectedOutcome)
      add('wrong', `${plan.kind} offer ended in ${terminal.type} (${reasonOf(terminal)}), expected ${expectedOutcome}`, subject);
    const unexpected = [...counts.keys()].filter((t) => !expected.includes(t as OfferEventType));
    if (unexpected.length && (!terminal || terminal.type === expectedOutcome))
      add('wrong', `${plan.kind} offer has events it should not: ${unexpected.join(', ')}`, subject);
    if (!terminal && !unexpected.length) {
      const missing = expected.filter((t) => !counts.has(t));
      add(
        'stuck',
        `${plan.kind} offer never reached ${expectedOutcome}: last event ${types[types.length - 1]}, missing ${missing.join(', ')}${progress.signOffAt ? '' : plan.kind === 'live' || plan.kind === 'cancel' ? ' (no sign-off sent)' : ''}`,
        subject,
      );
    }
    if (terminal && terminal.type === expectedOutcome) {
      const missing = expected.filter((t) => !counts.has(t));
      if (missing.length) add('lost', `${plan.kind} offer reached ${expectedOutcome} without ${missing.join(', ')}`, subject);
    }
    // reordered: the first occurrence of each expected step, in log order, must follow the process order
    const order = [...new Set(types)].filter((t) => expected.includes(t as OfferEventType));
    const wanted = expected.filter((t) => order.includes(t));
    if (order.join() !== wanted.join()) add('reordered', `events on the log: ${order.join(' > ')}; the process order is ${wanted.join(' > ')}`, subject);
    // progress events: each count of finished regions once, in order, before ImagesReplicated/ReplicationFailed
    const progressEvents = events.filter((e): e is Extract<OfferEvent, { type: 'ImageReplicationProgressed' }> => e.type === 'ImageReplicationProgressed');
    const done = progressEvents.map((e) => e.data.regionsDone);
    if (new Set(done).size !== done.length) add('duplicated', `ImageReplicationProgressed repeats regionsDone values: ${done.join(',')}`, subject);
    if (done.some((d, i) => i > 0 && d < done[i - 1])) add('reordered', `ImageReplicationProgressed goes backwards: ${done.join(',')}`, subject);
    const replicationEnd = events.findIndex((e) => e.type === 'ImagesReplicated' || e.type === 'ReplicationFailed');
    const lateProgress = replicationEnd < 0 ? -1 : events.findIndex((e, i) => i > replicationEnd && e.type === 'ImageReplicationProgressed');
    if (lateProgress >= 0) add('reordered', 'ImageReplicationProgressed after the replication result', subject);

    for (const event of events) if (NOTIFIED.includes(event.type)) notifiedEvents.push({ event, emails: plan.emails });
    const preview = events.find((e): e is Extract<OfferEvent, { type: 'PreviewReady' }> => e.type === 'PreviewReady');
    if (plan.expectsLead && counts.has('PackagingStarted')) {
      expectedLeads += 1;
      if (preview?.data.testLead?.leadId) leadIds.set(plan.offerId, preview.data.testLead.leadId);
    }
  }

  // mails: one per notified event and recipient (its Message-ID), none about anything else
  const mailsByKey = new Map<string, ReceivedMail[]>();
  for (const mail of input.mails) {
    for (const to of mail.envelopeTo.length ? mail.envelopeTo : mail.to) {
      const key = `${mail.eventId} ${to.toLowerCase()}`;
      mailsByKey.set(key, [...(mailsByKey.get(key) ?? []), mail]);
    }
  }
  let mailsRedelivered = 0;
  let expectedMails = 0;
  const expectedKeys = new Set<string>();
  for (const { event, emails } of notifiedEvents) {
    for (const email of emails) {
      expectedMails += 1;
      const key = `${event.id} ${email.toLowerCase()}`;
      expectedKeys.add(key);
      const received = mailsByKey.get(key) ?? [];
      const ids = new Set(received.map((m) => m.messageId));
      if (received.length === 0) add('lost', `no e-mail to ${email} about ${event.type} (event ${event.id})`, event.subject);
      else if (ids.size > 1)
        add('duplicated', `${ids.size} different e-mails (Message-IDs ${[...ids].join(', ')}) to ${email} about ${event.type}`, event.subject);
      else mailsRedelivered += received.length - 1;
    }
  }
  for (const [key, mails] of mailsByKey) {
    if (!expectedKeys.has(key))
      add(
        'duplicated',
        `${mails.length} e-mail(s) "${mails[0].subject}" to ${key.split(' ')[1]} about event ${key.split(' ')[0] || '(no X-Marketplace-Event-Id)'}, which is no notified event of a published offer on the log`,
      );
  }

  // test leads: one lead id per attempt, the one its PreviewReady names; none for other offers
  const leadsByOffer = new Map<string, ReceivedLead[]>();
  for (const lead of input.leads) {
    const offerId = (lead.body as { offer?: { offerId?: string } } | null)?.offer?.offerId ?? '(unknown)';
    leadsByOffer.set(offerId, [...(leadsByOffer.get(offerId) ?? []), lead]);
  }
  let leadsRedelivered = 0;
  for (const progress of input.offers) {
    const { plan } = progress;
    const received = leadsByOffer.get(plan.offerId) ?? [];
    leadsByOffer.delete(plan.offerId);
    const ids = new Set(received.map((l) => l.idempotencyKey));
    const reachedPackaging = (bySubject.get(plan.subject) ?? []).some((r) => r.event?.type === 'PackagingStarted');
    if (!plan.expectsLead) {
      if (received.length) add('duplicated', `${received.length} test lead(s) for an offer without a working lead destination`, plan.subject);
      continue;
    }
    if (!reachedPackaging) continue; // stuck earlier: named above
    if (received.length === 0) add('lost', 'no test lead reached the lead endpoint', plan.subject);
    else if (ids.size > 1) add('duplicated', `${ids.size} different test leads (${[...ids].join(', ')}) for one attempt`, plan.subject);
    else {
      leadsRedelivered += received.length - 1;
      const named = leadIds.get(plan.offerId);
      if (named && !ids.has(named)) add('wrong', `the lead received (${[...ids][0]}) is not the one PreviewReady names (${named})`, plan.subject);
    }
  }
  for (const [offerId, leads] of leadsByOffer) add('duplicated', `${leads.length} test lead(s) for ${offerId}, which is no offer of this run`);

  // dead letters: every poison record, by every group that handles it, once, with its reasons
  const poisonAt = new Map<string, { partition: number; offset: number }>();
  for (const record of input.log) if (record.key?.startsWith('chaos-poison/')) poisonAt.set(record.key, { partition: record.partition, offset: record.offset });
  const letters = new Map<string, LogRecord[]>();
  const byGroup: Record<string, number> = {};
  for (const letter of input.deadLetters) {
    const h = letter.headers;
    byGroup[h.dlq_consumer ?? '(none)'] = (byGroup[h.dlq_consumer ?? '(none)'] ?? 0) + 1;
    const key = `${h.dlq_topic}/${h.dlq_partition}/${h.dlq_offset}`;
    letters.set(key, [...(letters.get(key) ?? []), letter]);
  }
  const groups = Object.keys(input.lag);
  for (const poison of input.poison) {
    const at = poisonAt.get(poison.key);
    if (!at) {
      add('lost', `poison record ${poison.key} (${poison.kind}) is not on ${input.topic}`);
      continue;
    }
    const found = letters.get(`${input.topic}/${at.partition}/${at.offset}`) ?? [];
    for (const letter of found) {
      const missing = ['dlq_reason', 'dlq_code', 'dlq_consumer', 'dlq_topic', 'dlq_partition', 'dlq_offset', 'dlq_time'].filter((h) => !letter.headers[h]);
      if (missing.length) add('lost', `dead letter of ${poison.key} by ${letter.headers.dlq_consumer} lacks ${missing.join(', ')}`);
    }
    const perGroup = new Map<string, number>();
    for (const letter of found) perGroup.set(letter.headers.dlq_consumer, (perGroup.get(letter.headers.dlq_consumer) ?? 0) + 1);
    for (const [group, count] of perGroup) if (count > 1) add('duplicated', `${poison.key} (${poison.kind}) dead-lettered ${count} times by ${group}`);
    if (found.length === 0)
      add('lost', `poison record ${poison.key} (${poison.kind}, partition ${at.partition} offset ${at.offset}) is in no dead-letter record`);
    else if (!poison.typed) {
      const absent = groups.filter((g) => !perGroup.has(g));
      if (absent.length) add('lost', `poison record ${poison.key} (${poison.kind}) was not dead-lettered by ${absent.join(', ')}`);
    }
  }

  for (const [group, lag] of Object.entries(input.lag)) if (lag !== 0) add('stuck', `consumer group ${group} has lag ${lag} on ${input.topic}`);
  for (const [database, left] of Object.entries(input.leftovers)) {
    if (left.unpublished) add('stuck', `${database}: ${left.unpublished} outbox row(s) never published`);
    if (left.parked) add('stuck', `${database}: ${left.parked} outbox row(s) parked (refused by the broker)`);
    if (left.unfinishedJobs) add('stuck', `${database}: ${left.unfinishedJobs} job(s) pending or running`);
  }
  for (const exit of input.unexpectedExits)
    add('stuck', `${exit.instance} exited by itself (${exit.code ?? exit.signal}): ${exit.lastLines.slice(-3).join(' | ').slice(0, 400)}`);

  const counts = Object.fromEntries(CATEGORIES.map((c) => [c, findings.filter((f) => f.category === c).length])) as Record<Category, number>;
  const allMailIds = new Set(input.mails.map((m) => `${m.messageId} ${m.envelopeTo.join(',')}`));
  return {
    findings,
    counts,
    outcomes,
    redelivered: { logRecords: logRedelivered, mails: mailsRedelivered, leads: leadsRedelivered },
    mails: { expected: expectedMails, received: input.mails.length, distinct: allMailIds.size },
    leads: { expected: expectedLeads, received: input.leads.length, distinct: new Set(input.leads.map((l) => l.idempotencyKey)).size },
    deadLetters: { poisonRecords: input.poison.length, letters: input.deadLetters.length, byGroup },
  };
}

function reasonOf(event: OfferEvent): string {
  const data = event.data as {
    code?: string;
    reason?: string;
    problems?: Array<{ path: string }>;
    failures?: Array<{ check: string; passed: boolean }>;
    failedRegions?: Array<{ region: string }>;
  };
  if (data.code) return `${data.code}: ${data.reason ?? ''}`.slice(0, 160);
  if (data.problems)
    return data.problems
      .map((p) => p.path)
      .join(', ')
      .slice(0, 160);
  if (data.failures)
    return data.failures
      .filter((f) => !f.passed)
      .map((f) => f.check)
      .join(', ');
  if (data.failedRegions) return data.failedRegions.map((r) => r.region).join(', ');
  return '';
}
