import { Injectable, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';
import { ApiError } from './errors';

/** A JSON body must be an object: arrays and scalars are refused before field validation. */
@Injectable()
export class JsonObjectBodyPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type !== 'body' || value === undefined) return value;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new ApiError(400, 'validation-failed', 'the request body must be a JSON object', { fields: [{ field: '(body)', problems: ['must be a JSON object'] }] });
    }
    return value;
  }
}
