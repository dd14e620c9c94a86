import { Body, Controller, Get, Headers, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiOperation, ApiProperty, ApiPropertyOptional, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsOptional, IsString, Matches } from 'class-validator';
import { SignJWT } from 'jose';
import { negotiateLanguage, render } from '@mkt/messages';
import { PREREQUISITE_RULES, ruleMessageCode } from '@mkt/prerequisites';
import { developmentModeFromEnv } from '@mkt/messaging';
import { OFFER_API_CONFIG, type OfferApiConfig } from '../config';
import { ErrorDto } from './dto';
import { ApiError } from './errors';

const SLUG = /^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){0,49}$/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** The publishers the development picker offers (any other slug may be typed in). */
export const DEVELOPMENT_PUBLISHERS = ['contoso', 'fabrikam'];

export class DevelopmentTokenRequestDto {
  @ApiPropertyOptional({ description: 'A publisher token for this publisher' })
  @IsOptional()
  @IsString()
  @Matches(SLUG, { message: 'publisherId must be a lower-case slug' })
  publisherId?: string;

  @ApiPropertyOptional({ description: 'A customer token proving these subscriptions (GUIDs)', type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(10)
  @Matches(GUID, { each: true, message: 'each subscription id must be a GUID' })
  subscriptionIds?: string[];
}

export class DevelopmentTokenDto {
  @ApiProperty() token!: string;
  @ApiProperty() expiresIn!: number;
}

/**
 * What the portal needs from the API besides the publisher routes: the prerequisite rules as data (the validation
 * stage's, libs/events), and in development mode (DEVELOPMENT) a sign-in that mints tokens as scripts/token.js does.
 * Outside development mode the development routes are 404, as if they did not exist.
 */
@ApiTags('portal')
@Controller('api')
export class PortalController {
  constructor(@Inject(OFFER_API_CONFIG) private readonly config: OfferApiConfig) {}

  @Get('prerequisite-rules')
  @ApiOperation({ summary: 'The prerequisite rules the validation stage applies, as data (path, code, check, message)' })
  rules(@Headers('accept-language') acceptLanguage?: string) {
    const language = negotiateLanguage(acceptLanguage) ?? 'en';
    return {
      value: PREREQUISITE_RULES.map((rule) => ({
        path: rule.path,
        code: rule.code,
        check: rule.check.kind === 'pattern' ? { kind: 'pattern', pattern: rule.check.pattern.source, flags: rule.check.pattern.flags } : rule.check,
        messageCode: ruleMessageCode(rule),
        message: render(ruleMessageCode(rule), rule.params ?? {}, language),
        ...(rule.when ? { when: rule.when } : {}),
      })),
    };
  }

  @Get('development')
  @ApiOperation({ summary: 'Development mode only: the publishers the portal’s sign-in picker offers' })
  @ApiResponse({ status: 404, description: 'Not in development mode', type: ErrorDto })
  development() {
    this.requireDevelopment();
    return { development: true, publishers: DEVELOPMENT_PUBLISHERS };
  }

  @Post('development/token')
  @HttpCode(200)
  @ApiOperation({ summary: 'Development mode only: a bearer token for a publisher or for a customer with subscriptions (HS256, 12 hours)' })
  @ApiResponse({ status: 200, type: DevelopmentTokenDto })
  @ApiResponse({ status: 404, description: 'Not in development mode', type: ErrorDto })
  async token(@Body() body: DevelopmentTokenRequestDto): Promise<DevelopmentTokenDto> {
    this.requireDevelopment();
    const publisher = body?.publisherId;
    const subscriptions = body?.subscriptionIds;
    if ((publisher === undefined) === (subscriptions === undefined)) {
      throw new ApiError(400, 'validation-failed', 'give publisherId or subscriptionIds', {
        fields: [{ field: 'publisherId', problems: ['give exactly one of publisherId (a publisher) or subscriptionIds (a customer)'] }],
      });
    }
    const expiresIn = Math.min(12 * 3600, this.config.auth.maxTokenLifetimeSeconds);
    const claims = publisher ? { role: 'publisher', publisherId: publisher } : { role: 'customer', subscriptions: subscriptions!.map((s) => s.toLowerCase()) };
    const subject = publisher ? `${publisher}-user` : `customer-${subscriptions![0].toLowerCase()}`;
    let jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setSubject(subject).setIssuedAt().setExpirationTime(`${expiresIn}s`);
    if (this.config.auth.issuer) jwt = jwt.setIssuer(this.config.auth.issuer);
    if (this.config.auth.audience) jwt = jwt.setAudience(this.config.auth.audience);
    return { token: await jwt.sign(new TextEncoder().encode(this.config.auth.jwtSecret)), expiresIn };
  }

  /** 404 outside development mode, and where tokens come from a JWKS issuer (no secret to sign with). */
  private requireDevelopment(): void {
    if (!developmentModeFromEnv() || this.config.auth.jwksUrl || !this.config.auth.jwtSecret) throw new ApiError(404, 'not-found', 'no such route');
  }
}
