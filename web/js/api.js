// The console talks to the service only through its public HTTP API (the one openapi.yaml documents).

/** An error the service answered, with its message in words (a 400 names the field and line). */
export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message ? `${status} ${body.error || ''}: ${body.message}` : `the service answered ${status}`);
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

function admin(token) {
  return { authorization: `Bearer ${token}` };
}

/** promote: auto (served only when not worse than the served models), always or never */
export function train(token, file, promote = 'auto') {
  return fetch(`/train?promote=${encodeURIComponent(promote)}`, { method: 'POST', headers: { ...admin(token), 'content-type': 'text/csv' }, body: file }).then(json);
}

export function rollback(token) {
  return fetch('/model/rollback', { method: 'POST', headers: admin(token) }).then(json);
}
