import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsEmail,
  IsIn,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { defineEvent, type EventDefinition } from '../catalog';
import type { Envelope } from '../envelope';
import { OfferDraft } from './draft';
import { withoutPlainSecrets } from './secret-fields';

const TEXT = 2_000;
const LIST = 10_000;

/**
 * Events that list problems or checks list the first MAX_LISTED and count the rest (`more...`), so that
 * one publisher's enormous draft cannot make an event the broker refuses.
 */
export const MAX_LISTED = 100;

/** The first `max` items and how many were left out. */
export function capList<T>(items: readonly T[], max = MAX_LISTED): { listed: T[]; more: number } {
  return { listed: items.slice(0, max), more: Math.max(0, items.length - max) };
}

// ---------------------------------------------------------------------------------------------
// Shared parts

/** One field of the submitted offer that fails a prerequisite rule. */
export class FieldProblem {
  /** Path into the offer, e.g. `plans[0].imageVersions[1].osDiskUrl`. */
  @IsString() @MaxLength(TEXT) path!: string;
  /** Stable machine-readable code, e.g. `required`, `too-long`, `invalid-url`. */
  @IsString() @MaxLength(100) code!: string;
  /** What the publisher should do, in plain words (English; `messageCode` renders it in any language). */
  @IsString() @MaxLength(TEXT) message!: string;
  /** Code of the message in the catalogues of libs/messages, e.g. `validation.title.required` (v2). */
  @IsOptional() @IsString() @MaxLength(200) messageCode?: string;
  /** The parameters of the message (docs/messages.md). */
  @IsOptional() @IsObject() params?: Record<string, string | number>;
}

/** The outcome of one certification check of one disk. */
export class CertificationCheck {
  @IsString() @MaxLength(200) planId!: string;
  @IsString() @MaxLength(200) imageVersion!: string;
  /** `os` or `data-<n>`. */
  @IsString() @MaxLength(50) disk!: string;
  /** Check id, e.g. `sas-expiry`, `vhd-cookie`, `vhd-checksum`. */
  @IsString() @MaxLength(100) check!: string;
  @IsBoolean() passed!: boolean;
  /** English text of the outcome; `messageCode` renders it in any language. */
  @IsString() @MaxLength(TEXT) message!: string;
  /** Code of the message in the catalogues of libs/messages, e.g. `certification.sas-expiry.expired` (v2). */
  @IsOptional() @IsString() @MaxLength(200) messageCode?: string;
  /** The parameters of the message (docs/messages.md). */
  @IsOptional() @IsObject() params?: Record<string, string | number>;
}

export class RegionReplication {
  @IsString() @MaxLength(100) region!: string;
  @IsIn(['replicated', 'failed']) status!: 'replicated' | 'failed';
  @IsInt() @Min(0) tries!: number;
  /** English text; `reasonCode` renders it in any language. */
  @IsOptional() @IsString() @MaxLength(TEXT) reason?: string;
  /** Code of the reason in the catalogues of libs/messages (v2). */
  @IsOptional() @IsString() @MaxLength(200) reasonCode?: string;
  /** The parameters of the message (docs/messages.md). */
  @IsOptional() @IsObject() params?: Record<string, string | number>;
}

/** Why a stage failed, and what the publisher should do about it. */
export class StageFailure {
  @IsString() @MaxLength(100) code!: string;
  /** English texts; `reasonCode` and `actionCode` render them in any language (with `params`). */
  @IsString() @MaxLength(TEXT) reason!: string;
  @IsString() @MaxLength(TEXT) action!: string;
  /** Codes in the catalogues of libs/messages (v2), e.g. `lead.endpoint-refused`, `lead-action.check-server`. */
  @IsOptional() @IsString() @MaxLength(200) reasonCode?: string;
  @IsOptional() @IsString() @MaxLength(200) actionCode?: string;
  /** The parameters of the message (docs/messages.md). */
  @IsOptional() @IsObject() params?: Record<string, string | number>;
}

// ---------------------------------------------------------------------------------------------
// Publisher commands (emitted by offer-api)

/** v3: the secrets of the offer are references (offer/secret-fields.ts); v2 carried them as given. */
export class OfferSubmittedV3 {
  @IsString() @MinLength(1) @MaxLength(200) publisherId!: string;
  @IsString() @MinLength(1) @MaxLength(200) offerId!: string;
  /** Where e-mails about this attempt go. */
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @MaxLength(320, { each: true })
  notificationEmails!: string[];
  /** Language of the e-mails (BCP 47), `en` when not chosen. */
  @IsString() @MaxLength(16) language!: string;
  /** Who clicked Publish (token subject). */
  @IsString() @MaxLength(200) submittedBy!: string;
  /** The offer exactly as it was when Publish was clicked. */
  @IsObject() @ValidateNested() @Type(() => OfferDraft) offer!: OfferDraft;
}

export class GoLiveRequestedV1 {
  @IsString() @MaxLength(200) requestedBy!: string;
}

export class PublishCanceledV1 {
  @IsString() @MaxLength(200) canceledBy!: string;
  @IsOptional() @IsString() @MaxLength(TEXT) reason?: string;
}

// ---------------------------------------------------------------------------------------------
// Stage events

export class PrerequisitesValidatedV1 {
  @IsInt() @Min(0) rulesChecked!: number;
}

export class PrerequisitesRejectedV2 {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(LIST)
  @ValidateNested({ each: true })
  @Type(() => FieldProblem)
  problems!: FieldProblem[];
  /** Problems found beyond those listed. */
  @IsOptional() @IsInt() @Min(0) moreProblems?: number;
}

export class CertificationStartedV1 {
  @IsInt() @Min(0) disks!: number;
}

export class CertificationPassedV2 {
  @IsArray()
  @ArrayMaxSize(LIST)
  @ValidateNested({ each: true })
  @Type(() => CertificationCheck)
  checks!: CertificationCheck[];
  /** Checks run beyond those listed. */
  @IsOptional() @IsInt() @Min(0) moreChecks?: number;
}

export class CertificationFailedV2 {
  /** Only the failed checks, each with what to fix. */
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(LIST)
  @ValidateNested({ each: true })
  @Type(() => CertificationCheck)
  failures!: CertificationCheck[];
  /** Failed checks beyond those listed. */
  @IsOptional() @IsInt() @Min(0) moreFailures?: number;
  @IsInt() @Min(0) checksRun!: number;
}

export class ReplicationStartedV1 {
  @IsInt() @Min(0) images!: number;
  @IsInt() @Min(0) regions!: number;
}

export class ImageReplicationProgressedV1 {
  @IsInt() @Min(0) regionsDone!: number;
  @IsInt() @Min(0) regionsTotal!: number;
  @IsNumber() @Min(0) @Max(100) percentage!: number;
}

export class ImagesReplicatedV2 {
  @IsArray()
  @ArrayMaxSize(LIST)
  @ValidateNested({ each: true })
  @Type(() => RegionReplication)
  regions!: RegionReplication[];
}

export class ReplicationFailedV2 {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(LIST)
  @ValidateNested({ each: true })
  @Type(() => RegionReplication)
  failedRegions!: RegionReplication[];
  @IsInt() @Min(0) regionsReplicated!: number;
}

export class PackagingStartedV1 {
  @IsBoolean() leadGeneration!: boolean;
}

export class TestLeadResult {
  @IsIn(['https', 'azure-table']) destination!: 'https' | 'azure-table';
  @IsString() @MaxLength(200) leadId!: string;
}

export class PreviewReadyV1 {
  /** Where the allow-listed subscriptions see the preview (offer-api route). */
  @IsString() @MaxLength(TEXT) previewUrl!: string;
  /** Content hash of the rendered product page. */
  @IsString() @MaxLength(200) productPageHash!: string;
  /** The rendered, sanitised product page (offer-api serves it as the preview, then in the catalog). */
  @IsString() @MaxLength(500_000) productPageHtml!: string;
  @IsOptional() @ValidateNested() @Type(() => TestLeadResult) testLead?: TestLeadResult;
}

export class PackagingFailedV2 extends StageFailure {}

export class WentLiveV1 {
  @IsString() @MaxLength(TEXT) catalogUrl!: string;
}

export class GoLiveFailedV2 extends StageFailure {}

// ---------------------------------------------------------------------------------------------
// Notification service

export class NotificationSentV1 {
  /** The event the e-mail is about. */
  @IsString() @MaxLength(200) aboutEventId!: string;
  @IsString() @MaxLength(100) aboutEventType!: string;
  @IsEmail({}, { each: true }) @ArrayMaxSize(20) recipients!: string[];
  @IsString() @MaxLength(998) messageId!: string;
  @IsString() @MaxLength(998) subject!: string;
  @IsString() @MaxLength(16) language!: string;
}

export class NotificationFailedV1 {
  @IsString() @MaxLength(200) aboutEventId!: string;
  @IsString() @MaxLength(100) aboutEventType!: string;
  @IsArray() @ArrayMaxSize(20) @IsString({ each: true }) recipients!: string[];
  @IsString() @MaxLength(TEXT) reason!: string;
  @IsInt() @Min(1) tries!: number;
}

// ---------------------------------------------------------------------------------------------
// The catalog

/** v1 carried the Cloud Partner Portal form: one comma-separated string, no language. */
function offerSubmittedV1toV2(v1: Record<string, unknown>): Record<string, unknown> {
  const { notificationEmails, ...rest } = v1;
  const emails =
    typeof notificationEmails === 'string'
      ? notificationEmails
          .split(/[,;]/)
          .map((e) => e.trim())
          .filter((e) => e.length > 0)
      : notificationEmails;
  return { ...rest, notificationEmails: emails, language: 'en' };
}

/**
 * v2 carried the offer's secrets as the publisher gave them. Read now, they are dropped and marked
 * unavailable: nothing read from the log (projections, replays, operator views) sees them again.
 */
function offerSubmittedV2toV3(v2: Record<string, unknown>): Record<string, unknown> {
  return { ...v2, offer: withoutPlainSecrets(v2.offer) };
}

/**
 * v2 of the events that list problems, checks, regions or a stage failure: each message also carries its
 * code and parameters (libs/messages renders them per language). Messages written at v1 have only their
 * English text; they are given the code `text` (rendered as the text itself) so that readers always
 * find a code.
 */
function withTextCode(item: unknown, textField: string, codeField: string): unknown {
  if (item === null || typeof item !== 'object') return item;
  const record = item as Record<string, unknown>;
  if (record[codeField] !== undefined || typeof record[textField] !== 'string') return item;
  return { ...record, [codeField]: 'text', params: { text: record[textField] } };
}

function listWithTextCodes(list: string, textField: string, codeField: string) {
  return (v1: Record<string, unknown>): Record<string, unknown> =>
    Array.isArray(v1[list]) ? { ...v1, [list]: (v1[list] as unknown[]).map((item) => withTextCode(item, textField, codeField)) } : v1;
}

function stageFailureWithTextCodes(v1: Record<string, unknown>): Record<string, unknown> {
  if (v1.reasonCode !== undefined) return v1;
  return { ...v1, reasonCode: 'text', actionCode: 'text.action', params: { text: String(v1.reason ?? ''), action: String(v1.action ?? '') } };
}

export const OfferEventDefinitions = {
  OfferSubmitted: defineEvent({
    type: 'OfferSubmitted',
    version: 3,
    schema: OfferSubmittedV3,
    upcasters: { 1: offerSubmittedV1toV2, 2: offerSubmittedV2toV3 },
  }),
  PrerequisitesValidated: defineEvent({ type: 'PrerequisitesValidated', version: 1, schema: PrerequisitesValidatedV1 }),
  PrerequisitesRejected: defineEvent({
    type: 'PrerequisitesRejected',
    version: 2,
    schema: PrerequisitesRejectedV2,
    upcasters: { 1: listWithTextCodes('problems', 'message', 'messageCode') },
  }),
  CertificationStarted: defineEvent({ type: 'CertificationStarted', version: 1, schema: CertificationStartedV1 }),
  CertificationPassed: defineEvent({
    type: 'CertificationPassed',
    version: 2,
    schema: CertificationPassedV2,
    upcasters: { 1: listWithTextCodes('checks', 'message', 'messageCode') },
  }),
  CertificationFailed: defineEvent({
    type: 'CertificationFailed',
    version: 2,
    schema: CertificationFailedV2,
    upcasters: { 1: listWithTextCodes('failures', 'message', 'messageCode') },
  }),
  ReplicationStarted: defineEvent({ type: 'ReplicationStarted', version: 1, schema: ReplicationStartedV1 }),
  ImageReplicationProgressed: defineEvent({ type: 'ImageReplicationProgressed', version: 1, schema: ImageReplicationProgressedV1 }),
  ImagesReplicated: defineEvent({
    type: 'ImagesReplicated',
    version: 2,
    schema: ImagesReplicatedV2,
    upcasters: { 1: listWithTextCodes('regions', 'reason', 'reasonCode') },
  }),
  ReplicationFailed: defineEvent({
    type: 'ReplicationFailed',
    version: 2,
    schema: ReplicationFailedV2,
    upcasters: { 1: listWithTextCodes('failedRegions', 'reason', 'reasonCode') },
  }),
  PackagingStarted: defineEvent({ type: 'PackagingStarted', version: 1, schema: PackagingStartedV1 }),
  PreviewReady: defineEvent({ type: 'PreviewReady', version: 1, schema: PreviewReadyV1 }),
  PackagingFailed: defineEvent({ type: 'PackagingFailed', version: 2, schema: PackagingFailedV2, upcasters: { 1: stageFailureWithTextCodes } }),
  GoLiveRequested: defineEvent({ type: 'GoLiveRequested', version: 1, schema: GoLiveRequestedV1 }),
  WentLive: defineEvent({ type: 'WentLive', version: 1, schema: WentLiveV1 }),
  GoLiveFailed: defineEvent({ type: 'GoLiveFailed', version: 2, schema: GoLiveFailedV2, upcasters: { 1: stageFailureWithTextCodes } }),
  PublishCanceled: defineEvent({ type: 'PublishCanceled', version: 1, schema: PublishCanceledV1 }),
  NotificationSent: defineEvent({ type: 'NotificationSent', version: 1, schema: NotificationSentV1 }),
  NotificationFailed: defineEvent({ type: 'NotificationFailed', version: 1, schema: NotificationFailedV1 }),
} as const satisfies Record<string, EventDefinition>;

type Definitions = typeof OfferEventDefinitions;
export type OfferEventType = keyof Definitions;
export type OfferEventData<T extends OfferEventType> = Definitions[T] extends EventDefinition<string, infer D> ? D : never;

/** An event of the offer aggregate with its envelope; narrow it on `type`. */
export type OfferEventOf<T extends OfferEventType> = Envelope<T, OfferEventData<T>>;
export type OfferEvent = { [T in OfferEventType]: OfferEventOf<T> }[OfferEventType];

/** An event a pure `decide` function returns: type and data, the envelope is added by the adapter. */
export type OfferEventDraft = { [T in OfferEventType]: { type: T; data: OfferEventData<T> } }[OfferEventType];

export const OFFER_EVENT_TYPES = Object.keys(OfferEventDefinitions) as OfferEventType[];

/**
 * The end of a switch over event types that names every type (handled, or ignored on purpose): its
 * argument is `never` only when no type is left, so adding a type to the catalog fails to compile at
 * every switch that has not decided what to do with it. Reached at run time only by a value outside the
 * catalog.
 */
export function unhandledEvent(event: never, where: string): never {
  throw new Error(`${where}: no case for event type ${JSON.stringify((event as { type?: unknown } | null)?.type)}`);
}

export function isOfferEventType(type: string): type is OfferEventType {
  return Object.prototype.hasOwnProperty.call(OfferEventDefinitions, type);
}
