import { Body, Controller, Get, HttpCode, Inject, Post, Query, UseGuards } from '@nestjs/common';
import { Access, AccessGuard, CurrentPrincipal, type Principal } from '@mkt/auth';
import { OperatorRequestError, UnitOfWork } from '@mkt/messaging';
import { DataSource } from 'typeorm';
import { listFailedMails, resendFailedMail } from '../persistence/mails';

const MAX_LIMIT = 500;
const MAX_IDS = 100;

function invalid(field: string, problem: string): OperatorRequestError {
  return new OperatorRequestError(400, 'validation-failed', `${field} ${problem}`, [{ field, problems: [problem] }]);
}

/** `owner@contoso.test` -> `o***@contoso.test`: enough to tell recipients apart, not to harvest them. */
export function maskRecipient(address: string): string {
  const at = address.lastIndexOf('@');
  if (at <= 0) return '***';
  return `${address[0]}***${address.slice(at)}`;
}

/** Every address in a text (an SMTP server's answer names the recipient) masked. */
export function maskAddresses(text: string): string {
  return text.replace(/[^\s<>"'(),;:]+@[A-Za-z0-9.-]+/g, maskRecipient);
}

/**
 * notification's own operator routes (beside libs/messaging's): mails given up on, and sending one again
 * with its original Message-ID, once per failure.
 */
@Controller(['operator/mails', 'api/operator/mails'])
@UseGuards(AccessGuard)
@Access('operator')
export class OperatorMailsController {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(UnitOfWork) private readonly unitOfWork: UnitOfWork,
  ) {}

  @Get('failed')
  async failed(@Query('offer') offer?: string, @Query('limit') rawLimit?: string) {
    if (offer !== undefined && !/^[a-z0-9][a-z0-9-]{0,49}\/[a-z0-9][a-z0-9-]{0,49}$/.test(offer)) throw invalid('offer', 'must be <publisherId>/<offerId>');
    const limit = rawLimit === undefined || rawLimit === '' ? 50 : Number(rawLimit);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw invalid('limit', `must be an integer from 1 to ${MAX_LIMIT}`);
    const mails = await listFailedMails(this.dataSource, { offer, limit });
    return {
      value: mails.map((m) => ({
        id: m.id,
        messageId: m.messageId,
        recipient: maskRecipient(m.recipient),
        eventType: m.eventType,
        subject: m.subject,
        attempt: m.attempt,
        tries: m.tries,
        lastError: m.lastError === null ? null : maskAddresses(m.lastError),
        failedAt: m.failedAt.toISOString(),
      })),
    };
  }

  @Post('resend')
  @HttpCode(200)
  async resend(@Body() body: unknown, @CurrentPrincipal() principal: Principal) {
    const ids = (body as { ids?: unknown } | undefined)?.ids;
    if (!Array.isArray(ids) || ids.length === 0 || ids.length > MAX_IDS) throw invalid('ids', `must be an array of 1 to ${MAX_IDS} mail ids`);
    const bad = ids.findIndex((id) => typeof id !== 'string' || !/^\d{1,18}$/.test(id));
    if (bad >= 0) throw invalid(`ids[${bad}]`, 'must be a mail id (digits, as listed)');
    const value = [];
    for (const id of new Set(ids as string[])) {
      const result = await this.unitOfWork.run((tx) => resendFailedMail(tx, id, principal.sub));
      if (result.outcome === 'not-found') value.push({ id, outcome: 'not-found', messageId: null, by: null, at: null, repeated: false });
      else if (result.outcome === 'not-failed') value.push({ id, outcome: 'not-failed', messageId: result.messageId, by: null, at: null, repeated: false });
      else
        value.push({
          id,
          outcome: 'resent',
          messageId: result.messageId,
          by: result.by,
          at: result.at.toISOString(),
          repeated: result.outcome === 'already-resent',
        });
    }
    return { value };
  }
}
