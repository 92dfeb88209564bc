import fc from 'fast-check';

/**
 * fast-check arbitraries derived from the service's own OpenAPI 3.0 document: for each operation, values
 * that its schemas accept, and near misses that they should refuse. Only the keywords the document uses
 * are understood; an unknown one makes the generator throw, so the fuzzer cannot silently test less.
 */

export interface JsonSchema {
  type?: string;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  nullable?: boolean;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean;
  items?: JsonSchema;
  description?: string;
}

export interface Parameter {
  in: 'path' | 'query' | 'header';
  name: string;
  required?: boolean;
  schema: JsonSchema;
}

export interface Operation {
  method: string;
  path: string;
  parameters: Parameter[];
  body?: JsonSchema;
  /** Documented statuses and the schema of each one's body (null: no body). */
  responses: Map<number, JsonSchema | null>;
  secured: boolean;
}

interface OpenApiDocument {
  paths: Record<string, Record<string, {
    parameters?: Parameter[];
    requestBody?: { content: Record<string, { schema: JsonSchema }> };
    responses: Record<string, { content?: Record<string, { schema: JsonSchema }> }>;
    security?: unknown[];
  }>>;
}

/** Every operation the document lists. */
export function operationsOf(document: unknown): Operation[] {
  const { paths } = document as OpenApiDocument;
  return Object.entries(paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => {
      const body = op.requestBody?.content['application/json']?.schema;
      return {
        method: method.toUpperCase(),
        path,
        parameters: op.parameters ?? [],
        ...(body === undefined ? {} : { body }),
        responses: new Map(
          Object.entries(op.responses).map(([status, response]) => [
            Number(status),
            response.content?.['application/json']?.schema ?? null,
          ]),
        ),
        secured: (op.security ?? []).length > 0,
      };
    }),
  );
}

const KNOWN_KEYWORDS = new Set([
  'type', 'format', 'pattern', 'minLength', 'maxLength', 'nullable', 'enum', 'anyOf', 'properties', 'required',
  'additionalProperties', 'items', 'description',
]);

/** Values the schema accepts. */
export function valid(schema: JsonSchema): fc.Arbitrary<unknown> {
  const unknown = Object.keys(schema).filter((key) => !KNOWN_KEYWORDS.has(key));
  if (unknown.length > 0) throw new Error(`the fuzzer does not understand ${unknown.join(', ')}`);
  const base = validIgnoringNull(schema);
  return schema.nullable ? fc.oneof(base, fc.constant(null)) : base;
}

function validIgnoringNull(schema: JsonSchema): fc.Arbitrary<unknown> {
  if (schema.anyOf) return fc.oneof(...schema.anyOf.map(valid));
  if (schema.enum) return fc.constantFrom(...schema.enum);
  switch (schema.type) {
    case 'string':
      return validString(schema);
    case 'integer':
      return fc.integer();
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(valid(schema.items ?? {}), { maxLength: 3 });
    case 'object': {
      const properties = Object.fromEntries(Object.entries(schema.properties ?? {}).map(([key, value]) => [key, valid(value)]));
      return fc.record(properties, { requiredKeys: schema.required ?? [] });
    }
    case undefined:
      return fc.jsonValue();
    default:
      throw new Error(`the fuzzer does not understand type ${schema.type}`);
  }
}

function validString(schema: JsonSchema): fc.Arbitrary<string> {
  const fits = (value: string) =>
    value.length >= (schema.minLength ?? 0) && value.length <= (schema.maxLength ?? Number.POSITIVE_INFINITY);
  if (schema.format === 'email') return fc.emailAddress().filter(fits);
  if (schema.format === 'date-time') {
    return fc.date({ min: new Date('1990-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString());
  }
  if (schema.format !== undefined) throw new Error(`the fuzzer does not understand format ${schema.format}`);
  if (schema.pattern !== undefined) return fc.stringMatching(new RegExp(schema.pattern)).filter(fits);
  return fc.string({ unit: 'grapheme', minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 40, 200) }).filter(fits);
}

/** Anything at all, with a bias to near misses: the right shape with one member wrong, missing or extra. */
export function invalid(schema: JsonSchema): fc.Arbitrary<unknown> {
  const wrongValue = fc.oneof(
    fc.jsonValue({ maxDepth: 2 }),
    fc.string({ unit: 'binary', maxLength: 300 }),
    fc.constantFrom('', ' ', '\u0000', '\u202e', '\ud800', 'a'.repeat(300), '__proto__', -1, 0, 1e308, true, null),
  );
  if (schema.type !== 'object' || schema.properties === undefined) return wrongValue;
  const keys = [...Object.keys(schema.properties), 'extra', '__proto__', 'constructor'];
  return fc.oneof(
    wrongValue,
    fc.tuple(valid(schema) as fc.Arbitrary<Record<string, unknown>>, fc.constantFrom(...keys), wrongValue).map(
      ([value, key, wrong]) => ({ ...value, [key]: wrong }),
    ),
    fc.tuple(valid(schema) as fc.Arbitrary<Record<string, unknown>>, fc.constantFrom(...keys)).map(([value, key]) => {
      const copy = { ...value };
      delete copy[key];
      return copy;
    }),
  );
}

/** A valid value most of the time, a near miss otherwise. */
export function validOrNot(schema: JsonSchema): fc.Arbitrary<unknown> {
  return fc.oneof({ arbitrary: valid(schema), weight: 3 }, { arbitrary: invalid(schema), weight: 2 });
}
