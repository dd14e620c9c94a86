import { createHash, randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { fromDraft, offerSubject, type OfferDraft } from '@mkt/events';
import { currentLogContext, MessagingRuntime, UnitOfWork, withLogContext, type Tx } from '@mkt/messaging';
import { OFFER_API_CONFIG, type OfferApiConfig } from '../config';
import { decide, describeState, type CommandDecision, type OfferCommand } from '../domain/commands';
import { exceededDraftLimits, inspectJson } from '../domain/limits';
import { operationStatus, type Operation } from '../domain/operations';
import { exceededPublishQuota, PUBLISH_WINDOW_MS } from '../domain/quotas';
import type { StatusView } from '../domain/status-view';
import { claimIdempotencyKey, storeIdempotentOutcome } from '../persistence/idempotency';
import { findOffer, findStatusView, saveCommandState } from '../persistence/offers';
import { insertOperation, type OperationRow } from '../persistence/operations';
import { lockPublisherQuotas, recentPublishes } from '../persistence/quotas';
import { notifyStatusChanged } from '../persistence/status-notifications';
import { DraftSecrets } from './draft-secrets';
import { ApplicationError, draftTooLarge, notFound, publishRateExceeded } from './errors';
import { StatusTextCache } from './status-text-cache';

/** A command as the route received it; Publish's draft snapshot is taken under the row lock. */
export type CommandRequest =
  | { kind: 'publish'; requestedBy: string; notificationEmails: string[]; language?: string }
  | { kind: 'golive'; requestedBy: string }
  | { kind: 'cancel'; requestedBy: string; reason?: string };

/** What a command did: accepted (the operation to poll), or refused because of where the offer is. */
export type CommandOutcome =
  { kind: 'accepted'; operation: Operation } | { kind: 'refused'; code: Extract<CommandDecision, { accepted: false }>['code']; reason: string; state: string };

export interface CommandResult {
  outcome: CommandOutcome;
  /** The outcome is the one stored for this Idempotency-Key by an earlier request. */
  replayed: boolean;
}

export function operationOf(row: OperationRow, view: StatusView | undefined): Operation {
  return {
    id: row.operation_id,
    command: row.command,
    publisherId: row.publisher_id,
    offerId: row.offer_id,
    attempt: row.attempt,
    status: operationStatus({ command: row.command, attempt: row.attempt }, view),
    eventId: row.event_id,
    requestedBy: row.requested_by,
    createdTime: new Date(row.created_at).toISOString(),
  };
}

/**
 * Turns a publisher command into an event: under the offer's row lock (two concurrent Publishes: the
 * second sees the first's attempt and is refused), decided by the pure `decide`, written to the outbox in
 * the same transaction as the command state, the operation and the Idempotency-Key's stored outcome.
 */
@Injectable()
export class OfferCommands {
  private readonly logger = new Logger(OfferCommands.name);

  constructor(
    @Inject(UnitOfWork) private readonly unitOfWork: UnitOfWork,
    @Inject(MessagingRuntime) private readonly runtime: MessagingRuntime,
    @Inject(OFFER_API_CONFIG) private readonly config: OfferApiConfig,
    @Inject(DraftSecrets) private readonly secrets: DraftSecrets,
    @Inject(StatusTextCache) private readonly statusTexts: StatusTextCache,
  ) {}

  async execute(publisherId: string, offerId: string, request: CommandRequest, idempotencyKey?: string): Promise<CommandResult> {
    const scope = offerSubject(publisherId, offerId);
    const { requestedBy: _by, ...significant } = request;
    const fingerprint = createHash('sha256').update(JSON.stringify(significant)).digest('hex');
    const result = await this.unitOfWork.run(async (tx): Promise<CommandResult> => {
      if (idempotencyKey) {
        const claim = await claimIdempotencyKey<CommandOutcome>(tx, scope, idempotencyKey, fingerprint);
        if (claim.kind === 'replay') return { outcome: claim.outcome, replayed: true };
        if (claim.kind === 'mismatch') {
          throw new ApplicationError('unprocessable', 'idempotency-key-reused', 'this Idempotency-Key was already used for a different request on this offer');
        }
      }
      const outcome = await this.decideAndRecord(tx, publisherId, offerId, request);
      if (idempotencyKey) await storeIdempotentOutcome(tx, scope, idempotencyKey, outcome);
      return { outcome, replayed: false };
    });
    // what GET status shows changed (a Publish makes it notStarted): this instance's cache before the answer, others by the NOTIFY
    if (result.outcome.kind === 'accepted') this.statusTexts.invalidate(scope);
    return result;
  }

  /**
   * The draft as OfferSubmitted will carry it must be within today's limits: it was stored under the
   * limits of its day (or before some rules existed), and every stage would work from it.
   */
  private checkSnapshot(draft: OfferDraft): void {
    const exceeded = exceededDraftLimits(draft, this.config.draftLimits);
    if (exceeded.length) throw draftTooLarge(exceeded, 'conflict', 'the draft is too large to publish; make it smaller with PUT first');
    // stored before secrets were kept apart and not migrated yet (docs/secrets.md): never onto the log
    if (this.secrets.hasPlainSecrets(draft)) {
      throw new ApplicationError(
        'conflict',
        'draft-has-plain-secrets',
        'the draft holds secrets from before they were kept apart; PUT it again (with its secrets) first',
      );
    }
    const inspection = inspectJson(draft, this.config.maxJsonDepth);
    if (!inspection.ok) {
      const fields = 'tooDeep' in inspection ? [{ field: inspection.tooDeep, problems: ['is nested too deeply'] }] : inspection.fields;
      throw new ApplicationError('conflict', 'draft-not-publishable', 'the draft has values that cannot be published; correct them with PUT first', { fields });
    }
  }

  /** Only accepted publishes count (the quota lock is held since decideAndRecord began). */
  private async checkPublishQuota(tx: Tx, publisherId: string): Promise<void> {
    const { now, ...recent } = await recentPublishes(tx, publisherId, PUBLISH_WINDOW_MS);
    const exceeded = exceededPublishQuota(recent, this.config.quotas, now);
    if (exceeded) throw publishRateExceeded(exceeded);
  }

  private async decideAndRecord(tx: Tx, publisherId: string, offerId: string, request: CommandRequest): Promise<CommandOutcome> {
    // before the offer's row lock, in the order draft writes take them (no deadlock between the two)
    if (request.kind === 'publish') await lockPublisherQuotas(tx, publisherId);
    const offer = await findOffer(tx, publisherId, offerId, { lock: true });
    if (!offer) throw notFound();
    const view = await findStatusView(tx, publisherId, offerId);
    const state = { attempt: offer.attempt, phase: offer.phase, view };
    const command: OfferCommand =
      request.kind === 'publish'
        ? {
            ...request,
            publisherId,
            offerId,
            language: request.language ?? offer.draft.notificationLanguage ?? 'en',
            draft: offer.draft,
          }
        : request;
    const decision = decide(state, command);
    if (!decision.accepted) return { kind: 'refused', code: decision.code, reason: decision.reason, state: describeState(state) };
    if (command.kind === 'publish') {
      this.checkSnapshot(command.draft);
      await this.checkPublishQuota(tx, publisherId);
    }
    // a new attempt takes the correlation id of the request that started it (x-correlation-id, or the one generated for it)
    const requested = currentLogContext()?.correlationId;
    const correlationId = decision.newAttempt ? (requested ?? randomUUID()) : (offer.correlation_id ?? randomUUID());
    const event = fromDraft(
      decision.event,
      { subject: offerSubject(publisherId, offerId), attempt: decision.attempt, correlationId, causationId: null },
      { source: this.runtime.source },
    );
    tx.emit(event);
    withLogContext({ subject: event.subject, eventId: event.id, eventType: event.type, attempt: event.attempt, correlationId }, () =>
      this.logger.log(`${request.kind} accepted: ${event.type} of attempt ${event.attempt}${decision.newAttempt ? ' (a new attempt)' : ''}`),
    );
    await saveCommandState(tx, publisherId, offerId, { attempt: decision.attempt, phase: decision.phase, correlationId });
    await notifyStatusChanged(tx, publisherId, offerId);
    const operation = await insertOperation(tx, {
      operationId: randomUUID(),
      publisherId,
      offerId,
      command: request.kind,
      attempt: decision.attempt,
      eventId: event.id,
      requestedBy: request.requestedBy,
    });
    return { kind: 'accepted', operation: operationOf(operation, view) };
  }
}
