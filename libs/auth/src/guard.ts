import { createParamDecorator, HttpException, Inject, Injectable, SetMetadata, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { TokenVerifier, type Principal } from './verifier';

/** Error responses of the guard: the `{ statusCode, code, message }` body every service answers with. */
export class AuthError extends HttpException {
  constructor(status: 401 | 403, code: string, message: string) {
    super({ statusCode: status, code, message }, status);
  }
}

/**
 * What a route needs. `operator` is the one level every service knows (the default of a guarded route
 * without `@Access`); a service may define more (offer-api: read, write, preview) and check them in its
 * own guard (see AccessGuard.authorize).
 */
export type AccessLevel = string;
const ACCESS = 'mkt-auth:access';

export const Access = (level: AccessLevel) => SetMetadata(ACCESS, level);

export type AuthenticatedRequest = { headers: Record<string, string | string[] | undefined>; principal?: Principal };

/** The token of an `Authorization: Bearer <token>` header. */
export function bearerToken(request: { headers: Record<string, string | string[] | undefined> }): string | undefined {
  const header = request.headers.authorization;
  return (typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null)?.[1];
}

/**
 * Authentication (401 without or with an invalid token), then the route's level: `operator` routes are 403
 * for anybody but operators. Services with levels of their own subclass it and override `authorize`.
 * Runs before body parsing pipes, so nothing leaks through validation to a caller who may not call the route.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    @Inject(Reflector) protected readonly reflector: Reflector,
    @Inject(TokenVerifier) protected readonly verifier: TokenVerifier,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const level = this.reflector.getAllAndOverride<AccessLevel | undefined>(ACCESS, [context.getHandler(), context.getClass()]) ?? 'operator';
    const principal = await this.authenticate(request);
    request.principal = principal;
    if (level === 'operator' && principal.role !== 'operator') throw new AuthError(403, 'forbidden', 'this route is for operators');
    await this.authorize(principal, level, context);
    return true;
  }

  /** Checks of the levels other than `operator` (throw to refuse); nothing by default. */
  protected authorize(_principal: Principal, _level: AccessLevel, _context: ExecutionContext): void | Promise<void> {}

  private async authenticate(request: AuthenticatedRequest): Promise<Principal> {
    const token = bearerToken(request);
    if (!token) throw new AuthError(401, 'unauthorized', 'a bearer token is required');
    try {
      return await this.verifier.verify(token);
    } catch (error) {
      throw new AuthError(401, 'invalid-token', `the bearer token is not valid: ${(error as Error).message}`);
    }
  }
}

export const CurrentPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext): Principal => {
  const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (!principal) throw new AuthError(401, 'unauthorized', 'a bearer token is required');
  return principal;
});
