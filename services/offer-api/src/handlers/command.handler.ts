import { createHash, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { fromDraft, offerSubject, type OfferDraft } from '@mkt/events';
import { MessagingRuntime, UnitOfWork, type Tx } from '@mkt/messaging';
import { API_VERSION, type OfferApiConfig } from '../config';
import { decide, describeState, type OfferCommand } from '../domain/commands';
import { operationStatus } from '../domain/operations';
import type { StatusView } from '../domain/status-view';
import { exceededDraftLimits, inspectJson } from '../domain/limits';
import { OFFER_API_CONFIG } from '../http/auth';
import { ApiError, draftTooLarge, notFound } from '../http/errors';
import { claimIdempotencyKey, storeIdempotentResponse, type StoredResponse } from '../persistence/idempotency';
import { findOffer, findStatusView, saveCommandState } from '../persistence/offers';

/** A command as the route received it; Publish's draft snapshot is taken under the row lock. */
export type CommandRequest =
  | { kind: 'publish'; requestedBy: string; notificationEmails: string[]; language?: string }
  | { kind: 'golive'; requestedBy: string }
  | { kind: 'cancel'; requestedBy: string; reason?: string };

export interface OperationRow {
  operation_id: string;
  publisher_id: string;
  offer_id: string;
  command: OfferCommand['kind'];
  attempt: number;
  event_id: string;
  requested_by: string;
  created_at: Date | string;
}

export function operationLocation(publisherId: string, offerId: string, operationId: string): string {
  return `/api/publishers/${publisherId}/offers/${offerId}/operations/${operationId}?api-version=${API_VERSION}`;
}

export function operationBody(row: OperationRow, view: StatusView | undefined) {
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
 * the same transaction as the command state, the operation and the Idempotency-Key's stored response.
 */
@Injectable()
export class CommandHandler {
  constructor(
    @Inject(UnitOfWork) private readonly unitOfWork: UnitOfWork,
    @Inject(MessagingRuntime) private readonly runtime: MessagingRuntime,
    @Inject(OFFER_API_CONFIG) private readonly config: OfferApiConfig,
  ) {}

  async execute(publisherId: string, offerId: string, request: CommandRequest, idempotencyKey?: string): Promise<StoredResponse> {
    const scope = offerSubject(publisherId, offerId);
    const { requestedBy: _by, ...significant } = request;
    const fingerprint = createHash('sha256').update(JSON.stringify(significant)).digest('hex');
    return this.unitOfWork.run(async (tx) => {
      if (idempotencyKey) {
        const claim = await claimIdempotencyKey(tx, scope, idempotencyKey, fingerprint);
        if (claim.kind === 'replay') return { ...claim.response, headers: { ...claim.response.headers, 'idempotent-replayed': 'true' } };
        if (claim.kind === 'mismatch') {
          throw new ApiError(422, 'idempotency-key-reused', 'this Idempotency-Key was already used for a different request on this offer');
        }
      }
      const response = await this.decideAndRecord(tx, publisherId, offerId, request);
      if (idempotencyKey) await storeIdempotentResponse(tx, scope, idempotencyKey, response);
      return response;
    });
  }

  /**
   * The draft as OfferSubmitted will carry it must be within today's limits: it was stored under the
   * limits of its day (or before some rules existed), and every stage would work from it.
   */
  private checkSnapshot(draft: OfferDraft): void {
    const exceeded = exceededDraftLimits(draft, this.config.draftLimits);
    if (exceeded.length) throw draftTooLarge(exceeded, 409, 'the draft is too large to publish; make it smaller with PUT first');
    const inspection = inspectJson(draft, this.config.maxJsonDepth);
    if (!inspection.ok) {
      const fields = 'tooDeep' in inspection ? [{ field: inspection.tooDeep, problems: ['is nested too deeply'] }] : inspection.fields;
      throw new ApiError(409, 'draft-not-publishable', 'the draft has values that cannot be published; correct them with PUT first', { fields });
    }
  }

  private async decideAndRecord(tx: Tx, publisherId: string, offerId: string, request: CommandRequest): Promise<StoredResponse> {
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
    if (!decision.accepted) {
      return { status: 409, headers: {}, body: { statusCode: 409, code: decision.code, message: decision.reason, state: describeState(state) } };
    }
    if (command.kind === 'publish') this.checkSnapshot(command.draft);
    const correlationId = decision.newAttempt ? randomUUID() : (offer.correlation_id ?? randomUUID());
    const event = fromDraft(
      decision.event,
      { subject: offerSubject(publisherId, offerId), attempt: decision.attempt, correlationId, causationId: null },
      { source: this.runtime.source },
    );
    tx.emit(event);
    await saveCommandState(tx, publisherId, offerId, { attempt: decision.attempt, phase: decision.phase, correlationId });
    const [operation] = await tx.query<OperationRow>(
      `INSERT INTO operations (operation_id, publisher_id, offer_id, command, attempt, event_id, requested_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
      [randomUUID(), publisherId, offerId, request.kind, decision.attempt, event.id, request.requestedBy],
    );
    return {
      status: 202,
      headers: { 'operation-location': operationLocation(publisherId, offerId, operation.operation_id) },
      body: operationBody(operation, view),
    };
  }
}
