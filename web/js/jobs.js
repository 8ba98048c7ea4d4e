// Scoring jobs (POST /jobs, GET /jobs/{id}, GET /jobs/{id}/results): a file of any size goes up as it is,
// with upload progress, is scored by the service in the background, and its results are read back from
// the service a part at a time, so the page never holds a whole file or its results.
import { ApiError } from './api.js';

export const TERMINAL = new Set(['succeeded', 'failed', 'canceled']);

/** The user canceled the upload. */
export class Canceled extends Error {}

/** Cancels a job and removes it, with its results (DELETE /jobs/{id}). */
export async function deleteJob(id) {
  const res = await fetch(`/jobs/${encodeURIComponent(id)}`, { method: 'DELETE' });
  if (!res.ok && res.status !== 404) throw new ApiError(res.status, await res.json().catch(() => null));
}

/**
 * Uploads the file to POST /jobs with XMLHttpRequest (fetch reports no upload progress), a log with
 * ?format= (kind.log); with `skip`,
 * bad records are left out and listed in the job (on_error=skip) instead of failing it.
 * @param {(sent: number, total: number) => void} onUpload
 * @returns {Promise<object>} the job, as the 202 describes it
 */
export function createJob(file, kind, onUpload, signal, skip = false) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    signal.addEventListener('abort', () => xhr.abort());
    xhr.onabort = () => reject(new Canceled());
    const params = new URLSearchParams();
    if (kind.log) params.set('format', kind.log);
    if (skip) params.set('on_error', 'skip');
    const query = params.toString() === '' ? '' : `?${params}`;
    xhr.open('POST', `/jobs${query}`);
    xhr.setRequestHeader('content-type', kind.type);
    if (kind.gzip) xhr.setRequestHeader('content-encoding', 'gzip');
    xhr.responseType = 'json';
    xhr.upload.onprogress = (e) => onUpload(e.loaded, e.lengthComputable ? e.total : file.size);
    xhr.onload = () => {
      if (xhr.status === 202) return resolve(xhr.response);
      reject(new ApiError(xhr.status, xhr.response));
    };
    xhr.onerror = () => reject(new Error('the connection to the service was lost during the upload: drop the file again'));
    xhr.send(file);
  });
}

async function json(res) {
  const body = await res.json().catch(() => null);
  if (!res.ok) throw new ApiError(res.status, body);
  return body;
}

export const getJob = (id) => fetch(`/jobs/${encodeURIComponent(id)}`, { cache: 'no-store' }).then(json);

/**
 * Polls the job until it ends (succeeded, failed or canceled), calling onState with each state read.
 * `isCurrent` says whether the page still wants this job (a newer file was dropped: stop polling).
 */
export async function waitForJob(id, onState, isCurrent, intervalMs = 500) {
  for (;;) {
    const job = await getJob(id);
    if (!isCurrent()) return null;
    onState(job);
    if (TERMINAL.has(job.state)) return job;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** The job's results as CSV (the input's columns, then the verdict's), as a Blob for a download. */
export async function resultsBlob(id) {
  const res = await fetch(`/jobs/${encodeURIComponent(id)}/results`, { headers: { accept: 'text/csv' } });
  if (!res.ok) throw new ApiError(res.status, await res.json().catch(() => null));
  return res.blob();
}

const NL = 0x0a;
const QUOTE = 0x22;
const CR = 0x0d;

/**
 * Reads the job's CSV results from byte `start` (a Range request), calling onRecord(text, offset) with
 * each CSV record (a line, or several when a quoted field holds line breaks) and its byte offset. Stops
 * when onRecord returns false, or at the end. Records are cut at the byte level (a line feed outside
 * quotes): UTF-8 never puts a line feed or a quote inside another character, so offsets stay exact.
 * @returns {Promise<number>} the byte offset after the last record read
 */
export async function scanResults(id, start, onRecord) {
  const headers = { accept: 'text/csv' };
  if (start > 0) headers.range = `bytes=${start}-`;
  const res = await fetch(`/jobs/${encodeURIComponent(id)}/results`, { headers, cache: 'no-store' });
  if (!res.ok) throw new ApiError(res.status, await res.json().catch(() => null));
  if (start > 0 && res.status !== 206) throw new Error(`the service answered ${res.status} to a range of the results, not 206`);
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let rest = new Uint8Array(0);
  let offset = start; // byte offset of rest[0]
  let scanned = 0; // bytes of rest already scanned
  let quoted = false;
  for (;;) {
    const { value, done } = await reader.read();
    let buf = rest;
    if (value) {
      buf = new Uint8Array(rest.length + value.length);
      buf.set(rest);
      buf.set(value, rest.length);
    }
    let from = 0;
    const end = buf.length;
    for (let i = scanned; i < end; i++) {
      const b = buf[i];
      if (b === QUOTE) quoted = !quoted;
      else if (b === NL && !quoted) {
        const stop = i > from && buf[i - 1] === CR ? i - 1 : i;
        if (stop > from && onRecord(decoder.decode(buf.subarray(from, stop)), offset + from) === false) {
          await reader.cancel();
          return offset + i + 1;
        }
        from = i + 1;
      }
    }
    if (done) {
      if (from < end) onRecord(decoder.decode(buf.subarray(from, end)), offset + from);
      return offset + end;
    }
    rest = buf.slice(from);
    offset += from;
    scanned = rest.length;
  }
}
