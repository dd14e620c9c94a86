import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsInt, IsObject, IsOptional, IsString, Max, MaxLength, Min, ValidateNested } from 'class-validator';

/**
 * The offer draft as a publisher edits it and as OfferSubmitted snapshots it.
 *
 * This schema only fixes the *shape* and hard size bounds (so nothing unbounded is stored or sent).
 * Whether a field is required, and its business limits, is the validation stage's rule set:
 * a draft may be incomplete, a submitted offer is judged by those rules.
 */
export const LEAD_DESTINATION_TYPES = ['none', 'https', 'azure-table'] as const;
export type LeadDestinationType = (typeof LEAD_DESTINATION_TYPES)[number];

export const OS_FAMILIES = ['Linux', 'Windows'] as const;
export const SUPPORTED_LANGUAGES = ['en', 'pt-BR', 'it'] as const;

const TEXT = 200;
const LONG_TEXT = 10_000;
const URL_LENGTH = 4_096;
const LIST = 100;

export class Logos {
  @IsOptional() @IsString() @MaxLength(URL_LENGTH) small?: string;
  @IsOptional() @IsString() @MaxLength(URL_LENGTH) medium?: string;
  @IsOptional() @IsString() @MaxLength(URL_LENGTH) large?: string;
  @IsOptional() @IsString() @MaxLength(URL_LENGTH) wide?: string;
}

export class Contact {
  @IsOptional() @IsString() @MaxLength(TEXT) name?: string;
  @IsOptional() @IsString() @MaxLength(TEXT) email?: string;
  @IsOptional() @IsString() @MaxLength(TEXT) phone?: string;
}

export class HttpsLeadEndpoint {
  @IsOptional() @IsString() @MaxLength(URL_LENGTH) url?: string;
  /** Sent as the Authorization header of the lead POST. */
  @IsOptional() @IsString() @MaxLength(TEXT * 10) authorization?: string;
}

export class AzureTableLeadTarget {
  @IsOptional() @IsString() @MaxLength(URL_LENGTH) connectionString?: string;
  @IsOptional() @IsString() @MaxLength(TEXT) tableName?: string;
}

export class LeadDestination {
  @IsIn(LEAD_DESTINATION_TYPES) type!: LeadDestinationType;
  @IsOptional() @ValidateNested() @Type(() => HttpsLeadEndpoint) https?: HttpsLeadEndpoint;
  @IsOptional() @ValidateNested() @Type(() => AzureTableLeadTarget) azureTable?: AzureTableLeadTarget;
}

export class OpenPort {
  @IsOptional() @IsString() @MaxLength(TEXT) name?: string;
  @IsInt() @Min(1) @Max(65_535) port!: number;
  @IsOptional() @IsIn(['TCP', 'UDP']) protocol?: 'TCP' | 'UDP';
}

export class ImageVersion {
  @IsString() @MaxLength(TEXT) version!: string;
  @IsOptional() @IsString() @MaxLength(URL_LENGTH) osDiskUrl?: string;
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(16)
  @IsString({ each: true })
  @MaxLength(URL_LENGTH, { each: true })
  dataDiskUrls?: string[];
}

export class Plan {
  @IsString() @MaxLength(TEXT) id!: string;
  @IsOptional() @IsString() @MaxLength(TEXT) title?: string;
  @IsOptional() @IsString() @MaxLength(LONG_TEXT) summary?: string;
  @IsOptional() @IsString() @MaxLength(TEXT) osFamily?: string;
  @IsOptional() @IsString() @MaxLength(TEXT) osName?: string;
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(LIST)
  @IsString({ each: true })
  @MaxLength(TEXT, { each: true })
  recommendedVmSizes?: string[];
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(LIST)
  @ValidateNested({ each: true })
  @Type(() => OpenPort)
  openPorts?: OpenPort[];
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(LIST)
  @ValidateNested({ each: true })
  @Type(() => ImageVersion)
  imageVersions?: ImageVersion[];
}

export class OfferDraft {
  @IsOptional() @IsString() @MaxLength(TEXT) title?: string;
  @IsOptional() @IsString() @MaxLength(LONG_TEXT) summary?: string;
  @IsOptional() @IsString() @MaxLength(LONG_TEXT * 5) description?: string;
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(LIST)
  @IsString({ each: true })
  @MaxLength(TEXT, { each: true })
  categories?: string[];
  @IsOptional() @IsObject() @ValidateNested() @Type(() => Logos) logos?: Logos;
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(LIST)
  @IsString({ each: true })
  @MaxLength(URL_LENGTH, { each: true })
  screenshots?: string[];
  @IsOptional() @IsString() @MaxLength(URL_LENGTH) privacyPolicyUrl?: string;
  @IsOptional() @IsString() @MaxLength(LONG_TEXT * 5) termsOfUse?: string;
  @IsOptional() @IsObject() @ValidateNested() @Type(() => Contact) supportContact?: Contact;
  @IsOptional() @IsObject() @ValidateNested() @Type(() => Contact) engineeringContact?: Contact;
  @IsOptional() @IsObject() @ValidateNested() @Type(() => LeadDestination) leadDestination?: LeadDestination;
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(LIST)
  @IsString({ each: true })
  @MaxLength(TEXT, { each: true })
  previewSubscriptionIds?: string[];
  @IsOptional() @IsArray() @ArrayMaxSize(LIST) @ValidateNested({ each: true }) @Type(() => Plan) plans?: Plan[];
  /** Language of the e-mails about this offer; English when absent or unsupported. */
  @IsOptional() @IsString() @MaxLength(16) notificationLanguage?: string;
}
