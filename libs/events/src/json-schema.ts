import { getMetadataStorage } from 'class-validator';

// class-transformer exposes its @Type() registry only through this internal module
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { defaultMetadataStorage } = require('class-transformer/cjs/storage') as typeof import('class-transformer/types/storage');

type Schema = Record<string, unknown>;
type ClassType = new () => object;

/**
 * JSON schemas generated from class-validator metadata (the catalog's schemas are classes): one source for
 * validation and documentation (offer-api's OpenAPI document, the AsyncAPI document of the events).
 * References point into `#/components/schemas/`; several roots share one map.
 */
export function schemasFromValidation(root: ClassType, schemas: Record<string, Schema> = {}): Record<string, Schema> {
  const storage = getMetadataStorage();
  const visit = (cls: ClassType): string => {
    const name = cls.name;
    if (schemas[name]) return name;
    const properties: Record<string, Schema> = {};
    const optional = new Set<string>();
    schemas[name] = { type: 'object', additionalProperties: false, properties };
    for (const meta of storage.getTargetValidationMetadatas(cls, '', true, false)) {
      const property = (properties[meta.propertyName] ??= {});
      const target: Schema = meta.each ? (((property.items as Schema | undefined) ?? (property.items = {})) as Schema) : property;
      const [constraint] = meta.constraints ?? [];
      if (meta.type === 'conditionalValidation') optional.add(meta.propertyName);
      if (meta.type === 'nestedValidation') {
        const nested = defaultMetadataStorage.findTypeMetadata(cls, meta.propertyName)?.typeFunction() as ClassType | undefined;
        if (nested) {
          const ref = { $ref: `#/components/schemas/${visit(nested)}` };
          if (property.type === 'array' || Reflect.getMetadata('design:type', cls.prototype, meta.propertyName) === Array) {
            property.type = 'array';
            property.items = { ...((property.items as Schema | undefined) ?? {}), ...ref };
          } else Object.assign(property, ref);
        }
        continue;
      }
      switch (meta.name) {
        case 'isString':
          target.type = 'string';
          break;
        case 'isInt':
          target.type = 'integer';
          break;
        case 'isNumber':
          target.type = 'number';
          break;
        case 'isBoolean':
          target.type = 'boolean';
          break;
        case 'isObject':
          target.type ??= 'object';
          break;
        case 'isArray':
          property.type = 'array';
          property.items ??= {};
          break;
        case 'isIn':
          target.enum = constraint;
          break;
        case 'isEmail':
          target.type = 'string';
          target.format = 'email';
          break;
        case 'maxLength':
          target.maxLength = constraint;
          break;
        case 'minLength':
          target.minLength = constraint;
          break;
        case 'max':
          target.maximum = constraint;
          break;
        case 'min':
          target.minimum = constraint;
          break;
        case 'arrayMaxSize':
          property.maxItems = constraint;
          break;
        case 'arrayMinSize':
          property.minItems = constraint;
          break;
        default:
          break;
      }
    }
    // a $ref with siblings is ignored by OpenAPI 3.0 tools: keep references bare
    for (const property of Object.values(properties)) if (property.$ref) for (const key of Object.keys(property)) if (key !== '$ref') delete property[key];
    const required = Object.keys(properties).filter((p) => !optional.has(p));
    if (required.length) schemas[name].required = required;
    return name;
  };
  visit(root);
  return schemas;
}
