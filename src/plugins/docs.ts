/**
 * OpenAPI document and Swagger UI. Shared schemas are components named by their
 * $id (TrafficRecord, ScoreResult, ...) rather than def-0, def-1. The committed
 * openapi.yaml is this document (`npm run openapi`), and a test keeps them equal.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { LOG_MEDIA_EXAMPLES } from '../schemas/log-examples.js';
import { RISK_LEVEL_RULE } from '../schemas/score.js';
import { NDJSON } from './csv.js';

export const API_DESCRIPTION = `Scores web-traffic records (the AWS CloudWatch "Suspicious Web Threat Interactions" layout) with three detectors:
an Isolation Forest (Liu, Ting & Zhou 2008), a Random Forest classifier and an IQR baseline, and says why.

risk_level rule: ${RISK_LEVEL_RULE}

Errors are JSON {statusCode, error, message, code}; the message names the offending field
(and, in a batch, the record index or CSV line).`;

const CSV_HEADER =
  'bytes_in,bytes_out,creation_time,end_time,src_ip,src_ip_country_code,protocol,response.code,dst_port,dst_ip,rule_names,observation_name,source.meta,source.name,time,detection_types';
const CSV_BODY = {
  type: 'string',
  description: 'The dataset CSV: a header row of TrafficRecord keys (any order, optional label column), then one record per line. Errors name the CSV line.',
  examples: [
    `${CSV_HEADER}\n5602,12990,2024-04-25T23:00:00Z,2024-04-25T23:10:00Z,147.161.161.82,AE,HTTPS,200,443,10.138.69.97,Suspicious Web Traffic,Adversary Infrastructure Interaction,AWS_VPC_Flow,prod_webserver,2024-04-25T23:00:00Z,waf_rule\n`,
  ],
};

const OPTIONAL_BODY = 'x-optional-body';
type OpenApiDoc = { paths?: Record<string, Record<string, { requestBody?: { required?: boolean }; [OPTIONAL_BODY]?: boolean }>> };

declare module 'fastify' {
  interface FastifyContextConfig {
    /** the route's body may be absent (documented as requestBody.required: false) */
    optionalBody?: boolean;
  }
}

const NDJSON_BODY = {
  type: 'string',
  description: 'Streamed bodies only (with Accept: application/x-ndjson): one TrafficRecord JSON object a line. Errors name the NDJSON line.',
};
const LOG_BODY = {
  type: 'string',
  description:
    'A log as AWS delivers it, in the format named by ?format= (vpc-flow, alb, waf, cloudfront, ocsf), gzip allowed with Content-Encoding: gzip. ' +
    'A bad line is a 400 naming the line, the field, what was expected and the value. docs/api.md lists the fields each format gives.',
};
const NDJSON_RESULTS = {
  type: 'string',
  description:
    'With Accept: application/x-ndjson: one ScoreResult JSON object a line, in input order, then a line {"summary": BatchSummary}; ' +
    'a bad record or body mid-stream ends it with a line {"error": Error} naming the line and field (the status is already 200).',
};

const JOB_NDJSON = 'One TrafficRecord JSON object a line. Errors name the NDJSON line.';
const JOB_RESULTS_NDJSON = 'The default: one ScoreResult JSON object a line, in input order.';
const JOB_RESULTS_CSV =
  "With Accept: text/csv: the input's columns (a JSON body's records under the dataset's column names), then verdict, risk_level, anomaly_score, " +
  'risk_probability, baseline_outlier, is_anomaly, novel_fields, missing_fields, reasons, model_version; a row per record in input order.';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** GET /jobs/{id}/results: documented as NDJSON or CSV */
    jobResults?: boolean;
  }
}

async function docsPlugin(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Traffic threat scoring service', version: '0.1.0', description: API_DESCRIPTION, license: { name: 'UNLICENSED (private)', identifier: 'LicenseRef-Proprietary' } },
      // Relative: the document is served by the service it describes, so clients and Swagger UI resolve
      // paths against wherever they fetched it from (a port or host fixed here would be wrong elsewhere).
      servers: [{ url: '/', description: 'the service serving this document' }],
      tags: [
        { name: 'scoring', description: 'Verdicts for traffic records' },
        { name: 'jobs', description: 'Scoring jobs: files of any size scored in the background, results fetched when done' },
        { name: 'model', description: 'The served model bundle and its training' },
        { name: 'operations', description: 'Health probes and metrics' },
      ],
      components: {
        securitySchemes: { adminToken: { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN, for /train and /model/rollback' } },
      },
    },
    // Routes that take CSV (route config takesCsv) document it as text/csv beside the JSON form; validation
    // still sees the {records} object the CSV parser makes, so only the document changes.
    // Record bodies are validated by parseRecord, not by a route schema, so the routes name the documented
    // body schema in their config (documentedBody) and it is put back here.
    transform: ({ schema, url, route }) => {
      if (route.config?.optionalBody) schema = { ...schema, [OPTIONAL_BODY]: true } as typeof schema;
      // POST /jobs reads its body itself: CSV, NDJSON, {"records": [...]} or a log (?format=), gzip allowed.
      if (route.config?.jobBody) {
        const content = {
          'text/csv': { schema: CSV_BODY },
          [NDJSON]: { schema: { ...NDJSON_BODY, description: JOB_NDJSON } },
          'application/json': { schema: { $ref: 'RecordsBody' } },
          'text/plain': { schema: LOG_BODY },
        };
        return { schema: { ...schema, body: { content } }, url };
      }
      // GET /jobs/{id}/results: NDJSON or CSV from disk, whole or a byte range.
      if (route.config?.jobResults) {
        const response = schema.response as Record<string, { description?: string }>;
        const content = () => ({ [NDJSON]: { schema: { type: 'string', description: JOB_RESULTS_NDJSON } }, 'text/csv': { schema: { type: 'string', description: JOB_RESULTS_CSV } } });
        return {
          schema: { ...schema, response: { ...response, 200: { description: response[200].description, content: content() }, 206: { description: response[206].description, content: content() } } },
          url,
        };
      }
      const json = schema?.body ?? (route.config?.documentedBody ? { $ref: route.config.documentedBody } : undefined);
      if (!json) return { schema, url };
      if (!route.config?.takesCsv && !route.config?.takesLogs) return { schema: { ...schema, body: json }, url };
      const content: Record<string, unknown> = { 'application/json': { schema: json } };
      if (route.config.takesCsv) content['text/csv'] = { schema: CSV_BODY };
      // Logs in the formats of ?format= (vpc-flow, alb, waf, cloudfront, ocsf), gzip allowed.
      // /batch and /train show an example log per format; /score takes one line (or vpc-flow connection).
      if (route.config.takesLogs) content['text/plain'] = { schema: url === '/score' ? LOG_BODY : { ...LOG_BODY, 'x-examples': LOG_MEDIA_EXAMPLES } };
      if (!route.config.streams) return { schema: { ...schema, body: { content } }, url };
      // A streaming route also takes NDJSON, and answers NDJSON when asked (Accept: application/x-ndjson).
      content[NDJSON] = { schema: NDJSON_BODY };
      const ok = (schema.response as Record<string, { description?: string }>)[200];
      const response = { ...(schema.response as object), 200: { description: ok.description, content: { 'application/json': { schema: ok }, [NDJSON]: { schema: NDJSON_RESULTS } } } };
      return { schema: { ...schema, body: { content }, response }, url };
    },
    // @fastify/swagger marks every body required; a route whose body may be absent says so with the
    // route config optionalBody, carried here as an x- key and turned into requestBody.required: false.
    transformObject: (documentObject) => {
      const doc = (documentObject as { openapiObject: OpenApiDoc }).openapiObject;
      for (const methods of Object.values(doc.paths ?? {})) {
        for (const op of Object.values(methods)) {
          if (op[OPTIONAL_BODY] && op.requestBody) op.requestBody.required = false;
          delete op[OPTIONAL_BODY];
        }
      }
      return doc;
    },
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`),
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { deepLinking: true, tryItOutEnabled: false, defaultModelExpandDepth: 3 } });
}

export default fp(docsPlugin, { name: 'docs', fastify: '5.x' });
