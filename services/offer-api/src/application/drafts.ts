import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { offerSubject, type OfferDraft } from '@mkt/events';
import { UnitOfWork } from '@mkt/messaging';
import { OFFER_API_CONFIG, type OfferApiConfig } from '../config';
import { decideDelete, decidePut } from '../domain/drafts';
import { exceededDraftLimits } from '../domain/limits';
import { exceededDraftQuotas } from '../domain/quotas';
import { displayedStatus } from '../domain/status-response';
import type { OfferStatus, StatusView } from '../domain/status-view';
import {
  deleteNeverPublishedOffer,
  findOffer,
  findOfferWithView,
  insertOffer,
  listOffers,
  updateOfferDraft,
  type OfferListRow,
  type OfferRow,
} from '../persistence/offers';
import { lockPublisherQuotas, publisherUsage } from '../persistence/quotas';
import { DraftSecrets } from './draft-secrets';
import { ApplicationError, draftTooLarge, notFound, quotaExceeded, refusal } from './errors';

/** An offer draft with its version (the ETag) and the status it shows. */
export interface Offer {
  id: string;
  publisherId: string;
  version: number;
  status: OfferStatus;
  attempt: number;
  draft: OfferDraft;
  createdTime: string;
  changedTime: string;
}

/** One line of "All offers". */
export interface OfferSummary {
  id: string;
  title: string | undefined;
  version: number;
  status: string;
  currentStep: string | null;
  attempt: number;
  changedTime: string;
  lastEventTime: string | null;
  /** The version in the public catalog: stays while a newer attempt runs, fails or is canceled. */
  live: { attempt: number; time: string | null } | null;
}

/** The live marker of a list row (from the view's columns, never the whole view). */
export function liveOf(row: Pick<OfferListRow, 'live_attempt' | 'live_time'>): { attempt: number; time: string | null } | null {
  return row.live_attempt === null || row.live_attempt === undefined ? null : { attempt: row.live_attempt, time: row.live_time };
}

function offerOf(row: OfferRow, view: StatusView | null | undefined): Offer {
  return {
    id: row.offer_id,
    publisherId: row.publisher_id,
    version: row.version,
    status: displayedStatus(row, view ?? undefined),
    attempt: row.attempt,
    draft: row.draft,
    createdTime: new Date(row.created_at).toISOString(),
    changedTime: new Date(row.updated_at).toISOString(),
  };
}

/** Publishers' drafts: list, read, create or update under ETag preconditions, delete while never published. */
@Injectable()
export class OfferDrafts {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(UnitOfWork) private readonly unitOfWork: UnitOfWork,
    @Inject(OFFER_API_CONFIG) private readonly config: OfferApiConfig,
    @Inject(DraftSecrets) private readonly secrets: DraftSecrets,
  ) {}

  /** One page of the publisher's offers in id order after `after`; `more` when another page follows. */
  async list(publisherId: string, options: { after?: string; limit: number; status?: string }): Promise<{ offers: OfferSummary[]; more: boolean }> {
    const rows = await listOffers(this.dataSource, publisherId, { ...options, limit: options.limit + 1 });
    return {
      offers: rows.slice(0, options.limit).map((row) => ({
        id: row.offer_id,
        title: row.title ?? undefined,
        version: row.version,
        status: row.status,
        currentStep: row.current_step,
        attempt: row.attempt,
        changedTime: new Date(row.updated_at).toISOString(),
        lastEventTime: row.last_event_time,
        live: liveOf(row),
      })),
      more: rows.length > options.limit,
    };
  }

  async get(publisherId: string, offerId: string): Promise<Offer> {
    const row = await findOffer(this.dataSource, publisherId, offerId);
    if (!row) throw notFound();
    const view = await findOfferWithView(this.dataSource, publisherId, offerId);
    return offerOf(row, view?.view);
  }

  /**
   * Creates or updates the draft as the preconditions (If-Match / If-None-Match) allow. Its secrets go to
   * the secret store (under the row lock, so that two PUTs do not race over which secrets are kept); the
   * ones the new draft no longer references are destroyed once it is saved.
   */
  async save(
    publisherId: string,
    offerId: string,
    draft: OfferDraft,
    preconditions: { match?: string; noneMatch?: string },
  ): Promise<{ offer: Offer; created: boolean }> {
    const exceeded = exceededDraftLimits(draft, this.config.draftLimits);
    if (exceeded.length) throw draftTooLarge(exceeded, 'too-large', 'the draft is too large');
    const stored: string[] = [];
    let dropped: string[] = [];
    const { row, created } = await this.unitOfWork
      .run(async (tx) => {
        await lockPublisherQuotas(tx, publisherId);
        const usageBefore = await publisherUsage(tx, publisherId);
        const current = await findOffer(tx, publisherId, offerId, { lock: true });
        const decision = decidePut(current, preconditions.match, preconditions.noneMatch);
        if (decision.action === 'refuse') throw refusal(decision);
        const secrets = await this.secrets.store(offerSubject(publisherId, offerId), draft, current?.draft);
        stored.push(...secrets.created);
        dropped = secrets.dropped;
        const written =
          decision.action === 'create'
            ? await insertOffer(tx, publisherId, offerId, secrets.draft)
            : await updateOfferDraft(tx, publisherId, offerId, secrets.draft, decision.expectedVersion);
        // lost a race with a concurrent create or update: the caller's precondition no longer holds
        if (!written) throw new ApplicationError('precondition-failed', 'precondition-failed', 'the offer was changed concurrently; read it again');
        // measured after the write, as stored; a refusal rolls the write back
        const exceeded = exceededDraftQuotas(usageBefore, await publisherUsage(tx, publisherId), this.config.quotas);
        if (exceeded.length) throw quotaExceeded(exceeded);
        return { row: written, created: decision.action === 'create' };
      })
      .catch(async (error: unknown) => {
        await this.secrets.destroy(stored);
        throw error;
      });
    await this.secrets.destroy(dropped);
    const view = await findOfferWithView(this.dataSource, publisherId, offerId);
    return { offer: offerOf(row, view?.view), created };
  }

  async delete(publisherId: string, offerId: string, ifMatch: string | undefined): Promise<void> {
    const deleted = await this.unitOfWork.run(async (tx) => {
      const current = await findOffer(tx, publisherId, offerId, { lock: true });
      if (!current) throw notFound();
      const decision = decideDelete(current, ifMatch);
      if (!decision.ok) throw refusal(decision);
      if (!(await deleteNeverPublishedOffer(tx, publisherId, offerId, current.version)))
        throw new ApplicationError('conflict', 'conflict', 'the offer changed while deleting it');
      return current.draft;
    });
    await this.secrets.destroyAllOf(deleted);
  }
}
