/**
 * The baseline of the HTTP benchmark: a bare Fastify route that parses the same
 * JSON body and answers a fixed verdict of the same shape, with the same pino
 * logging (one JSON line per request). Whatever /score costs beyond this is the
 * service's own work: validation, features, three detectors, reasons, metrics.
 */
import Fastify, { LogController } from 'fastify';

const port = Number(process.env.PORT ?? 0);
const app = Fastify({ logger: { level: 'info' }, logController: new LogController({ disableRequestLogging: true }) });
const answer = {
  verdict: 'normal',
  anomaly_score: 0.48,
  is_anomaly: false,
  risk_probability: 0,
  baseline_outlier: false,
  risk_level: 'low',
  reasons: [],
  model_version: 'bare',
};
app.addHook('onResponse', async (request, reply) => {
  request.log.info({ method: request.method, url: request.url, statusCode: reply.statusCode, ms: reply.elapsedTime }, 'request');
});
app.post('/score', async () => answer);
await app.listen({ host: '127.0.0.1', port });
