// The console talks to the service only through its public HTTP API (the one openapi.yaml documents).

/** An error the service answered, with its message in words (a 400 names the field and line). */
export class ApiError extends Error {
  constructor(status, body) {
    super(body && body.message ? `${status} ${body.error || ''}: ${body.message}` : `the service answered ${status}`);
    this.status = status;
    /** the service's own message (naming the field and line), without the status */
    this.detail = body?.message ? body.message : this.message;
  }
}

async function json(res) {
  const body = await res.json().catch(() => null);
  if (!res.ok) throw new ApiError(res.status, body);
  return body;
}

export const getModel = () => fetch('/model').then(json);
export const getDrift = () => fetch('/model/drift').then(json);

export function scoreOne(record) {
  return fetch('/score', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(record) }).then(json);
}

/**
 * Scores a whole file through the streamed /batch (Accept: application/x-ndjson): results in input
 * order as they come. `body` is the file as dropped, sent as it is with its content type.
 * @returns {Promise<{results: object[], summary: object|null, error: object|null}>}
 */
export async function streamBatch(body, contentType, onResults) {
  const res = await fetch('/batch', { method: 'POST', headers: { 'content-type': contentType, accept: 'application/x-ndjson' }, body });
  if (!res.ok) throw new ApiError(res.status, await res.json().catch(() => null));
  const results = [];
  let summary = null;
  let error = null;
  let rest = '';
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  for (;;) {
    const { value, done } = await reader.read();
    const text = rest + (value || '');
    const lines = text.split('\n');
    rest = done ? '' : lines.pop();
    const before = results.length;
    for (const line of lines) {
      if (line.trim() === '') continue;
      const obj = JSON.parse(line);
      if (obj.summary) summary = obj.summary;
      else if (obj.error) error = obj.error;
      else results.push(obj);
    }
    if (results.length > before) onResults(results.length);
    if (done) break;
  }
  return { results, summary, error };
}

function admin(token) {
  return { authorization: `Bearer ${token}` };
}

export function train(token, file) {
  return fetch('/train', { method: 'POST', headers: { ...admin(token), 'content-type': 'text/csv' }, body: file }).then(json);
}

export function rollback(token) {
  return fetch('/model/rollback', { method: 'POST', headers: admin(token) }).then(json);
}
