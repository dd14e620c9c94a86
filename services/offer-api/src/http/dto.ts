import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDefined, IsIn, IsObject, IsOptional, IsString, MaxLength, ValidateBy, ValidateNested, type ValidationOptions } from 'class-validator';
import { OfferDraft, PUBLISHING_STEPS, SUPPORTED_LANGUAGES } from '@mkt/events';
import { MESSAGE_LEVELS, OFFER_STATUSES, STEP_STATUSES } from '../domain/status-view';

/** A language refusal names the field and every supported language. */
function supportedLanguage(field: string): ValidationOptions {
  return { message: `${field} must be one of the supported languages: ${SUPPORTED_LANGUAGES.join(', ')}` };
}

/**
 * The draft body of PUT: the catalog's OfferDraft (its schema is generated into the OpenAPI document),
 * and a notification language only among the supported ones (the catalog's schema accepts any tag, so
 * that events written with an older list stay readable).
 */
export class OfferDraftDto extends OfferDraft {
  @IsOptional() @IsIn(SUPPORTED_LANGUAGES, supportedLanguage('notificationLanguage')) declare notificationLanguage?: string;
}

const MAX_EMAILS = 20;
const MAX_EMAIL_LENGTH = 320;

/** A comma-separated string (the Cloud Partner Portal form) or a list of addresses. */
function IsNotificationEmails(options?: ValidationOptions) {
  return ValidateBy(
    {
      name: 'isNotificationEmails',
      validator: {
        validate(value: unknown): boolean {
          const list =
            typeof value === 'string' ? value.split(/[,;]/) : Array.isArray(value) && value.every((v) => typeof v === 'string') ? (value as string[]) : null;
          if (!list) return false;
          const addresses = list
            .flatMap((v) => v.split(/[,;]/))
            .map((v) => v.trim())
            .filter(Boolean);
          return addresses.length >= 1 && addresses.length <= MAX_EMAILS && addresses.every((a) => a.length <= MAX_EMAIL_LENGTH);
        },
        defaultMessage: () =>
          `$property must be a comma-separated string or a list of 1 to ${MAX_EMAILS} e-mail addresses, each at most ${MAX_EMAIL_LENGTH} characters`,
      },
    },
    options,
  );
}

export class PublishMetadataDto {
  @ApiProperty({
    description: 'Where e-mails about this attempt go: comma-separated (as in the Cloud Partner Portal) or a list',
    oneOf: [
      { type: 'string', example: 'a@x.com,b@y.com' },
      { type: 'array', items: { type: 'string' } },
    ],
  })
  @IsDefined()
  @IsNotificationEmails()
  'notification-emails'!: string | string[];
}

export class PublishRequestDto {
  @ApiProperty({ type: PublishMetadataDto })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => PublishMetadataDto)
  metadata!: PublishMetadataDto;

  @ApiPropertyOptional({ enum: SUPPORTED_LANGUAGES, description: "Language of the e-mails; the draft's notificationLanguage or English when absent" })
  @IsOptional()
  @IsIn(SUPPORTED_LANGUAGES, supportedLanguage('language'))
  language?: string;
}

export class CancelRequestDto {
  @ApiPropertyOptional({ maxLength: 2000 })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  reason?: string;
}

export class GoLiveRequestDto {}

// ---------------------------------------------------------------------------------------------
// Responses (documentation only)

export class ErrorFieldDto {
  @ApiProperty({ example: 'plans[0].id' }) field!: string;
  @ApiProperty({ type: [String] }) problems!: string[];
}

export class ErrorDto {
  @ApiProperty({ example: 409 }) statusCode!: number;
  @ApiProperty({ example: 'cancel-not-allowed' }) code!: string;
  @ApiProperty({ example: 'cancel is possible only at publisher sign-off; the offer is in certification' }) message!: string;
  @ApiPropertyOptional({ type: [ErrorFieldDto] }) fields?: ErrorFieldDto[];
}

export class OfferDto {
  @ApiProperty() id!: string;
  @ApiProperty() publisherId!: string;
  @ApiProperty({ description: 'Also the ETag' }) version!: number;
  @ApiProperty({ enum: OFFER_STATUSES }) status!: string;
  @ApiProperty({ description: 'Latest publishing attempt (0 when never published)' }) attempt!: number;
  @ApiProperty({ description: 'The OfferDraft', type: 'object', additionalProperties: true }) draft!: Record<string, unknown>;
  @ApiProperty() createdTime!: string;
  @ApiProperty() changedTime!: string;
}

export class LiveMarkerDto {
  @ApiProperty({ description: 'The attempt that went live' }) attempt!: number;
  @ApiProperty({ description: 'When it went live' }) time!: string;
}

export class LiveVersionDto extends LiveMarkerDto {
  @ApiProperty() catalogUrl!: string;
}

export class OfferSummaryDto {
  @ApiProperty() id!: string;
  @ApiPropertyOptional() title?: string;
  @ApiProperty() version!: number;
  @ApiProperty({ enum: OFFER_STATUSES }) status!: string;
  @ApiPropertyOptional({ nullable: true }) currentStep!: string | null;
  @ApiProperty() attempt!: number;
  @ApiProperty() statusLink!: string;
  @ApiProperty() changedTime!: string;
  @ApiProperty({ nullable: true, description: 'Time of the last event of the attempt' }) lastEventTime!: string | null;
  @ApiProperty({
    type: LiveMarkerDto,
    nullable: true,
    description: "The version in the public catalog: stays while a newer attempt runs, fails or is canceled (status is the latest attempt's)",
  })
  live!: LiveMarkerDto | null;
}

export class OfferListDto {
  @ApiProperty({ type: [OfferSummaryDto] }) value!: OfferSummaryDto[];
  @ApiPropertyOptional({ nullable: true, description: 'URL of the next page' }) nextLink!: string | null;
}

export class StepMessageDto {
  @ApiProperty({ enum: MESSAGE_LEVELS, description: 'As in the Cloud Partner Portal' }) level!: string;
  @ApiProperty() text!: string;
  @ApiProperty() messageHtml!: string;
  @ApiProperty() timestamp!: string;
  @ApiPropertyOptional() code?: string;
  @ApiPropertyOptional({ description: 'Offer field path for validation messages' }) field?: string;
}

export class AttemptMessageDto extends StepMessageDto {
  @ApiProperty({ enum: PUBLISHING_STEPS.map((s) => s.id), description: 'The step the message is about' }) step!: string;
}

export class StepDto {
  @ApiProperty() id!: string;
  @ApiProperty() stepName!: string;
  @ApiProperty() description!: string;
  @ApiProperty({ enum: STEP_STATUSES }) status!: string;
  @ApiProperty() estimatedTimeFrame!: string;
  @ApiProperty({ nullable: true }) startTime!: string | null;
  @ApiProperty({ nullable: true }) endTime!: string | null;
  @ApiProperty() progressPercentage!: number;
  @ApiProperty({ type: [StepMessageDto] }) messages!: StepMessageDto[];
}

export class LinkDto {
  @ApiProperty() displayText!: string;
  @ApiProperty() uri!: string;
}

export class NotificationDto {
  @ApiProperty() aboutEventId!: string;
  @ApiProperty() aboutEventType!: string;
  @ApiProperty({ enum: ['sent', 'failed'] }) status!: string;
  @ApiProperty({ type: [String] }) recipients!: string[];
  @ApiProperty({ nullable: true }) subject!: string | null;
  @ApiProperty({ nullable: true }) reason!: string | null;
  @ApiProperty() timestamp!: string;
}

export class StatusDto {
  @ApiProperty() publisherId!: string;
  @ApiProperty() offerId!: string;
  @ApiProperty({ enum: OFFER_STATUSES }) status!: string;
  @ApiProperty() attempt!: number;
  @ApiProperty({ type: [AttemptMessageDto], description: "The attempt's messages (why it failed or was canceled); each step also has its own" })
  messages!: AttemptMessageDto[];
  @ApiProperty({ type: [StepDto] }) steps!: StepDto[];
  @ApiProperty({
    type: LiveVersionDto,
    nullable: true,
    description: 'The version in the public catalog: stays while a newer attempt runs, fails or is canceled',
  })
  live!: LiveVersionDto | null;
  @ApiProperty({ type: [LinkDto] }) previewLinks!: LinkDto[];
  @ApiProperty({ type: [LinkDto] }) liveLinks!: LinkDto[];
  @ApiProperty({ description: 'Comma-separated' }) notificationEmails!: string;
  @ApiProperty({ type: [NotificationDto] }) notifications!: NotificationDto[];
  @ApiProperty({ nullable: true }) submittedBy!: string | null;
  @ApiProperty({ nullable: true }) submittedTime!: string | null;
  @ApiProperty({ nullable: true }) lastEventTime!: string | null;
}

export class OperationDto {
  @ApiProperty() id!: string;
  @ApiProperty({ enum: ['publish', 'golive', 'cancel'] }) command!: string;
  @ApiProperty() publisherId!: string;
  @ApiProperty() offerId!: string;
  @ApiProperty() attempt!: number;
  @ApiProperty({ enum: ['notStarted', 'running', 'waitingForPublisherReview', 'succeeded', 'failed', 'canceled'] }) status!: string;
  @ApiProperty() eventId!: string;
  @ApiProperty() requestedBy!: string;
  @ApiProperty() createdTime!: string;
}

export class OperationListDto {
  @ApiProperty({ type: [OperationDto] }) value!: OperationDto[];
}

export class HistoryEventDto {
  @ApiProperty() id!: string;
  @ApiProperty() type!: string;
  @ApiProperty() schemaVersion!: number;
  @ApiProperty() attempt!: number;
  @ApiProperty() time!: string;
  @ApiProperty() source!: string;
  @ApiProperty() correlationId!: string;
  @ApiProperty({ nullable: true }) causationId!: string | null;
  @ApiProperty({ description: 'applied, or ignored (older attempt, attempt over)' }) outcome!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) data!: Record<string, unknown>;
  @ApiPropertyOptional({ description: 'Operator view only' }) partition?: number;
  @ApiPropertyOptional({ description: 'Operator view only' }) offset?: string;
}

export class HistoryPageDto {
  @ApiProperty({ type: [HistoryEventDto] }) value!: HistoryEventDto[];
  @ApiPropertyOptional({ nullable: true }) nextLink!: string | null;
}

export class CatalogEntryDto {
  @ApiProperty() publisherId!: string;
  @ApiProperty() offerId!: string;
  @ApiPropertyOptional({ nullable: true }) title!: string | null;
  @ApiPropertyOptional({ nullable: true }) summary!: string | null;
  @ApiProperty() catalogUrl!: string;
  @ApiProperty() pageLink!: string;
  @ApiProperty() liveSince!: string;
}

export class CatalogPageDto {
  @ApiProperty({ type: [CatalogEntryDto] }) value!: CatalogEntryDto[];
  @ApiPropertyOptional({ nullable: true }) nextLink!: string | null;
}
