import { Injectable, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';
import { inspectJson, isStorableText, UNSTORABLE_TEXT } from '../domain/limits';
import { ApiError, refusedInput, validationFailed } from './errors';

/**
 * Runs before field validation (and after the access guard: a foreign offer's body is not looked at).
 * A JSON body must be an object no deeper than `maxJsonDepth`, without nulls and without strings or keys
 * that cannot be stored; query values and path parameters must be given once and be storable text.
 */
@Injectable()
export class RequestInputPipe implements PipeTransform {
  constructor(private readonly maxJsonDepth: number) {}

  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type === 'body') return this.body(value);
    if (metadata.type === 'query' || metadata.type === 'param') return this.parameter(value, metadata.data, metadata.type);
    return value;
  }

  private body(value: unknown): unknown {
    if (value === undefined) return value;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new ApiError(400, 'validation-failed', 'the request body must be a JSON object', {
        fields: [{ field: '(body)', problems: ['must be a JSON object'] }],
      });
    }
    const inspection = inspectJson(value, this.maxJsonDepth);
    if (!inspection.ok) throw refusedInput(inspection, this.maxJsonDepth);
    return value;
  }

  private parameter(value: unknown, name: string | undefined, type: 'query' | 'param'): unknown {
    if (name === undefined) {
      // the whole query or params object
      if (value !== null && typeof value === 'object') for (const [key, item] of Object.entries(value)) this.parameter(item, key, type);
      return value;
    }
    if (value === undefined) return value;
    if (Array.isArray(value)) throw validationFailed([{ field: name, problems: [`${name} must be given once`] }], 'invalid query');
    if (typeof value === 'string' && !isStorableText(value)) {
      throw validationFailed([{ field: name, problems: [`${name} ${UNSTORABLE_TEXT}`] }], type === 'query' ? 'invalid query' : 'invalid path');
    }
    return value;
  }
}
